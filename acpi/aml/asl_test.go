package aml_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
)

// The tables in testdata/asl are compiled from the .asl beside them with
// `iasl -f -p NAME NAME.asl` (-f because iasl insists _HID suffixes are
// hex, which real VM generation ID IDs are not); see testdata/README.md.

func loadAML(t testing.TB, opts aml.Options, files ...string) *aml.Namespace {
	t.Helper()
	var tables []*acpi.Table
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("testdata/asl", f+".aml"))
		if err != nil {
			t.Fatal(err)
		}
		tb, err := acpi.Parse(f, data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		tables = append(tables, tb)
	}
	blocks := make([]aml.Block, 0, len(tables))
	for _, tb := range tables { // keep the given order (ext-dsdt before ext-ssdt)
		blocks = append(blocks, aml.Block{Table: tb.Name, AML: tb.AML(), Base: acpi.HeaderSize, Revision: tb.Revision})
	}
	ns, err := aml.Load(blocks, opts)
	if err != nil {
		t.Fatalf("Load(%v): %v", files, err)
	}
	return ns
}

// fakeMemory is physical memory made of a few byte ranges.
type fakeMemory struct {
	ranges map[uint64][]byte
	reads  int
}

func (m *fakeMemory) ReadPhys(addr uint64, p []byte) error {
	m.reads++
	for base, b := range m.ranges {
		if addr >= base && addr+uint64(len(p)) <= base+uint64(len(b)) {
			copy(p, b[addr-base:])
			return nil
		}
	}
	return fmt.Errorf("no memory at 0x%x", addr)
}

func dwords(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}

// notInNamespace as a check's error: the path must not exist.
const notInNamespace = "not in the namespace"

