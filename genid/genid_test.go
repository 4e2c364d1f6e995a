package genid

import (
	"encoding"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The byte order measured in a real QEMU guest:
// guid=aabbccdd-eeff-0011-2233-445566778899 appears in memory as
// dd cc bb aa ff ee 11 00 22 33 44 55 66 77 88 99.
func TestGUIDMemoryOrder(t *testing.T) {
	const text = "aabbccdd-eeff-0011-2233-445566778899"
	const mem = "ddccbbaaffee11002233445566778899"
	id, err := ParseGUID(text)
	if err != nil {
		t.Fatal(err)
	}
	if got := id.String(); got != mem {
		t.Errorf("ParseGUID(%q).String() = %s, want %s", text, got, mem)
	}
	if got := id.GUID(); got != text {
		t.Errorf("GUID() = %s, want %s", got, text)
	}
	back, err := ParseHex(mem)
	if err != nil || back != id {
		t.Errorf("ParseHex(%q) = %v, %v; want %v", mem, back, err, id)
	}
	braced, err := ParseGUID("{" + text + "}")
	if err != nil || braced != id {
		t.Errorf("braced GUID = %v, %v", braced, err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{"", "aabbccdd", "aabbccdd-eeff-0011-2233-44556677889z", "aabbccddXeeff-0011-2233-445566778899"} {
		if _, err := ParseGUID(s); err == nil {
			t.Errorf("ParseGUID(%q) succeeded", s)
		}
	}
	for _, s := range []string{"", "00", "zz112233445566778899aabbccddeeff"} {
		if _, err := ParseHex(s); err == nil {
			t.Errorf("ParseHex(%q) succeeded", s)
		}
	}
	if !(ID{}).IsZero() {
		t.Error("zero ID not IsZero")
	}
}

// TestText: an ID encodes as its hex form, in JSON too, and decodes back;
// bad text is refused.
func TestText(t *testing.T) {
	const mem = "ddccbbaaffee11002233445566778899"
	id, _ := ParseHex(mem)
	b, err := json.Marshal(struct{ ID ID }{id})
	if err != nil || string(b) != `{"ID":"`+mem+`"}` {
		t.Fatalf("json.Marshal = %s, %v", b, err)
	}
	var back struct{ ID ID }
	if err := json.Unmarshal(b, &back); err != nil || back.ID != id {
		t.Fatalf("json.Unmarshal = %v, %v; want %v", back.ID, err, id)
	}
	var bad ID
	if err := bad.UnmarshalText([]byte("aabbccdd-eeff-0011-2233-445566778899")); err == nil {
		t.Error("UnmarshalText of GUID text succeeded; only the hex form is an ID's text")
	}
	var _ encoding.TextMarshaler = ID{}
	var _ encoding.TextUnmarshaler = &bad
}

// TestNew: fresh IDs are version 4 GUIDs with the RFC 9562 variant, and
// differ.
func TestNew(t *testing.T) {
	a, b := New(), New()
	if a == b || a.IsZero() {
		t.Fatalf("New returned %v and %v", a, b)
	}
	for _, id := range []ID{a, b} {
		g := id.GUID() // xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx
		if g[14] != '4' || !strings.ContainsRune("89ab", rune(g[19])) {
			t.Errorf("New() = %s: want version 4 and variant 10", g)
		}
	}
}

func TestReadStable(t *testing.T) {
	want := ID{0: 0x10, 15: 0x1f}
	tests := []struct {
		flips     int // reads that return a torn value before it settles
		wantReads int
		torn      bool
	}{
		{0, 2, false},
		{1, 3, false},
		{StableReads - 2, StableReads, false},
		{StableReads - 1, StableReads, true},
		{100, StableReads, true},
	}
	for _, tt := range tests {
		reads := 0
		id, err := ReadStable("test memory", func() (ID, error) {
			reads++
			v := want
			if reads <= tt.flips {
				v[0] ^= byte(reads) // a torn value: its first half new
			}
			return v, nil
		})
		var te *TornError
		if tt.torn != errors.As(err, &te) {
			t.Errorf("flips=%d: err = %v, want torn=%v", tt.flips, err, tt.torn)
		}
		if tt.torn && (te.From != "test memory" || te.Tries != StableReads || !strings.Contains(err.Error(), "test memory")) {
			t.Errorf("flips=%d: %+v (%v); want it to name the source and the tries", tt.flips, te, err)
		}
		if !tt.torn && id != want {
			t.Errorf("flips=%d: got %v, want %v", tt.flips, id, want)
		}
		if reads != tt.wantReads {
			t.Errorf("flips=%d: %d reads, want %d", tt.flips, reads, tt.wantReads)
		}
	}
	boom := errors.New("boom")
	if _, err := ReadStable("x", func() (ID, error) { return ID{}, boom }); !errors.Is(err, boom) {
		t.Errorf("failing reader: err = %v", err)
	}
}
