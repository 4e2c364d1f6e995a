package genid

import "testing"

// The byte order measured in a real QEMU guest (shared/README.md):
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
