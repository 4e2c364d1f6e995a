package state

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/genid"
)

// sampleRecord is a record with every field distinct, so that a field
// stored at the wrong offset shows.
func sampleRecord() Record {
	return Record{
		Flags:      FlagIDKnown,
		Epoch:      42,
		ID:         genid.ID{0xdd, 0xcc, 0xbb, 0xaa, 0xff, 0xee, 0x11, 0x00, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99},
		PAddr:      0x0FFFF028,
		Changes:    3,
		LastChange: 1_795_000_000_123_456_789,
	}
}

func TestNextEpoch(t *testing.T) {
	max := ^uint64(0)
	tests := []struct{ in, want uint64 }{
		{0, 1},               // no valid state yet: start at 1
		{1, 2},               // ordinary step
		{41, 42},             // ordinary step
		{max - 2, max - 1},   // the largest valid epoch is all ones minus one
		{max - 1, 1},         // wraps past all ones and 0 to 1
		{max, 1},             // an invalid input still yields a valid epoch
		{1 << 63, 1<<63 + 1}, // no special case in the middle
	}
	for _, tt := range tests {
		if got := NextEpoch(tt.in); got != tt.want {
			t.Errorf("NextEpoch(%#x) = %#x, want %#x", tt.in, got, tt.want)
		}
		if !ValidEpoch(NextEpoch(tt.in)) {
			t.Errorf("NextEpoch(%#x) is not a valid epoch", tt.in)
		}
	}
}

// TestLayout pins every field to the byte offsets of the documented ABI.
func TestLayout(t *testing.T) {
	r := sampleRecord()
	h := encode(r, 6)
	p := h.page()
	want := []struct {
		off   int
		bytes []byte
	}{
		{0, []byte("VMGENID\x00")},
		{8, []byte{1, 0, 0, 0}},
		{12, []byte{1, 0, 0, 0}},
		{16, []byte{6, 0, 0, 0, 0, 0, 0, 0}},
		{24, []byte{42, 0, 0, 0, 0, 0, 0, 0}},
		{32, r.ID[:]},
		{48, []byte{0x28, 0xf0, 0xff, 0x0f, 0, 0, 0, 0}},
		{56, []byte{3, 0, 0, 0, 0, 0, 0, 0}},
		{64, []byte{0x15, 0x4d, 0x2f, 0x63, 0xfd, 0x1e, 0xe9, 0x18}},
		{72, make([]byte, Size-72)},
	}
	for _, w := range want {
		if got := p[w.off : w.off+len(w.bytes)]; !bytes.Equal(got, w.bytes) {
			t.Errorf("offset %d: % x, want % x", w.off, got, w.bytes)
		}
	}
	if len(p) != Size {
		t.Errorf("page is %d bytes, want %d", len(p), Size)
	}
}

func TestDecode(t *testing.T) {
	good := func() []byte { h := encode(sampleRecord(), 4); return h.page() }
	with := func(off int, b ...byte) []byte { p := good(); copy(p[off:], b); return p }
	tests := []struct {
		name    string
		page    []byte
		wantErr string // substring; "" = success
		is      error
	}{
		{"valid", good(), "", nil},
		{"reserved bytes ignored", with(100, 0xff, 0xff), "", nil},
		{"unknown flag bits ignored", with(12, 0x03, 0, 0, 0x80), "", nil},
		{"empty", nil, "file is 0 bytes, want 4096", nil},
		{"short", good()[:72], "file is 72 bytes", nil},
		{"long", append(good(), 0), "file is 4097 bytes", nil},
		{"bad magic", with(0, 'X'), "magic at offset 0", nil},
		{"version 2", with(8, 2), "version at offset 8 is 2", nil},
		{"seq odd", with(16, 5), "seq at offset 16 is 5", ErrWriting},
		{"epoch 0", with(24, 0), "epoch at offset 24", ErrNoEpoch},
		{"epoch all ones", with(24, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), "epoch at offset 24 is 0xffffffffffffffff", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Decode(tt.page)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				want := sampleRecord()
				want.Flags = r.Flags // flag bits beyond bit 0 pass through
				if r != want {
					t.Errorf("Decode = %+v, want %+v", r, want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Decode error = %v, want it to contain %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Decode error %v does not wrap %v", err, tt.is)
			}
		})
	}
}

func TestRecordIDKnown(t *testing.T) {
	if (Record{}).IDKnown() {
		t.Error("zero record claims a known ID")
	}
	if !(Record{Flags: FlagIDKnown}).IDKnown() {
		t.Error("FlagIDKnown not reported")
	}
}

// FuzzDecode feeds arbitrary files to Decode: it must never panic, and
// whatever it accepts must encode back to the same defined bytes. A file
// is its first bytes (prefix) padded with zeros, or cut, to size bytes:
// Decode reads nothing past the header, and small inputs keep the
// fuzzer's minimization fast where whole 4 KiB pages would stall it.
func FuzzDecode(f *testing.F) {
	valid := encode(sampleRecord(), 2)
	header := func(h header) []byte { return h.page()[:HeaderSize] }
	f.Add(header(valid), uint16(Size))
	f.Add([]byte{}, uint16(0))
	f.Add([]byte(Magic), uint16(Size))
	f.Add(header(encode(sampleRecord(), 3)), uint16(Size))
	f.Add(header(valid), uint16(Size-1))
	f.Add(header(valid), uint16(Size+1))
	f.Fuzz(func(t *testing.T, prefix []byte, size uint16) {
		page := make([]byte, size)
		copy(page, prefix)
		r, err := Decode(page)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(page) != Size {
			t.Fatalf("accepted a %d-byte file", len(page))
		}
		if !ValidEpoch(r.Epoch) {
			t.Fatalf("accepted epoch %#x", r.Epoch)
		}
		h := encode(r, le64(page[OffSeq:]))
		if again := h.page(); !bytes.Equal(again[:HeaderSize], page[:HeaderSize]) {
			t.Fatalf("round trip differs:\n got % x\nwant % x", again[:HeaderSize], page[:HeaderSize])
		}
	})
}
