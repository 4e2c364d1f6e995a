package acpi

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// testdata/{firecracker,qemu-q35,qemu-pc} are real tables, byte for byte,
// as /sys/firmware/acpi/tables showed them in a Firecracker microVM and in
// QEMU 7.2 guests (-machine q35 / pc, -device vmgenid).

func TestReadDirFixtures(t *testing.T) {
	tests := []struct {
		dir    string
		names  []string
		blocks []string
		oem    map[string]string // table -> OEMTableID
	}{
		{"firecracker", []string{"APIC", "DSDT", "FACP", "MCFG"}, []string{"DSDT"},
			map[string]string{"DSDT": "FCVMDSDT"}},
		{"qemu-q35", []string{"DSDT", "FACP", "FACS", "HPET", "MCFG", "SSDT", "WAET"}, []string{"DSDT", "SSDT"},
			map[string]string{"SSDT": "VMGENID", "DSDT": "BXPC    "}},
		{"qemu-pc", []string{"DSDT", "FACP", "FACS", "HPET", "SSDT", "WAET"}, []string{"DSDT", "SSDT"},
			map[string]string{"SSDT": "VMGENID"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			tables, warnings, err := ReadDir(filepath.Join("testdata", tt.dir))
			if err != nil {
				t.Fatalf("ReadDir: %v", err)
			}
			if len(warnings) != 0 {
				t.Errorf("warnings: %v", warnings)
			}
			var names []string
			byName := map[string]*Table{}
			for _, tb := range tables {
				names = append(names, tb.Name)
				byName[tb.Name] = tb
			}
			if !reflect.DeepEqual(names, tt.names) {
				t.Errorf("names = %v, want %v", names, tt.names)
			}
			var blocks []string
			for _, tb := range DefinitionBlocks(tables) {
				blocks = append(blocks, tb.Name)
				if len(tb.AML()) != len(tb.Data)-HeaderSize {
					t.Errorf("%s: AML() has %d bytes, want %d", tb.Name, len(tb.AML()), len(tb.Data)-HeaderSize)
				}
			}
			if !reflect.DeepEqual(blocks, tt.blocks) {
				t.Errorf("DefinitionBlocks = %v, want %v", blocks, tt.blocks)
			}
			for name, oem := range tt.oem {
				if got := byName[name].OEMTableID; got != oem {
					t.Errorf("%s OEMTableID = %q, want %q", name, got, oem)
				}
			}
			if facs := byName["FACS"]; facs != nil {
				if facs.Signature != "FACS" || facs.AML() != nil || facs.OEMID != "" {
					t.Errorf("FACS decoded as an SDT: %+v", facs)
				}
			}
		})
	}
}

func TestParseHeaderFields(t *testing.T) {
	data, err := os.ReadFile("testdata/qemu-q35/SSDT")
	if err != nil {
		t.Fatal(err)
	}
	tb, err := Parse("SSDT", data)
	if err != nil {
		t.Fatal(err)
	}
	want := Table{Name: "SSDT", Signature: "SSDT", Revision: 1, Checksum: 0x43, OEMID: "BOCHS ",
		OEMTableID: "VMGENID", OEMRevision: 1, CreatorID: "BXPC", CreatorRevision: 1}
	got := *tb
	got.Data = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse = %+v\nwant    %+v", got, want)
	}
	blocks := AMLBlocks([]*Table{tb})
	if len(blocks) != 1 || blocks[0].Base != HeaderSize || blocks[0].Revision != 1 || len(blocks[0].AML) != len(data)-HeaderSize {
		t.Errorf("AMLBlocks = %+v", blocks)
	}
}

// corrupt returns a copy of the Firecracker DSDT changed by f.
func corrupt(t *testing.T, f func([]byte) []byte) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/firecracker/DSDT")
	if err != nil {
		t.Fatal(err)
	}
	return f(append([]byte(nil), data...))
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name       string
		data       func(t *testing.T) []byte
		wantOffset int
		wantReason string
	}{
		{"empty", func(*testing.T) []byte { return nil }, 0, "truncated header"},
		{"signature only", func(*testing.T) []byte { return []byte("DSDT") }, 4, "truncated header"},
		{"short SDT", func(*testing.T) []byte {
			b := make([]byte, 20)
			copy(b, "SSDT")
			binary.LittleEndian.PutUint32(b[4:], 20)
			return b
		}, 20, "truncated header"},
		{"length larger than file", func(t *testing.T) []byte {
			return corrupt(t, func(b []byte) []byte { return b[:len(b)-1] })
		}, 4, "header says length 3923 but the file has 3922 bytes"},
		{"length smaller than file", func(t *testing.T) []byte {
			return corrupt(t, func(b []byte) []byte { return append(b, 0) })
		}, 4, "but the file has 3924 bytes"},
		{"binary signature", func(t *testing.T) []byte {
			return corrupt(t, func(b []byte) []byte { b[2] = 0; return b })
		}, 2, "not printable"},
		{"FACS wrong length", func(*testing.T) []byte {
			b := make([]byte, 64)
			copy(b, "FACS")
			binary.LittleEndian.PutUint32(b[4:], 65)
			return b
		}, 4, "header says length 65"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := Parse("dynamic/SSDT9", tt.data(t))
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse error = %v (%T), want *FormatError", err, err)
			}
			if tb != nil {
				t.Errorf("Parse returned a table with a format error")
			}
			if fe.Table != "dynamic/SSDT9" || fe.Offset != tt.wantOffset || !strings.Contains(fe.Reason, tt.wantReason) {
				t.Errorf("error = %+v, want offset %d, reason containing %q", fe, tt.wantOffset, tt.wantReason)
			}
			if !strings.Contains(err.Error(), "dynamic/SSDT9") {
				t.Errorf("message %q does not name the table", err)
			}
		})
	}
}