func TestASLVariants(t *testing.T) {
	mem := &fakeMemory{ranges: map[uint64][]byte{
		0xF0000: dwords(0xBFFFF028, 0, 0, 0, 0x7FFFF028, 0x2),
	}}
	type check struct {
		path string
		want aml.Object // nil: expect an error containing err
		err  string
	}
	p := func(lo, hi uint64) *aml.Package { return pkg(aml.Integer(lo), aml.Integer(hi)) }
	tests := []struct {
		files  []string
		checks []check
	}{
		{[]string{"vgen-name-addr"}, []check{
			{`\_SB.VGEN._HID`, aml.String("VMGENCTR"), ""},
			{`\_SB.VGEN.ADDR`, p(0x7FFFF028, 0), ""},
		}},
		{[]string{"vgen-method-addr"}, []check{
			{`\_SB.VGEN._STA`, aml.Integer(0xF), ""},
			{`\_SB.VGEN.ADDR`, p(0x3FFFF028, 0), ""},
		}},
		{[]string{"vgen-nested-scope"}, []check{
			{`\_SB.PCI0.ISA0.VGEN.ADDR`, p(0xE0028, 0), ""},
			{`\_SB.PCI0._HID`, aml.Integer(0x080AD041), ""},
		}},
		{[]string{"vgen-cid-package"}, []check{
			{`\_SB.GENC._CID`, pkg(aml.String("vm_gen_counter"), aml.Integer(0x020CD041)), ""},
			{`\_SB.GENC.ADDR`, p(0x9F028, 0), ""},
			{`\_SB.OTHR._CID`, pkg(aml.Integer(0x020CD041)), ""},
		}},
		{[]string{"vgen-sta"}, []check{
			{`\_SB.VGN1._STA`, aml.Integer(0xF), ""},
			{`\_SB.VGN2._STA`, aml.Integer(0), ""},
			{`\_SB.VGN0.ADDR`, p(0x1000, 0), ""},
		}},
		{[]string{"vgen-opregion-addr"}, []check{
			{`\_SB.VGEN.ADDR`, p(0xBFFFF028, 0), ""},
			{`\_SB.ADRL`, aml.Integer(0xBFFFF028), ""},
		}},
		{[]string{"vgen-opregion-hyperv"}, []check{
			{`\_SB.VMOD.GENC.ADDR`, p(0x7FFFF028, 2), ""},
			{`\_SB.VMOD.GENC._CID`, aml.String("Hyper_V_Gen_Counter_V1"), ""},
		}},
		{[]string{"vgen-high-addr"}, []check{
			{`\_SB.VGEN.ADDR`, p(0xFFFFF028, 1), ""},
		}},
		{[]string{"vgen-while-args"}, []check{
			{`\_SB.VGEN.ADDR`, p(0x10028, 0), ""},
		}},
		{[]string{"vgen-rev1"}, []check{
			{`\_SB.VGEN.ADDR`, p(0x1028, 0), ""},
		}},
		{[]string{"ext-dsdt", "ext-ssdt"}, []check{
			{`\_SB.PCI0.VGEN.ADDR`, p(0x5FFFF028, 0), ""},
		}},
		{[]string{"ext-ssdt"}, []check{
			// Without the DSDT, \_SB.PCI0 is never defined: ACPICA
			// refuses the Scope and everything in it (an External
			// declares nothing).
			{`\_SB.PCI0.VGEN.ADDR`, nil, notInNamespace},
		}},
		{[]string{"vgen-bad-addr"}, []check{
			{`\_SB.BAD3.ADDR`, pkg(aml.Integer(0x1000), aml.Integer(0), aml.Integer(0)), ""},
			{`\_SB.BADS.ADDR`, pkg(aml.String("0x1000"), aml.Integer(0)), ""},
			{`\_SB.BADW.ADDR`, p(0x100001000, 0), ""},
			{`\_SB.BADZ.ADDR`, p(0, 0), ""},
			{`\_SB.BADI.ADDR`, aml.Integer(0x1000), ""},
		}},
		{[]string{"kitchen-sink"}, []check{
			{`\_SB.VGEN._STA`, aml.Integer(0xF), ""},
			{`\_SB.VGEN.ADDR`, p(0x2FFFF028, 0), ""},
			{`\MDLV`, aml.Integer(0x55), ""},  // module-level code ran, as in ACPICA
			{`\CFLD`, aml.Integer(0x020), ""}, // bits 4-15 of 01 02
			{`\CQWD`, aml.Integer(0x0807060504030201), ""},
			{`\STR0`, aml.String(`a string with "quotes" and \ backslash`), ""},
			{`\BIGF`, nil, "SystemIO"},
			{`\IFL0`, nil, "IndexField"},
			{`\BKF0`, nil, "BankField"},
			{`\VDID`, nil, "PCI_Config"},
		}},
		{[]string{"vgen-two-devices"}, []check{
			{`\_SB.VGEA._HID`, aml.String("vmgenctr"), ""},
			{`\_SB.PCI0.VGEB._HID`, aml.String("FCVMGID"), ""},
		}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.files, "+"), func(t *testing.T) {
			ns := loadAML(t, aml.Options{Memory: mem}, tt.files...)
			for _, c := range tt.checks {
				n := ns.Lookup(c.path)
				switch {
				case n == nil && c.err == notInNamespace:
					continue
				case n == nil:
					t.Errorf("%s: not found", c.path)
					continue
				case c.err == notInNamespace:
					t.Errorf("%s is in the namespace", c.path)
					continue
				}
				got, err := ns.Evaluate(n)
				if c.want == nil {
					if err == nil || !strings.Contains(err.Error(), c.err) {
						t.Errorf("%s: got %s, %v; want error containing %q", c.path, aml.ObjectString(got), err, c.err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", c.path, err)
					continue
				}
				if !reflect.DeepEqual(got, c.want) {
					t.Errorf("%s = %s, want %s", c.path, aml.ObjectString(got), aml.ObjectString(c.want))
				}
			}
		})
	}
}

func TestKitchenSinkMethods(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "kitchen-sink")
	dsm := ns.Lookup(`\_SB.PCI0._DSM`)
	uuid := aml.Buffer(make([]byte, 16))
	for arg2, want := range map[uint64]aml.Object{0: aml.Buffer{3}, 1: aml.Integer(1), 2: aml.Integer(1), 7: aml.Buffer{0}} {
		got, err := ns.Evaluate(dsm, uuid, aml.Integer(1), aml.Integer(arg2), &aml.Package{})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("_DSM(Arg2=%d) = %s, %v; want %s", arg2, aml.ObjectString(got), err, aml.ObjectString(want))
		}
	}
	osc := ns.Lookup(`\_SB._OSC`)
	caps := aml.Buffer{0xFF, 0xFF, 0, 0}
	got, err := ns.Evaluate(osc, aml.Buffer{0x5b, 0x4d, 0xdb, 0x33, 0xf7, 0x1f, 0x1c, 0x40, 0x96, 0x57, 0x74, 0x41, 0xc0, 0x3d, 0xd7, 0x66}, aml.Integer(1), aml.Integer(1), caps)
	if err != nil || !reflect.DeepEqual(got, aml.Buffer{0xF0, 0xFF, 0, 0}) {
		t.Errorf("_OSC = %s, %v", aml.ObjectString(got), err)
	}
	if caps[0] != 0xFF {
		t.Error("Evaluate changed the caller's buffer")
	}
	if n := ns.Lookup(`\MUTA`); n == nil || n.Kind() != aml.KindMutex {
		t.Errorf("alias MUTA = %v", n)
	}
	if v, err := ns.Evaluate(ns.Lookup(`\VPKG`)); err != nil || aml.ObjectString(v) != `Package{Package{0x1, "two", Buffer{0x03}}, Ref(\_SB_)}` {
		t.Errorf("VPKG = %s, %v", aml.ObjectString(v), err)
	}
}

