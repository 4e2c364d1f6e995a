package source

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
	"github.com/vmgenid/vmgenid/genid"
)

// wantDevice is what a test expects of one found device; err is a
// substring of AddrErr ("" for none).
type wantDevice struct {
	path, hid, cids, origin string
	paddr                   uint64
	err                     string
}

func checkDevices(t *testing.T, got []Device, want []wantDevice) {
	t.Helper()
	if len(got) != len(want) {
		for _, d := range got {
			t.Logf("found %s %s %s", d.Name, d.Path, d.AddrErr)
		}
		t.Fatalf("found %d devices, want %d", len(got), len(want))
	}
	for i, d := range got {
		w := want[i]
		if wantName := "acpivmgenid" + string(rune('0'+i)); d.Name != wantName {
			t.Errorf("device %d: Name = %q, want %q", i, d.Name, wantName)
		}
		if d.Path != w.path || d.HID != w.hid || strings.Join(d.CIDs, ",") != w.cids || d.Origin != w.origin || d.PAddr != w.paddr {
			t.Errorf("device %d = {%s %s %q %s %#x}, want {%s %s %q %s %#x}", i,
				d.Path, d.HID, strings.Join(d.CIDs, ","), d.Origin, d.PAddr,
				w.path, w.hid, w.cids, w.origin, w.paddr)
		}
		switch {
		case w.err == "" && d.AddrErr != nil:
			t.Errorf("device %d (%s): AddrErr = %v", i, d.Path, d.AddrErr)
		case w.err != "" && (d.AddrErr == nil || !strings.Contains(d.AddrErr.Error(), w.err)):
			t.Errorf("device %d (%s): AddrErr = %v, want one containing %q", i, d.Path, d.AddrErr, w.err)
		}
	}
}

