package vmclock

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/internal/source"
)

// loadTables loads the tables in dir as the commands and the daemon do:
// the ACPI source's one load, which VMClock discovery shares. Its
// warnings are logged.
func loadTables(t *testing.T, dir string) *acpi.Namespace {
	t.Helper()
	src := source.NewACPI(dir, filepath.Join(t.TempDir(), "no-mem"))
	t.Cleanup(func() { src.Close() })
	ns, err := src.Namespace()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range src.Warnings() {
		t.Logf("warning: %v", w)
	}
	return ns
}

// vclk is the Firecracker guest's VMClock device.
var vclk = Device{Path: `\_SB.VCLK`, HID: HIDAmazon, CIDs: []string{CIDVMClock}, Table: "DSDT", Status: 0x0F, PAddr: 0xDE000, Length: 0x1000, Resource: "QWordMemory"}

// TestDiscoverFirecracker reads the DSDT of a Firecracker guest (the kind of
// machine this project is developed on), which declares \_SB.VCLK next to
// the VM generation ID.
func TestDiscoverFirecracker(t *testing.T) {
	devs := Discover(loadTables(t, "testdata/firecracker").Namespace)
	want := []Device{{
		Path: `\_SB.VCLK`, HID: "AMZNC10C", CIDs: []string{"VMCLOCK"}, Table: "DSDT",
		Status: 0x0F, PAddr: 0xDE000, Length: 0x1000, Resource: "QWordMemory",
	}}
	if !reflect.DeepEqual(devs, want) {
		t.Errorf("Discover = %+v\nwant %+v", devs, want)
	}
}

func TestDiscoverVariants(t *testing.T) {
	devs := Discover(loadTables(t, "testdata/variants").Namespace)
	type result struct {
		hid           string
		cids          string
		status        uint64
		paddr, length uint64
		resource      string
		addrErr       string
		hiddenBy      string
	}
	want := map[string]result{
		`\_SB.QCLK`: {hid: "VMCLOCK", status: 0xF, paddr: 0xFEED0000, length: 0x1000, resource: "DWordMemory"},
		`\_SB.PCLK`: {hid: "PNP0C02", cids: "PNP0C01,VMCLOCK", status: 0xF, paddr: 0xFEE00000, length: 0x1000, resource: "Memory32Fixed"},
		`\_SB.TCLK`: {hid: "AMZNC10C", status: 0xF, paddr: 0x1_0000_2000, length: 0x1000, resource: "QWordMemory"},
		`\_SB.ACLK`: {hid: "AMZNC10C", status: 0, paddr: 0xFEF00000, length: 0x1000, resource: "Memory32Fixed"},
		`\_SB.NCLK`: {hid: "AMZNC10C", status: 0xF, addrErr: `\_SB.NCLK has no _CRS`},
		`\_SB.ICLK`: {hid: "AMZNC10C", status: 0xF, addrErr: `\_SB.ICLK._CRS has no memory descriptor for the page (only IO)`},
		`\_SB.SCLK`: {hid: "AMZNC10C", status: 0xF, paddr: 0xFED00000, length: 0x68, resource: "Memory32Fixed", addrErr: "Memory32Fixed at offset 0: length 0x68 ends before vm_generation_counter (offset 104)"},
		`\_SB.BCLK`: {hid: "AMZNC10C", status: 0xF, addrErr: `\_SB.BCLK._CRS is an Integer, want a resource template (Buffer)`},
		// Its own _STA is fine, its parent's says absent: not present.
		`\_SB.HIDN.HCLK`: {hid: "AMZNC10C", status: 0xF, paddr: 0xFEF10000, length: 0x1000, resource: "Memory32Fixed", hiddenBy: `\_SB.HIDN`},
	}
	seen := map[string]bool{}
	for _, d := range devs {
		w, ok := want[d.Path]
		if !ok {
			t.Errorf("unexpected device %s (%s)", d.Path, d.HID)
			continue
		}
		seen[d.Path] = true
		if d.Table != "DSDT" {
			t.Errorf("%s: table %q", d.Path, d.Table)
		}
		got := result{hid: d.HID, cids: strings.Join(d.CIDs, ","), status: d.Status, paddr: d.PAddr, length: d.Length, resource: d.Resource, hiddenBy: d.HiddenBy}
		wantNoErr := w
		wantNoErr.addrErr = ""
		if got != wantNoErr {
			t.Errorf("%s: %+v, want %+v", d.Path, got, wantNoErr)
		}
		switch {
		case w.addrErr == "" && d.AddrErr != nil:
			t.Errorf("%s: unexpected address error %v", d.Path, d.AddrErr)
		case w.addrErr != "" && (d.AddrErr == nil || !strings.Contains(d.AddrErr.Error(), w.addrErr)):
			t.Errorf("%s: address error %v, want one saying %q", d.Path, d.AddrErr, w.addrErr)
		}
		if d.Present() != (w.status&1 != 0 && w.hiddenBy == "") {
			t.Errorf("%s: Present() = %v with _STA %#x", d.Path, d.Present(), d.Status)
		}
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("device %s not found", p)
		}
	}
	// Namespace order, and the VM generation ID device is not a VMClock.
	var order []string
	for _, d := range devs {
		order = append(order, d.Path)
	}
	if got := strings.Join(order, " "); got != `\_SB.QCLK \_SB.PCLK \_SB.TCLK \_SB.ACLK \_SB.NCLK \_SB.ICLK \_SB.SCLK \_SB.BCLK \_SB.HIDN.HCLK` {
		t.Errorf("order %s", got)
	}
}

func TestIsACPIID(t *testing.T) {
	for id, want := range map[string]bool{"AMZNC10C": true, "amznc10c": true, "VMCLOCK": true, "VMCLOCK\x00": false, "VMGENCTR": false, "": false} {
		if got := IsACPIID(id); got != want {
			t.Errorf("IsACPIID(%q) = %v", id, got)
		}
	}
}