func TestASLDeviceOrder(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "vgen-two-devices")
	var paths []string
	for _, d := range ns.Devices() {
		paths = append(paths, d.Path())
	}
	want := []string{`\_SB_.VGEA`, `\_SB_.DECY`, `\_SB_.PCI0`, `\_SB_.PCI0.VGEB`}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("Devices = %v, want %v", paths, want)
	}
}

func TestASLMemoryErrors(t *testing.T) {
	// No memory reader, and a reader without the page: both are errors
	// that say where the field lives.
	ns := loadAML(t, aml.Options{}, "vgen-opregion-addr")
	_, err := ns.Evaluate(ns.Lookup(`\_SB.VGEN.ADDR`))
	if err == nil || !strings.Contains(err.Error(), "no memory reader") || !strings.Contains(err.Error(), "0xf0000") {
		t.Errorf("no reader: %v", err)
	}
	ns = loadAML(t, aml.Options{Memory: &fakeMemory{}}, "vgen-opregion-addr")
	_, err = ns.Evaluate(ns.Lookup(`\_SB.VGEN.ADDR`))
	if err == nil || !strings.Contains(err.Error(), "no memory at 0xf0000") {
		t.Errorf("missing page: %v", err)
	}
	var ae *aml.Error
	if !errors.As(err, &ae) || ae.Table != "vgen-opregion-addr" {
		t.Errorf("error not located: %#v", err)
	}
}

func TestASLVMClockResources(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "vmclock-crs")
	tests := []struct {
		dev  string
		typ  string
		base uint64
	}{
		{`\_SB.VCLK`, "QWordMemory", 0x100000000},
		{`\_SB.VCL2`, "DWordMemory", 0xFEB00000},
		{`\_SB.VCL3`, "Memory32Fixed", 0xFEB01000},
	}
	for _, tt := range tests {
		res, err := aml.ParseResources(crs(t, ns, tt.dev))
		if err != nil {
			t.Fatalf("%s: %v", tt.dev, err)
		}
		var mem []aml.Resource
		for _, r := range res {
			if strings.Contains(r.Type, "Memory") {
				mem = append(mem, r)
			}
		}
		if len(mem) != 1 || mem[0].Type != tt.typ || mem[0].Base != tt.base || mem[0].Length != 0x1000 {
			t.Errorf("%s: memory resources %+v, want one %s at 0x%x", tt.dev, mem, tt.typ, tt.base)
		}
	}
	if got := eval(t, ns, `\_SB.VCL3._STA`); got != aml.Integer(0) {
		t.Errorf("VCL3 _STA = %v", got)
	}
}

