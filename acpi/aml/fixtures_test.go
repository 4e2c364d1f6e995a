package aml_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
)

// testdata/fixtures/* are the real DSDT and SSDT of a Firecracker microVM
// and QEMU 7.2 guests (-machine q35 / pc, -device vmgenid).

func loadDir(t testing.TB, dir string, opts aml.Options) *aml.Namespace {
	t.Helper()
	tables, warnings, err := acpi.ReadDir(dir)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("ReadDir(%s): %v %v", dir, err, warnings)
	}
	ns, err := aml.Load(acpi.AMLBlocks(tables), opts)
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	return ns
}

func eval(t *testing.T, ns *aml.Namespace, path string, args ...aml.Object) aml.Object {
	t.Helper()
	n := ns.Lookup(path)
	if n == nil {
		t.Fatalf("%s not in the namespace", path)
	}
	v, err := ns.Evaluate(n, args...)
	if err != nil {
		t.Fatalf("Evaluate(%s): %v", path, err)
	}
	return v
}

func pkg(elems ...aml.Object) *aml.Package { return &aml.Package{Elements: elems} }

func TestFixtureVMGenID(t *testing.T) {
	tests := []struct {
		dir       string
		width     int
		hid       aml.Object
		sta       aml.Object // nil: no _STA
		addr      aml.Object
		addrKind  aml.Kind
		vgenTable string
	}{
		{"firecracker", 64, aml.String("VMGENCTR"), nil, pkg(aml.Integer(0xDFFF0), aml.Integer(0)), aml.KindName, "DSDT"},
		{"qemu-q35", 32, aml.String("QEMUVGID"), aml.Integer(0xF), pkg(aml.Integer(0x0FFFF028), aml.Integer(0)), aml.KindMethod, "SSDT"},
		{"qemu-pc", 32, aml.String("QEMUVGID"), aml.Integer(0xF), pkg(aml.Integer(0x0FFFF028), aml.Integer(0)), aml.KindMethod, "SSDT"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			ns := loadDir(t, filepath.Join("testdata/fixtures", tt.dir), aml.Options{})
			if ns.IntegerWidth() != tt.width {
				t.Errorf("IntegerWidth = %d, want %d", ns.IntegerWidth(), tt.width)
			}
			vgen := ns.Lookup(`\_SB.VGEN`)
			if vgen == nil || vgen.Kind() != aml.KindDevice || vgen.Table() != tt.vgenTable {
				t.Fatalf("\\_SB.VGEN = %v", vgen)
			}
			if vgen.Path() != `\_SB_.VGEN` || vgen.Name() != "VGEN" || vgen.Parent() != ns.Lookup(`\_SB_`) {
				t.Errorf("path %q name %q parent %v", vgen.Path(), vgen.Name(), vgen.Parent())
			}
			if got := eval(t, ns, `\_SB.VGEN._HID`); got != tt.hid {
				t.Errorf("_HID = %v, want %v", got, tt.hid)
			}
			if got := eval(t, ns, `\_SB.VGEN._CID`); got != aml.String("VM_Gen_Counter") {
				t.Errorf("_CID = %v", got)
			}
			if sta := vgen.Child("_STA"); (sta != nil) != (tt.sta != nil) {
				t.Errorf("_STA present = %v, want %v", sta != nil, tt.sta != nil)
			} else if sta != nil {
				if got := eval(t, ns, `\_SB.VGEN._STA`); got != tt.sta {
					t.Errorf("_STA = %v, want %v", got, tt.sta)
				}
			}
			addr := vgen.Child("ADDR")
			if addr == nil || addr.Kind() != tt.addrKind {
				t.Fatalf("ADDR = %v, want a %v", addr, tt.addrKind)
			}
			got, err := ns.Evaluate(addr)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.addr) {
				t.Errorf("ADDR = %s, want %s", aml.ObjectString(got), aml.ObjectString(tt.addr))
			}
			// Evaluating twice gives the same (Methods build a fresh package).
			again, err := ns.Evaluate(addr)
			if err != nil || !reflect.DeepEqual(again, tt.addr) {
				t.Errorf("second ADDR = %s, %v", aml.ObjectString(again), err)
			}
			if found := false; true {
				for _, d := range ns.Devices() {
					found = found || d == vgen
				}
				if !found {
					t.Error("Devices() does not list \\_SB.VGEN")
				}
			}
		})
	}
}

