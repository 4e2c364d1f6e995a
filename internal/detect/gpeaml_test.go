package detect

import (
	"os"
	"strings"
	"testing"
)

func readAML(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b[36:] // after the table header
}

func TestFindGPEHandlersQEMU(t *testing.T) {
	ssdt := readAML(t, "testdata/qemu-q35/SSDT")
	got, err := FindGPEHandlers("SSDT", ssdt, `\_SB.VGEN`)
	if err != nil {
		t.Fatal(err)
	}
	want := []GPEHandler{{GPE: 5, Method: "_E05", Table: "SSDT", Offset: 0xb0 - 36}}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("FindGPEHandlers = %+v, want %+v", got, want)
	}
	// Another device: not notified by _E05.
	if got, _ := FindGPEHandlers("SSDT", ssdt, `\_SB.PCI0`); len(got) != 0 {
		t.Errorf("handlers for \\_SB.PCI0 = %+v, want none", got)
	}
	// QEMU's DSDT has GPE methods (_E01, _E02, …) but none notifies VGEN.
	if got, _ := FindGPEHandlers("DSDT", readAML(t, "testdata/qemu-q35/DSDT"), `\_SB.VGEN`); len(got) != 0 {
		t.Errorf("DSDT handlers for VGEN = %+v, want none", got)
	}
	// Firecracker notifies VGEN from the GED's _EVT, not from a GPE method.
	if got, _ := FindGPEHandlers("DSDT", readAML(t, "testdata/firecracker/DSDT"), `\_SB.VGEN`); len(got) != 0 {
		t.Errorf("Firecracker handlers = %+v, want none", got)
	}
}

func TestFindGPEHandlersShapes(t *testing.T) {
	method := func(name, body string) string {
		return "\x14" + string(rune(1+len(name)+1+len(body))) + name + "\x00" + body
	}
	notifyAbs := "\x86\\\x2e_SB_VGEN\x0a\x80"
	tests := []struct {
		name string
		aml  string
		want []int
	}{
		{"relative name in Scope(_GPE)", method("_L1A", notifyAbs), []int{0x1a}},
		{"relative notify target", method("_E07", "\x86VGEN\x0a\x80"), []int{7}},
		{"other absolute target", method("_E07", "\x86\\\x2e_SB_VGEX\x0a\x80"), nil},
		{"not a GPE method", method("_STA", notifyAbs), nil},
		{"lower-case hex is not a GPE name", method("_Eab", notifyAbs), nil},
		{"truncated", method("_E05", notifyAbs)[:8], nil},
		{"two handlers", method("_E01", notifyAbs) + method("_E02", notifyAbs), []int{1, 2}},
	}
	for _, tt := range tests {
		got, err := FindGPEHandlers("T", []byte(tt.aml), `\_SB.VGEN`)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var nums []int
		for _, h := range got {
			nums = append(nums, h.GPE)
		}
		if len(nums) != len(tt.want) || (len(nums) > 0 && !equalInts(nums, tt.want)) {
			t.Errorf("%s: GPEs %v, want %v", tt.name, nums, tt.want)
		}
	}
	for _, bad := range []string{"_SB.VGEN", `\`, `\_SB.TOOLONG`, `\_SB..X`, `\_sb.vgen`} {
		if _, err := FindGPEHandlers("T", nil, bad); err == nil || !strings.Contains(err.Error(), "device path") {
			t.Errorf("FindGPEHandlers(path %q) = %v, want a device path error", bad, err)
		}
	}
}

func TestFindGPEHandlersBudget(t *testing.T) {
	// Thousands of overlapping candidates: _E05 methods whose bodies run to
	// the end of the block.
	one := "\x14\x4f\xff_E05\x00" // PkgLength 0xfff
	aml := []byte(strings.Repeat(one, 20000) + strings.Repeat("\x00", 0xfff))
	_, err := FindGPEHandlers("T", aml, `\_SB.VGEN`)
	if err == nil || !strings.Contains(err.Error(), "too many overlapping") {
		t.Errorf("FindGPEHandlers on overlapping candidates = %v, want the budget error", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParsePkgLength(t *testing.T) {
	tests := []struct {
		in         []byte
		length, sz int
		ok         bool
	}{
		{[]byte{0x19}, 0x19, 1, true},
		{[]byte{0x48, 0x07}, 0x78, 2, true},
		{[]byte{0x81, 0x02, 0x03}, 0x1 | 0x02<<4 | 0x03<<12, 3, true},
		{[]byte{0x48}, 0, 0, false},       // follow byte missing
		{[]byte{0x58, 0x07}, 0, 0, false}, // reserved bits set
		{nil, 0, 0, false},
	}
	for _, tt := range tests {
		l, sz, ok := parsePkgLength(tt.in, 0)
		if l != tt.length || sz != tt.sz || ok != tt.ok {
			t.Errorf("parsePkgLength(% x) = %d, %d, %v; want %d, %d, %v", tt.in, l, sz, ok, tt.length, tt.sz, tt.ok)
		}
	}
}

func FuzzFindGPEHandlers(f *testing.F) {
	b, err := os.ReadFile("testdata/qemu-q35/SSDT")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b[36:])
	f.Add([]byte("\x14\x12_E05\x00\x86\\\x2e_SB_VGEN\x0a\x80"))
	f.Add([]byte("\x14\x12_E05\x00\x86\\\x2f\x03_SB_PCI0VGEN"))
	f.Fuzz(func(t *testing.T, aml []byte) {
		hs, err := FindGPEHandlers("F", aml, `\_SB.VGEN`)
		if err != nil && !strings.Contains(err.Error(), "too many overlapping") {
			t.Fatal(err)
		}
		for _, h := range hs {
			if h.GPE < 0 || h.GPE > 0xff || h.Offset < 0 || h.Offset >= len(aml) || aml[h.Offset] != amlMethodOp {
				t.Errorf("bad handler %+v", h)
			}
		}
	})
}