func TestParseChecksum(t *testing.T) {
	data := corrupt(t, func(b []byte) []byte { b[100]++; return b })
	tb, err := Parse("DSDT", data)
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("Parse error = %v, want *ChecksumError", err)
	}
	if tb == nil || tb.Signature != "DSDT" {
		t.Fatalf("table not returned with a checksum warning")
	}
	if ce.Stored != 0x77 || ce.Want != 0x76 {
		t.Errorf("ChecksumError = %+v, want stored 0x77 want 0x76", ce)
	}
	// FACS has no checksum: any bytes pass.
	facs := make([]byte, 64)
	copy(facs, "FACS")
	binary.LittleEndian.PutUint32(facs[4:], 64)
	facs[20] = 0xAB
	if _, err := Parse("FACS", facs); err != nil {
		t.Errorf("FACS: %v", err)
	}
}

func TestReadDirLayout(t *testing.T) {
	dir := t.TempDir()
	copyFile := func(src, dst string) {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("testdata/qemu-q35/DSDT", filepath.Join(dir, "DSDT"))
	copyFile("testdata/qemu-q35/FACS", filepath.Join(dir, "FACS"))
	for _, n := range []string{"SSDT10", "SSDT2", "SSDT1", "SSDT"} {
		copyFile("testdata/qemu-q35/SSDT", filepath.Join(dir, n))
	}
	copyFile("testdata/qemu-q35/SSDT", filepath.Join(dir, "dynamic", "SSDT3"))
	// data/ holds non-table blobs (BERT, BGRT) on Linux: skipped.
	copyFile("testdata/qemu-q35/FACP", filepath.Join(dir, "data", "BERT"))
	// A bad checksum is a warning; a bad length an error; a symlink skipped.
	bad := corrupt(t, func(b []byte) []byte { b[50] ^= 0xFF; return b })
	if err := os.WriteFile(filepath.Join(dir, "APIC"), corrupt(t, func(b []byte) []byte { return b[:30] }), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "SSDT4"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("DSDT", filepath.Join(dir, "LINK")); err != nil {
		t.Fatal(err)
	}

	tables, warnings, err := ReadDir(dir)
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Table != "APIC" {
		t.Errorf("err = %v, want a FormatError for APIC", err)
	}
	var names []string
	for _, tb := range tables {
		names = append(names, tb.Name)
	}
	wantNames := []string{"DSDT", "FACS", "SSDT", "SSDT1", "SSDT2", "SSDT4", "SSDT10", "dynamic/SSDT3"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("names = %v, want %v", names, wantNames)
	}
	if len(warnings) != 1 {
		t.Fatalf("warnings = %v, want one checksum warning", warnings)
	}
	var ce *ChecksumError
	if !errors.As(warnings[0], &ce) || ce.Table != "SSDT4" {
		t.Errorf("warning = %v, want ChecksumError for SSDT4", warnings[0])
	}
	var blocks []string
	for _, tb := range DefinitionBlocks(tables) {
		blocks = append(blocks, tb.Name)
	}
	// SSDT4 holds the Firecracker DSDT bytes, signature DSDT: it sorts with the DSDTs.
	wantBlocks := []string{"DSDT", "SSDT4", "SSDT", "SSDT1", "SSDT2", "SSDT10", "dynamic/SSDT3"}
	if !reflect.DeepEqual(blocks, wantBlocks) {
		t.Errorf("DefinitionBlocks = %v, want %v", blocks, wantBlocks)
	}

	if _, _, err := ReadDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("ReadDir of a missing directory succeeded")
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"firecracker/DSDT", "firecracker/APIC", "qemu-q35/SSDT", "qemu-q35/FACS", "qemu-pc/WAET"} {
		b, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("FACS\x08\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Parse("T", data)
		var fe *FormatError
		var ce *ChecksumError
		switch {
		case err == nil, errors.As(err, &ce):
			if tb == nil {
				t.Fatal("nil table without a format error")
			}
			if int(binary.LittleEndian.Uint32(data[4:])) != len(data) {
				t.Fatal("accepted a table whose length does not match")
			}
			if tb.IsDefinitionBlock() && len(tb.AML()) != len(data)-HeaderSize {
				t.Fatal("AML() length wrong")
			}
		case errors.As(err, &fe):
			if tb != nil {
				t.Fatal("table returned with a format error")
			}
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	})
}