// TestACPIDevices runs discovery over the real tables and the variants
// compiled from testdata/asl (see build.sh there), without physical
// memory.
func TestACPIDevices(t *testing.T) {
	const noMem = "/nonexistent/mem"
	tests := []struct {
		dir  string
		want []wantDevice
	}{
		{"fixtures/firecracker", []wantDevice{{`\_SB.VGEN`, "VMGENCTR", "VM_Gen_Counter", "DSDT", 0xdfff0, ""}}},
		{"fixtures/qemu-q35", []wantDevice{{`\_SB.VGEN`, "QEMUVGID", "VM_Gen_Counter", "SSDT", 0x0ffff028, ""}}},
		{"fixtures/qemu-pc", []wantDevice{{`\_SB.VGEN`, "QEMUVGID", "VM_Gen_Counter", "SSDT", 0x0ffff028, ""}}},
		{"tables/method-addr", []wantDevice{{`\_SB.VGEN`, "QEMUVGID", "VM_Gen_Counter", "DSDT", 0x0ffff028, ""}}},
		{"tables/name-addr", []wantDevice{{`\_SB.VGEN`, "FCVMGID", "VM_Gen_Counter", "DSDT", 0xdfff0, ""}}},
		{"tables/nested-scopes", []wantDevice{
			{`\_SB.PCI0.ISA0.GEN1`, "PNP0C02", "vm_gen_counter", "DSDT", 0x3000, ""},
			{`\_SB.PCI0.ISA0.GEN1.GEN2`, "VMGENCTR", "", "DSDT", 0x3100, ""},
		}},
		{"tables/cid-package", []wantDevice{
			{`\_SB.VGEN`, "ACME0001", "PNP0C02,vmgenctr,VM_GEN_COUNTER", "DSDT", 0x5000, ""},
			{`\_SB.HYPV`, "Hyper_V_Gen_Counter_V1", "", "DSDT", 0x5100, ""},
		}},
		{"tables/sta", []wantDevice{
			{`\_SB.NSTA`, "VMGENCTR", "", "DSDT", 0x6000, ""},
			{`\_SB.NMST`, "VMGENCTR", "", "DSDT", 0x6100, ""},
			{`\_SB.FUNC.KID1`, "VMGENCTR", "", "DSDT", 0x6300, ""},
		}},
		{"tables/high-addr", []wantDevice{{`\_SB.VGEN`, "QEMUVGID", "", "DSDT", 0x1_ffff_f028, ""}}},
		{"tables/opregion-addr", []wantDevice{{`\_SB.VGEN`, "VM_Gen_Counter", "", "DSDT", 0, "physical address 0x7000"}}},
		{"tables/invalid", []wantDevice{
			{`\_SB.PKG3`, "VMGENCTR", "", "DSDT", 0, `\_SB.PKG3.ADDR (Name in DSDT): Package has 3 elements, want 2`},
			{`\_SB.PKG1`, "VMGENCTR", "", "DSDT", 0, "Package has 1 elements, want 2"},
			{`\_SB.STRE`, "VMGENCTR", "", "DSDT", 0, "element 0 is a String, want an Integer"},
			{`\_SB.WIDE`, "VMGENCTR", "", "DSDT", 0, "element 0 is 0x100008000, more than 32 bits"},
			{`\_SB.INTG`, "VMGENCTR", "", "DSDT", 0, "is an Integer, want a Package of 2 Integers"},
			{`\_SB.NONE`, "VMGENCTR", "", "DSDT", 0, `\_SB.NONE: no ADDR object`},
			{`\_SB.ZADR`, "VMGENCTR", "", "DSDT", 0, `\_SB.ZADR.ADDR (Name in DSDT): physical address is 0`},
			{`\_SB.MISA`, "VMGENCTR", "", "DSDT", 0x8004, "not 8-byte aligned"},
			{`\_SB.CROS`, "VMGENCTR", "", "DSDT", 0x8ff8, "crosses a 4 KiB page boundary"},
			{`\_SB.LOOP`, "VMGENCTR", "", "DSDT", 0, "step limit"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			src := NewACPI(filepath.Join("testdata", tt.dir), noMem)
			got, err := src.Devices()
			if err != nil {
				t.Fatal(err)
			}
			checkDevices(t, got, tt.want)
			again, err := src.Devices()
			if err != nil || len(again) != len(got) {
				t.Errorf("second Devices() = %d devices, %v", len(again), err)
			}
			for _, d := range got {
				if _, _, err := src.ReadID(d); err == nil {
					t.Errorf("%s: ReadID without memory succeeded", d.Path)
				}
			}
		})
	}
}

// memImage writes a sparse physical-memory file holding data at each
// address.
func memImage(t *testing.T, writes map[uint64][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mem")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for addr, data := range writes {
		if _, err := f.WriteAt(data, int64(addr)); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestACPIReadID(t *testing.T) {
	id, _ := genid.ParseGUID("aabbccdd-eeff-0011-2233-445566778899")
	tests := []struct {
		dir    string
		writes map[uint64][]byte
		paddr  uint64
	}{
		{"fixtures/firecracker", map[uint64][]byte{0xdfff0: id[:]}, 0xdfff0},
		{"fixtures/qemu-q35", map[uint64][]byte{0x0ffff028: id[:]}, 0x0ffff028},
		{"tables/high-addr", map[uint64][]byte{0x1_ffff_f028: id[:]}, 0x1_ffff_f028},
		// ADDR's halves at 0x7000 point at 0x1_0000_2000.
		{"tables/opregion-addr", map[uint64][]byte{0x7000: {0x00, 0x20, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, 0x1_0000_2000: id[:]}, 0x1_0000_2000},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			mem := memImage(t, tt.writes)
			src := NewACPI(filepath.Join("testdata", tt.dir), mem)
			defer src.Close()
			devs, err := src.Devices()
			if err != nil {
				t.Fatal(err)
			}
			if len(devs) != 1 || devs[0].PAddr != tt.paddr || devs[0].AddrErr != nil {
				t.Fatalf("Devices() = %+v, want one at %#x", devs, tt.paddr)
			}
			got, method, err := src.ReadID(devs[0])
			if err != nil {
				t.Fatal(err)
			}
			if got != id || method != "pread "+mem {
				t.Errorf("ReadID = %v, %q; want %v by pread", got, method, id)
			}
		})
	}
}

func TestACPIErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewACPI(filepath.Join(dir, "none"), "").Devices(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
	apic, err := os.ReadFile(filepath.Join("testdata", "fixtures", "firecracker", "APIC"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "APIC"), apic, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewACPI(dir, "").Devices(); err == nil || !strings.Contains(err.Error(), "no DSDT or SSDT among 1 tables") {
		t.Errorf("directory without definition blocks: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "DSDT"), []byte("DSDT"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewACPI(dir, "").Devices(); err == nil || !strings.Contains(err.Error(), "DSDT") {
		t.Errorf("truncated DSDT: %v", err)
	}

	// A broken SSDT is left out with a warning; the DSDT's device is
	// still found.
	tables := t.TempDir()
	dsdt, err := os.ReadFile(filepath.Join("testdata", "fixtures", "firecracker", "DSDT"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tables, "DSDT"), dsdt, 0o644); err != nil {
		t.Fatal(err)
	}
	ssdt := brokenSSDT()
	if err := os.WriteFile(filepath.Join(tables, "SSDT"), ssdt, 0o644); err != nil {
		t.Fatal(err)
	}
	src := NewACPI(tables, "")
	devs, err := src.Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].PAddr != 0xdfff0 {
		t.Errorf("Devices() = %+v", devs)
	}
	ws := src.Warnings()
	if len(ws) == 0 || !strings.Contains(ws[len(ws)-1].Error(), "table SSDT left out") {
		t.Errorf("Warnings() = %v, want the SSDT left out", ws)
	}
}

// brokenSSDT returns an SSDT with a valid header and checksum whose AML
// is a Scope with a package length running past the table.
func brokenSSDT() []byte {
	return definitionBlock("SSDT", 2, []byte{0x10, 0x3f, '\\', '_', 'S', 'B', '_'})
}

func TestAddrFromPackage(t *testing.T) {
	tests := []struct {
		in   aml.Object
		want uint64
		err  string
	}{
		{&aml.Package{Elements: []aml.Object{aml.Integer(0xdfff0), aml.Integer(0)}}, 0xdfff0, ""},
		{&aml.Package{Elements: []aml.Object{aml.Integer(0xfffff028), aml.Integer(0xffffffff)}}, 0xffffffff_fffff028, ""},
		{&aml.Package{Elements: []aml.Object{aml.Integer(0), aml.Integer(1 << 32)}}, 0, "element 1 is 0x100000000"},
		{&aml.Package{Elements: []aml.Object{aml.Integer(1), nil}}, 0, "element 1 is an uninitialized object"},
		{&aml.Package{Elements: []aml.Object{aml.Buffer{1}, aml.Integer(0)}}, 0, "element 0 is a Buffer"},
		{&aml.Package{Elements: []aml.Object{&aml.Package{}, aml.Integer(0)}}, 0, "element 0 is a Package"},
		{&aml.Package{}, 0, "Package has 0 elements"},
		{aml.String("0xdfff0"), 0, "is a String"},
		{nil, 0, "is an uninitialized object"},
	}
	for _, tt := range tests {
		got, err := addrFromPackage(tt.in)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("addrFromPackage(%s) = %#x, %v; want %#x", aml.ObjectString(tt.in), got, err, tt.want)
			}
		} else if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("addrFromPackage(%s) err = %v, want %q", aml.ObjectString(tt.in), err, tt.err)
		}
	}
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		paddr   uint64
		warning string
		fatal   bool
	}{
		{0xdfff0, "", false},
		{0x0ffff028, "", false},
		{0xff0, "", false},
		{0xff8, "crosses a 4 KiB page boundary", false},
		{0x1004, "is not 8-byte aligned", false},
		{0x1ffc, "is not 8-byte aligned and crosses a 4 KiB page boundary", false},
		{0, "", true},
		{^uint64(0) - 7, "", true},
	}
	for _, tt := range tests {
		err := CheckAddr(tt.paddr)
		var w *AddrWarning
		switch {
		case tt.fatal:
			if err == nil || errors.As(err, &w) {
				t.Errorf("CheckAddr(%#x) = %v, want a fatal error", tt.paddr, err)
			}
		case tt.warning == "":
			if err != nil {
				t.Errorf("CheckAddr(%#x) = %v", tt.paddr, err)
			}
		default:
			if !errors.As(err, &w) || w.Reason != tt.warning {
				t.Errorf("CheckAddr(%#x) = %v, want warning %q", tt.paddr, err, tt.warning)
			}
		}
	}
}

func TestIsACPIID(t *testing.T) {
	for _, id := range []string{"VM_Gen_Counter", "vm_gen_counter", "VM_GEN_COUNTER", "VMGENCTR", "vmgenctr", "QEMUVGID", "FCVMGID", "Hyper_V_Gen_Counter_V1"} {
		if !IsACPIID(id) {
			t.Errorf("IsACPIID(%q) = false", id)
		}
	}
	for _, id := range []string{"", "VMGENCTR ", "PNP0C02", "VM_Gen_Counte", "QEMUVGID0"} {
		if IsACPIID(id) {
			t.Errorf("IsACPIID(%q) = true", id)
		}
	}
}

// BenchmarkACPIDevices measures discovery over QEMU's q35 tables (8 KiB
// DSDT plus the VMGENID SSDT): what "vmgenid status" and the daemon's
// start pay once.
func BenchmarkACPIDevices(b *testing.B) {
	for b.Loop() {
		devs, err := NewACPI(filepath.Join("testdata", "fixtures", "qemu-q35"), "").Devices()
		if err != nil || len(devs) != 1 {
			b.Fatal(devs, err)
		}
	}
}
