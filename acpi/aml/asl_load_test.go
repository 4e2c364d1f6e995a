package aml_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// TestRegionOperandsAtLoad: a load-time OperationRegion's address is
// evaluated when it is declared, as ACPICA does (rgnat-dsdt.asl): names
// defined later (by the SSDT) and stores made later do not move it.
// acpiexec: IOB2 at 0x1000, MEM1 at 0x2000.
func TestRegionOperandsAtLoad(t *testing.T) {
	mem := &fakeMemory{ranges: map[uint64][]byte{
		0x1000: dwords(0x11111111), 0x2000: dwords(0x22222222),
		0x3000: dwords(0x33333333), 0x4000: dwords(0x44444444),
	}}
	ns := loadAML(t, aml.Options{Memory: mem}, "rgnat-dsdt", "rgnat-ssdt")
	for path, want := range map[string]aml.Object{`\RIO2`: aml.Integer(0x11111111), `\RME1`: aml.Integer(0x22222222)} {
		if got, err := ns.Evaluate(ns.Lookup(path)); err != nil || got != want {
			t.Errorf("%s = %s, %v; want %s", path, aml.ObjectString(got), err, aml.ObjectString(want))
		}
	}
}

// TestOEMSpaceRegion: a field of a region in an OEM-defined address space
// fails to read with ErrNoHandler, zero-filled regions or not, and to
// write under ZeroRegions (acpiexec: AE_NOT_EXIST; without ZeroRegions no
// write is ever done); SystemCMOS reads as zeros under ZeroRegions
// (region-oem.asl).
func TestOEMSpaceRegion(t *testing.T) {
	for _, zero := range []bool{false, true} {
		ns := loadAML(t, aml.Options{ZeroRegions: zero}, "region-oem")
		if v, err := ns.Evaluate(ns.Lookup(`\ROEM`)); !errors.Is(err, aml.ErrNoHandler) {
			t.Errorf("ZeroRegions %v: ROEM = %s, %v; want ErrNoHandler", zero, aml.ObjectString(v), err)
		}
		v, err := ns.Evaluate(ns.Lookup(`\RCMS`))
		if zero && (err != nil || v != aml.Integer(0)) || !zero && !errors.Is(err, aml.ErrUnsupported) {
			t.Errorf("ZeroRegions %v: RCMS = %s, %v", zero, aml.ObjectString(v), err)
		}
	}
	ns := loadAML(t, aml.Options{ZeroRegions: true}, "region-oem")
	if v, err := ns.Evaluate(ns.Lookup(`\WOEM`)); !errors.Is(err, aml.ErrNoHandler) {
		t.Errorf("WOEM = %s, %v; want ErrNoHandler", aml.ObjectString(v), err)
	}
}

// TestLoadFollowsPkgLengthAfterFailedRegion: after regions whose address
// cannot be evaluated, the objects after Device PEGP stay where the AML
// puts them (load-misnest.asl; ACPICA's error recovery moves them under
// PEGP, a difference the acpiexec comparison allows with this evidence).
func TestLoadFollowsPkgLengthAfterFailedRegion(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "load-misnest")
	for path, want := range map[string]bool{
		`\NHDA._ADR`: true, `\LAST`: true, `\PEGP.NVID`: true,
		`\PEGP.NHDA`: false, `\PEGP.LAST`: false, `\RPCX`: false, `\PEGP.PCIM`: false,
	} {
		if got := ns.Lookup(path) != nil; got != want {
			t.Errorf("%s present = %v, want %v", path, got, want)
		}
	}
}

// TestSuperNameNotFound: Notify, Acquire, Release, Signal and Wait on a
// name the tables never define fail with ErrNotFound, as in ACPICA
// (notify-undefined.asl; acpiexec: N001 1, the others AE_NOT_FOUND).
func TestSuperNameNotFound(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "notify-undefined")
	if v, err := ns.Evaluate(ns.Lookup(`\N001`)); err != nil || v != aml.Integer(1) {
		t.Errorf("N001 = %s, %v; want 1", aml.ObjectString(v), err)
	}
	for _, m := range []string{`\N002`, `\N003`, `\N004`, `\N005`, `\N006`} {
		if v, err := ns.Evaluate(ns.Lookup(m)); !errors.Is(err, aml.ErrNotFound) {
			t.Errorf("%s = %s, %v; want ErrNotFound", m, aml.ObjectString(v), err)
		}
	}
}

// TestLoadOp: Load declares the objects of a table found at run time, from
// a Buffer at module level and in a method, and from a SystemMemory region
// (load-op.asl; acpiexec's values, with the region read from memory).
func TestLoadOp(t *testing.T) {
	ssdt, err := os.ReadFile("testdata/asl/rgnat-ssdt.aml")
	if err != nil {
		t.Fatal(err)
	}
	ns := loadAML(t, aml.Options{Memory: &fakeMemory{ranges: map[uint64][]byte{0x7FFE0000: ssdt}}}, "load-op")
	if len(ns.Warnings()) != 0 {
		t.Errorf("warnings: %v", ns.Warnings())
	}
	for path, want := range map[string]aml.Object{
		`\LDED`: aml.Integer(0x1234), `\_SB.LDDV._ADR`: aml.Integer(5), `\L001`: aml.Integer(15),
		`\LDM2`: aml.Integer(0x77), `\LDM4`: aml.Integer(15),
	} {
		if got, err := ns.Evaluate(ns.Lookup(path)); err != nil || got != want {
			t.Errorf("%s = %s, %v; want %s", path, aml.ObjectString(got), err, aml.ObjectString(want))
		}
	}
	if n := ns.Lookup(`\_SB.SMIP`); n == nil || n.Table() != `SSDT loaded from \TREG` {
		t.Errorf("the region's table: SMIP %v", n)
	}
	if got := ns.ACPICAType(ns.Lookup(`\HNDL`)); got != "Reference" {
		t.Errorf("HNDL is a %s, want a Reference (a DDBHandle)", got)
	}
	for _, path := range []string{`\HNDL`, `\LDM3`, `\LDM5`} {
		if v, err := ns.Evaluate(ns.Lookup(path)); err == nil {
			t.Errorf("%s = %s, want an error", path, aml.ObjectString(v))
		}
	}
	// Without memory the region's table cannot be read: an error that
	// says so, not a table of zeros.
	ns = loadAML(t, aml.Options{}, "load-op")
	if _, err := ns.Evaluate(ns.Lookup(`\LDM4`)); err == nil || !strings.Contains(err.Error(), "no memory reader") {
		t.Errorf("LDM4 without memory: %v", err)
	}
}

// TestWideField: a 4192-byte field reads as a Buffer, as in ACPICA; one of
// 64 KiB and a byte is refused (field-wide.asl).
func TestWideField(t *testing.T) {
	mem := &fakeMemory{ranges: map[uint64][]byte{0x100000: make([]byte, 0x11000)}}
	mem.ranges[0x100000][4191] = 0xA5
	ns := loadAML(t, aml.Options{Memory: mem}, "field-wide")
	v, err := ns.Evaluate(ns.Lookup(`\RWID`))
	if b, ok := v.(aml.Buffer); err != nil || !ok || len(b) != 4192 || b[4191] != 0xA5 {
		t.Errorf("RWID: %T of %d bytes, %v; want the 4192-byte Buffer", v, len(aml.ObjectString(v)), err)
	}
	if _, err := ns.Evaluate(ns.Lookup(`\RHUG`)); !errors.Is(err, aml.ErrTooLarge) {
		t.Errorf("RHUG: %v, want ErrTooLarge", err)
	}
}
