package source

import (
	"path/filepath"
	"testing"

	"github.com/vmgenid/vmgenid/genid"
)

// TestAMLVariants runs discovery over the evaluator's own iasl-compiled
// variants (testdata/aml-variants, copied from acpi/aml/testdata), with
// the results that package documents for them.
func TestAMLVariants(t *testing.T) {
	tests := []struct {
		dir  string
		want []wantDevice
	}{
		{"ext", []wantDevice{{`\_SB.PCI0.VGEN`, "VMGENCTR", "VM_Gen_Counter", "SSDT", 0x5ffff028, ""}}},
		{"vgen-name-addr", []wantDevice{{`\_SB.VGEN`, "VMGENCTR", "VM_Gen_Counter", "DSDT", 0x7ffff028, ""}}},
		{"vgen-method-addr", []wantDevice{{`\_SB.VGEN`, "QEMUVGID", "VM_Gen_Counter", "SSDT", 0x3ffff028, ""}}},
		{"vgen-nested-scope", []wantDevice{{`\_SB.PCI0.ISA0.VGEN`, "VMGENCTR", "", "DSDT", 0xe0028, ""}}},
		{"vgen-cid-package", []wantDevice{{`\_SB.GENC`, "ABCD0001", "vm_gen_counter,PNP0C02", "DSDT", 0x9f028, ""}}},
		{"vgen-sta", []wantDevice{
			{`\_SB.VGN0`, "VMGENCTR", "", "DSDT", 0x1000, ""},
			{`\_SB.VGN1`, "VMGENCTR", "", "DSDT", 0x2000, ""},
		}},
		{"vgen-high-addr", []wantDevice{{`\_SB.VGEN`, "QEMUVGID", "", "DSDT", 0x1_ffff_f028, ""}}},
		{"vgen-while-args", []wantDevice{{`\_SB.VGEN`, "VMGENCTR", "", "DSDT", 0x10028, ""}}},
		{"vgen-rev1", []wantDevice{{`\_SB.VGEN`, "VMGENCTR", "", "DSDT", 0x1028, ""}}},
		{"vgen-two-devices", []wantDevice{
			{`\_SB.VGEA`, "vmgenctr", "", "DSDT", 0x1000, ""},
			{`\_SB.PCI0.VGEB`, "FCVMGID", "", "DSDT", 0x2000, ""},
		}},
		{"vgen-bad-addr", []wantDevice{
			{`\_SB.BAD3`, "VMGENCTR", "", "DSDT", 0, "Package has 3 elements"},
			{`\_SB.BADS`, "VMGENCTR", "", "DSDT", 0, "element 0 is a String"},
			{`\_SB.BADW`, "VMGENCTR", "", "DSDT", 0, "more than 32 bits"},
			{`\_SB.BADZ`, "VMGENCTR", "", "DSDT", 0, "physical address is 0"},
			{`\_SB.BADI`, "VMGENCTR", "", "DSDT", 0, "is an Integer, want a Package"},
			{`\_SB.BADA`, "VMGENCTR", "", "DSDT", 0x1004, "not 8-byte aligned"},
			{`\_SB.BADP`, "VMGENCTR", "", "DSDT", 0x1ff8, "crosses a 4 KiB page"},
		}},
		{"vgen-opregion-addr", []wantDevice{{`\_SB.VGEN`, "VMGENCTR", "VM_Gen_Counter", "DSDT", 0, "reading 4 bytes at physical address 0xf0000"}}},
		{"vgen-opregion-hyperv", []wantDevice{{`\_SB.VMOD.GENC`, "Hyper_V_Gen_Counter_V1", "Hyper_V_Gen_Counter_V1", "DSDT", 0, "reading 4 bytes at physical address 0xf0010"}}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			got, err := NewACPI(filepath.Join("testdata", "aml-variants", tt.dir), "/nonexistent/mem").Devices()
			if err != nil {
				t.Fatal(err)
			}
			checkDevices(t, got, tt.want)
		})
	}
}

// TestAMLVariantsOpRegion gives the operation-region variants the memory
// their ADDR reads, and reads the ID where it points.
func TestAMLVariantsOpRegion(t *testing.T) {
	id, _ := genid.ParseGUID("01234567-89ab-cdef-0123-456789abcdef")
	tests := []struct {
		dir, path string
		region    uint64
	}{
		{"vgen-opregion-addr", `\_SB.VGEN`, 0xf0000},
		{"vgen-opregion-hyperv", `\_SB.VMOD.GENC`, 0xf0010},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			// ADRL = 0x00003008, ADRH = 0x00000002: paddr 0x2_0000_3008.
			mem := memImage(t, map[uint64][]byte{
				tt.region:     {0x08, 0x30, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00},
				0x2_0000_3008: id[:],
			})
			src := NewACPI(filepath.Join("testdata", "aml-variants", tt.dir), mem)
			defer src.Close()
			devs, err := src.Devices()
			if err != nil {
				t.Fatal(err)
			}
			if len(devs) != 1 || devs[0].Path != tt.path || devs[0].PAddr != 0x2_0000_3008 || devs[0].AddrErr != nil {
				t.Fatalf("Devices() = %+v", devs)
			}
			got, _, err := src.ReadID(devs[0])
			if err != nil || got != id {
				t.Errorf("ReadID = %v, %v; want %v", got, err, id)
			}
		})
	}
}
