package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestQEMUVGIA(t *testing.T) {
	got, err := qemuVGIA("testdata/qemu-q35")
	if err != nil || got != 0x0FFFF000 {
		t.Fatalf("qemuVGIA(fixture) = %#x, %v; want 0xffff000", got, err)
	}
	dir := t.TempDir()
	// A truncated name: the pattern without its four value bytes.
	os.WriteFile(filepath.Join(dir, "SSDT"), []byte{0x08, 'V', 'G', 'I', 'A', 0x0c, 0x00}, 0o644)
	if _, err := qemuVGIA(dir); err == nil {
		t.Error("a truncated VGIA was accepted")
	}
}

func TestSysctlValue(t *testing.T) {
	out := "hw.acpivmgenid0.id = c8d26d19ff65724587f5948f56fdd89b\nhw.acpivmgenid0.paddr = 268431400\n"
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"hw.acpivmgenid0.paddr", "268431400", true},
		{"hw.acpivmgenid0.id", "c8d26d19ff65724587f5948f56fdd89b", true},
		{"hw.acpivmgenid1.paddr", "", false},
	}
	for _, tc := range tests {
		if v, ok := sysctlValue(out, tc.name); v != tc.want || ok != tc.ok {
			t.Errorf("sysctlValue(%s) = %q, %v; want %q, %v", tc.name, v, ok, tc.want, tc.ok)
		}
	}
}