func TestEvalOps(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "eval-ops")
	I := func(v uint64) aml.Object { return aml.Integer(v) }
	tests := []struct {
		method string
		want   aml.Object
	}{
		{"T001", I(0xFFFFFFFFFFFFFFFF)},
		{"T002", I(0x12 + 0x1234 + 0x12345678)},
		{"T003", I(0x123456789ABCDEEF)},
		{"T004", I(0x1234000F)},
		{"T005", I(1<<36 + 0x10)},
		{"T006", I(0x1 | 0x2 | 0x10 | 0x20)},
		{"T007", pkg(I(0x0C))},
		{"T008", I(0x0C)},
		{"T009", I(0x04)},
		{"T010", I(2 + 4 + 6 + 8 + 10 - 1)},
		{"T012", I(3*4 + 5)},
		{"T013", pkg(I(1), I(0x22))},
		{"T014", I(5 + 6 + 3)},
		{"T015", aml.String("hello world")},
		{"T016", aml.Buffer{1, 2, 3}},
		{"T017", I(0x06050403)},
		{"T018", aml.Buffer{1, 2, 0xD4, 0xC3, 0xB2, 0xA1}},
		{"T019", I(0x12345678)},
		{"T020", I(0)},
		{"T021", I(0x1F)},
		{"T022", aml.String("00000000000000AB")},
		{"T023", I(3)},
		{"T024", I(4<<8 | 3)},
		{"T025", I(0xFFFFFFFFFFFFFF00)},
		{"T026", I(8 + 8)},
		{"T027", aml.String("cde")},
		{"T028", I(2)},
		{"T029", I(2 + 6<<4)},
		{"T030", I(0xDEADBEEF)},
		{"T031", I(0x12345678)},
		{"T032", I(0xDEADBEEF)},
		{"T033", I(0x77)},
		{"T034", I(0x100)},
		{"T036", I(7)},
		{"T037", I(5)},
		{"T038", I(0xFFFFFFFFFFFFFFFF)},
		{"T039", aml.Buffer{0xAA, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"T042", aml.Buffer{0, 0xEF, 0xBE, 0}},
		{"T043", aml.Buffer{2, 1, 0, 0, 0, 0, 0, 0}},
		{"T044", aml.String("AB")},
		{"T045", I(0xBB8)},
		{"T046", pkg(I(0x12), &aml.Reference{Path: `\_SB_.DEV0`, Node: ns.Lookup(`\_SB.DEV0`)})},
		{"T047", I(0)},
		{"T048", nil},
		{"T050", I(0x030AD041)},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			n := ns.Lookup(`\` + tt.method)
			if n == nil {
				t.Fatal("no such method")
			}
			got, err := ns.Evaluate(n)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("= %s, want %s", aml.ObjectString(got), aml.ObjectString(tt.want))
			}
		})
	}
	// State persists between evaluations; method-local names are removed.
	if got := eval(t, ns, `\T040`); got != aml.Integer(6) { // CNT was set to 5 by T037
		t.Errorf("T040 = %v, want 6", got)
	}
	if ns.Lookup(`\T013.LOC`) != nil {
		t.Error("method-local Name LOC left in the namespace")
	}
	// T049 adds 5 to what T048, a method without Return, gives: ACPICA
	// (acpiexec, Linux) fails with AE_AML_NO_RETURN_VALUE.
	if v, err := ns.Evaluate(ns.Lookup(`\T049`)); err == nil || !strings.Contains(err.Error(), "returned no value") {
		t.Errorf("T049 = %v, %v; want the error \"returned no value\"", v, err)
	}
	if got := eval(t, ns, `\T011`, aml.Integer(2), aml.Integer(3), aml.Integer(4)); got != aml.Integer(10) {
		t.Errorf("T011(2,3,4) = %v", got)
	}
	if _, err := ns.Evaluate(ns.Lookup(`\T011`), aml.Integer(2)); err == nil {
		t.Error("T011 with one argument succeeded")
	}
	for path, kind := range map[string]aml.Kind{
		`\_SB.CPU0`: aml.KindProcessor, `\_SB.PRS0`: aml.KindPowerResource, `\_SB.TZ00`: aml.KindThermalZone,
		`\MTX0`: aml.KindMutex, `\EVT0`: aml.KindEvent, `\BFDW`: aml.KindBufferField, `\ALDW`: aml.KindName,
	} {
		if n := ns.Lookup(path); n == nil || n.Kind() != kind {
			t.Errorf("%s = %v, want a %v", path, n, kind)
		}
	}
	if _, err := ns.Evaluate(ns.Lookup(`\_SB.DEV0`)); err == nil {
		t.Error("evaluating a Device succeeded")
	}
}

func TestEvalConversions(t *testing.T) {
	// Expected values are what ACPICA's acpiexec (20200925) returns for the
	// same table.
	ns := loadAML(t, aml.Options{}, "eval-conv")
	I := func(v uint64) aml.Object { return aml.Integer(v) }
	ones := I(0xFFFFFFFFFFFFFFFF)
	tests := []struct {
		method string
		want   aml.Object
	}{
		{"C001", I(0x20)},
		{"C002", I(0x201)},
		{"C003", ones},
		{"C004", ones},
		{"C005", ones},
		{"C006", aml.Buffer{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}},
		{"C007", aml.String("a0000000000000001")},
		{"C008", aml.Buffer{0, 0xFF}},
		{"C009", I(7)},
		{"C010", I(0x20)},
		{"C011", I(0x431)},
		{"C012", I(3)},
		{"C013", I(3)},
		{"C014", aml.Buffer{'A', 'B', 0}},
		{"C015", aml.String("123")},
		{"C016", aml.String("0x0A,0xFF")},
		{"C017", aml.String("10,255")},
		{"C018", aml.Buffer{2, 3}},
		{"C019", I(2)},
		{"C020", ones},
		{"C021", I(2)},
		{"C022", I(0xFFFFFFFFFFFFFFCF)},
		{"C023", I(0xFFFFFFFFFFFFFF00)},
		{"C024", I(0x4D2)},
		{"C025", I(0x1234)},
		{"C026", I(6)},
		{"C027", I(0x030201)},
		{"C028", aml.String("ab")},
		{"C029", aml.String("0000000000000005")},
		{"C030", aml.Buffer{5, 6, 0, 0}},
		{"C031", aml.Buffer{'A', 'B', 0, 0}},
		{"C032", nil}, // ACPICA: "Cannot assign type [Integer] to [Package]"
	}
	for _, tt := range tests {
		got, err := ns.Evaluate(ns.Lookup(`\` + tt.method))
		if tt.want == nil {
			if err == nil {
				t.Errorf("%s = %s, want an error", tt.method, aml.ObjectString(got))
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.method, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %s, want %s", tt.method, aml.ObjectString(got), aml.ObjectString(tt.want))
		}
	}
}

func TestHyperVUEFIShape(t *testing.T) {
	params := dwords(0xF8000000, 0x04000000, 0x1000, 0x2000, 0x3FFF0000, 0, 2, 0, 0x00000001)
	mem := &fakeMemory{ranges: map[uint64][]byte{0xFFFFFF00: append(params, make([]byte, 0xFF-len(params))...)}}
	ns := loadAML(t, aml.Options{Memory: mem}, "vgen-hyperv-uefi")
	if len(ns.Warnings()) != 0 {
		t.Errorf("warnings: %v", ns.Warnings())
	}
	// Module-level code read SCFG (1) and TCFG (0) from memory.
	if ns.Lookup(`\_SB.UAR1`) == nil || ns.Lookup(`\_SB.VMOD.TPM2`) != nil {
		t.Errorf("UAR1 %v, TPM2 %v: module-level If blocks not run on the parameters", ns.Lookup(`\_SB.UAR1`), ns.Lookup(`\_SB.VMOD.TPM2`))
	}
	if got := eval(t, ns, `\_SB.GENC._CID`); !reflect.DeepEqual(got, pkg(aml.String("VM_Gen_Counter"), aml.String("VMGENCTR"), aml.String("Hyper_V_Gen_Counter_V1"))) {
		t.Errorf("_CID = %s", aml.ObjectString(got))
	}
	if got := eval(t, ns, `\_SB.GENC.ADDR`); !reflect.DeepEqual(got, pkg(aml.Integer(0x3FFF0000), aml.Integer(0))) {
		t.Errorf("ADDR = %s", aml.ObjectString(got))
	}

	// Without memory the table still loads; the parameter-dependent
	// devices are missing (with a warning each) and ADDR says why it fails.
	ns = loadAML(t, aml.Options{}, "vgen-hyperv-uefi")
	if ns.Lookup(`\_SB.UAR1`) != nil || len(ns.Warnings()) != 2 {
		t.Errorf("without memory: UAR1 %v, warnings %v", ns.Lookup(`\_SB.UAR1`), ns.Warnings())
	}
	if _, err := ns.Evaluate(ns.Lookup(`\_SB.GENC.ADDR`)); err == nil || !strings.Contains(err.Error(), "0xffffff10") {
		t.Errorf("ADDR without memory: %v", err)
	}
}

// TestEvalACPICA pins disagreements with ACPICA found on real firmware
// (eval-acpica.asl); the expected values are acpiexec's (20200925), with
// the region contents of mem where ACPICA would read zeros.
func TestEvalACPICA(t *testing.T) {
	mem := &fakeMemory{ranges: map[uint64][]byte{0xF0000: dwords(0xBFFFF028, 0x1234)}}
	ns := loadAML(t, aml.Options{Memory: mem}, "eval-acpica")
	tests := []methodWant{
		// An OperationRegion in a method takes its address from the frame
		// it is declared in, when it is declared.
		{"A401", aml.Integer(0xBFFFF028)},
		{"A402", aml.Integer(0x28)},
		// ObjectType of an unset Package element is 0 (Uninitialized).
		{"A601", aml.Integer(0)},
		{"A602", aml.Integer(1)},
		// CopyObject replaces a Name's value whatever its type; Store to
		// Index of a String replaces the character; a String stored to a
		// Buffer byte gives its first character.
		{"A701", aml.String("xyz")},
		{"A702", aml.String("aZcd")},
		{"A703", aml.String("wxyQ")},
		{"A704", aml.Buffer{'A', 0}},
		{"A705", aml.Buffer{7}},
		// Return (N000 ()), N000 returning nothing, returns nothing.
		{"R001", nil},
		// SizeOf (RefOf (BUFS)), through an argument, is BUFS's size.
		{"S001", aml.Integer(5)},
		// A name as a Package element in a method is resolved when the
		// Package op runs, not once the method-local object is gone; a
		// name resolving to nothing is an empty element.
		{"A801", pkg(aml.Integer(0x88), pkg(aml.String("x")))},
		{"A802", pkg(nil, aml.Integer(1))},
		// A method returning RefOf (Name) returns the Name's value.
		{"A803", pkg(aml.Integer(1), aml.Integer(2))},
		{"A804", aml.Integer(2)},
		// A Buffer or Package stored to a Local, an Arg or a Package
		// element is a copy: the Name it came from stays as it was.
		{"A901", aml.Buffer{0x10, 0x20, 0x55, 0x20}},
		{"A902", pkg(aml.Integer(1), aml.Integer(2))},
		{"A904", aml.Buffer{0x10, 0x20, 0x10, 0x66, 0x10, 0x20}},
		// A Buffer stored to an empty Buffer Name takes its length; to
		// a longer one, it is zero-filled.
		{"A912", aml.Buffer{1, 2, 3}},
		{"A913", aml.Buffer{1, 2, 3, 0, 0, 0, 0}},
		// A String stored to a buffer field is written as its bytes.
		{"A921", aml.Buffer{'1', '2', 0, 0}},
		// A store to a Buffer Name writes into its buffer, which the
		// buffer fields created on it before go on writing to.
		{"A931", aml.Buffer{0x12, 0, 0, 0}},
		// An OperationRegion's operands are evaluated as the table loads:
		// the method giving its address has run once by then, and the
		// region keeps the address its Name had then.
		{"A941", aml.Integer(1)},
		{"A942", pkg(aml.Integer(1), aml.Integer(0xBFFFF028))},
	}
	checkMethods(t, ns, tests)
}

// TestZeroRegions: with Options.ZeroRegions a region that cannot be read
// reads as zeros and keeps what AML wrote to it (acpiexec: Z001 0x5A00,
// Z002 0); without it, the write is unsupported and nothing is invented.
func TestZeroRegions(t *testing.T) {
	ns := loadAML(t, aml.Options{ZeroRegions: true}, "eval-acpica")
	for path, want := range map[string]aml.Object{
		`\Z001`: aml.Integer(0x5A00), `\Z002`: aml.Integer(0),
		`\I001`: pkg(aml.Integer(0x1F), aml.Integer(0), aml.Integer(0x1F)), // through index and data
	} {
		if got, err := ns.Evaluate(ns.Lookup(path)); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, %v; want %v", path, got, err, want)
		}
	}
	ns = loadAML(t, aml.Options{}, "eval-acpica")
	if _, err := ns.Evaluate(ns.Lookup(`\Z001`)); !errors.Is(err, aml.ErrUnsupported) {
		t.Errorf("Z001 without ZeroRegions: %v, want ErrUnsupported", err)
	}
	if _, err := ns.Evaluate(ns.Lookup(`\Z002`)); !errors.Is(err, aml.ErrUnsupported) {
		t.Errorf("Z002 without ZeroRegions: %v, want ErrUnsupported", err)
	}
}