func TestFixtureQEMUSSDTOnly(t *testing.T) {
	// The SSDT alone: VGIA is a Name in the root, ADDR adds 0x28 to it; the
	// GPE handler lands in the predefined \_GPE scope.
	ns := loadDir(t, "testdata/fixtures/qemu-q35", aml.Options{})
	if n := ns.Lookup(`\VGIA`); n == nil || n.Kind() != aml.KindName {
		t.Fatalf(`\VGIA = %v`, n)
	}
	if got := eval(t, ns, `\VGIA`); got != aml.Integer(0x0FFFF000) {
		t.Errorf("VGIA = %v", got)
	}
	if n := ns.Lookup(`\_GPE._E05`); n == nil || n.Kind() != aml.KindMethod || n.Table() != "SSDT" {
		t.Errorf(`\_GPE._E05 = %v`, n)
	}
	// Resolve from the device scope finds VGIA by searching upwards.
	if n := ns.Resolve(ns.Lookup(`\_SB.VGEN`), "VGIA"); n == nil || n.Path() != `\VGIA` {
		t.Errorf("Resolve(VGEN, VGIA) = %v", n)
	}
	if n := ns.Resolve(ns.Lookup(`\_SB.VGEN`), "^VGEN._HID"); n == nil || n.Path() != `\_SB_.VGEN._HID` {
		t.Errorf("Resolve(VGEN, ^VGEN._HID) = %v", n)
	}
	if n := ns.Resolve(ns.Lookup(`\_SB.VGEN`), "_SB.VGEN"); n != nil {
		t.Errorf("multi-segment names must not be searched upwards, got %v", n)
	}
}

func TestFixtureDeviceWalk(t *testing.T) {
	// Every device's _HID, _CID, _STA and _CRS evaluates or fails with a
	// located *aml.Error (QEMU's interrupt links read PCI config space,
	// which is not supported); nothing panics or runs away.
	for _, dir := range []string{"firecracker", "qemu-q35", "qemu-pc"} {
		t.Run(dir, func(t *testing.T) {
			ns := loadDir(t, filepath.Join("testdata/fixtures", dir), aml.Options{})
			devices := ns.Devices()
			if len(devices) < 10 {
				t.Fatalf("only %d devices", len(devices))
			}
			evaluated := 0
			for _, d := range devices {
				for _, name := range []string{"_HID", "_CID", "_STA", "_CRS", "_UID", "_ADR"} {
					c := d.Child(name)
					if c == nil {
						continue
					}
					_, err := ns.Evaluate(c)
					if err != nil {
						var ae *aml.Error
						if !errors.As(err, &ae) || !(errors.Is(err, aml.ErrUnsupported) || errors.Is(err, aml.ErrNotFound) || isNoMemory(err)) {
							t.Errorf("%s: %v", c.Path(), err)
						}
						continue
					}
					evaluated++
				}
			}
			if evaluated < 20 {
				t.Errorf("only %d objects evaluated", evaluated)
			}
		})
	}
}

func isNoMemory(err error) bool {
	return strings.Contains(err.Error(), "no memory reader")
}

func TestFixtureEISAID(t *testing.T) {
	ns := loadDir(t, "testdata/fixtures/firecracker", aml.Options{})
	tests := map[string]string{
		`\_SB.PC00._HID`: "PNP0A08",
		`\_SB.PC00._CID`: "PNP0A03",
		`\_SB.COM1._HID`: "PNP0501",
		`\_SB.PS2._HID`:  "PNP0303",
	}
	for path, want := range tests {
		v, ok := eval(t, ns, path).(aml.Integer)
		if !ok {
			t.Errorf("%s is not an Integer", path)
			continue
		}
		if got, ok := aml.EISAIDString(uint64(v)); !ok || got != want {
			t.Errorf("%s = %q, %v; want %q", path, got, ok, want)
		}
	}
}
