package aml_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

func crs(t *testing.T, ns *aml.Namespace, dev string) aml.Buffer {
	t.Helper()
	b, ok := eval(t, ns, dev+"._CRS").(aml.Buffer)
	if !ok {
		t.Fatalf("%s._CRS is not a Buffer", dev)
	}
	return b
}

func TestParseResourcesVMClock(t *testing.T) {
	ns := loadDir(t, "testdata/fixtures/firecracker", aml.Options{})
	res, err := aml.ParseResources(crs(t, ns, `\_SB.VCLK`))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("got %d resources, want 1: %+v", len(res), res)
	}
	r := res[0]
	r.Raw = nil
	want := aml.Resource{Type: "QWordMemory", Base: 0xDE000, Max: 0xDEFFF, Length: 0x1000}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("VCLK _CRS = %+v, want %+v", r, want)
	}
}

func TestParseResourcesFixtures(t *testing.T) {
	type brief struct {
		Type         string
		Base, Length uint64
		Writable     bool
		Interrupts   []uint32
	}
	tests := []struct {
		dir, dev string
		want     []brief
	}{
		{"firecracker", `\_SB.PC00`, []brief{
			{Type: "WordBusNumber", Length: 1},
			{Type: "IO", Base: 0xCF8, Length: 8},
			{Type: "Memory32Fixed", Base: 0xEEC00000, Length: 0x100000, Writable: true},
			{Type: "QWordMemory", Base: 0xC0001000, Length: 0x2EBFF000, Writable: true},
			{Type: "QWordMemory", Base: 0x4000000000, Length: 0x4000000000, Writable: true},
			{Type: "WordIO", Base: 0, Length: 0xCF8},
			{Type: "WordIO", Base: 0xD00, Length: 0xF300},
		}},
		{"firecracker", `\_SB.GED`, []brief{
			{Type: "Interrupt", Interrupts: []uint32{5}},
			{Type: "Interrupt", Interrupts: []uint32{6}},
		}},
		{"qemu-q35", `\_SB.HPET`, []brief{
			{Type: "Memory32Fixed", Base: 0xFED00000, Length: 0x400},
		}},
		{"qemu-q35", `\_SB.PCI0.SF8.KBD`, []brief{
			{Type: "IO", Base: 0x60, Length: 1},
			{Type: "IO", Base: 0x64, Length: 1},
			{Type: "IRQ", Interrupts: []uint32{1}},
		}},
		{"qemu-q35", `\_SB.DRAC`, []brief{
			{Type: "DWordMemory", Base: 0xB0000000, Length: 0x10000000, Writable: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir+tt.dev, func(t *testing.T) {
			ns := loadDir(t, filepath.Join("testdata/fixtures", tt.dir), aml.Options{})
			res, err := aml.ParseResources(crs(t, ns, tt.dev))
			if err != nil {
				t.Fatal(err)
			}
			var got []brief
			for _, r := range res {
				got = append(got, brief{r.Type, r.Base, r.Length, r.Writable, r.Interrupts})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseResourcesErrors(t *testing.T) {
	qword := []byte{0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x02}
	qword = append(qword, make([]byte, 40)...)
	tests := []struct {
		name    string
		buf     []byte
		wantOff int
		wantOp  string
	}{
		{"empty", nil, 0, "EndTag"},
		{"no end tag", []byte{0x47, 1, 0xF8, 0xC, 0xF8, 0xC, 1, 8}, 8, "EndTag"},
		{"small past end", []byte{0x47, 1, 2}, 0, "IO"},
		{"large header cut", []byte{0x86, 0x09}, 0, "Memory32Fixed"},
		{"large past end", []byte{0x86, 0x09, 0x00, 1, 2, 3}, 0, "Memory32Fixed"},
		{"QWord too short for its type", append([]byte{0x8A, 0x10, 0x00}, append(make([]byte, 16), 0x79, 0)...), 0, "QWordAddress"},
		{"QWord cut", append(qword[:40:40], 0x79, 0), 0, "QWordAddress"},
		{"IO too short", []byte{0x42, 1, 2, 0x79, 0}, 0, "IO"},
		{"interrupt count past end", []byte{0x89, 0x06, 0x00, 0x01, 0x05, 1, 2, 3, 4, 0x79, 0}, 0, "Interrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := aml.ParseResources(tt.buf)
			var ae *aml.Error
			if !errors.As(err, &ae) {
				t.Fatalf("ParseResources = %+v, %v; want *aml.Error", res, err)
			}
			if ae.Offset != tt.wantOff || ae.Opcode != tt.wantOp {
				t.Errorf("error %v: offset %d opcode %q, want %d %q", err, ae.Offset, ae.Opcode, tt.wantOff, tt.wantOp)
			}
		})
	}
}

func TestParseResourcesSkipsUnknown(t *testing.T) {
	buf := []byte{
		0x71, 0xAA, // small item type 0x0E (vendor), 1 byte
		0x30,                   // StartDependentFn, no data
		0x38,                   // EndDependentFn
		0x9F, 0x02, 0x00, 1, 2, // large item type 0x1F, 2 bytes
		0x86, 0x09, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // Memory32Fixed RO 0x1000 +0x100
		0x79, 0x00, // end tag
		0xFF, 0xFF, // after the end tag: ignored
	}
	res, err := aml.ParseResources(buf)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range res {
		types = append(types, r.Type)
	}
	want := []string{"VendorShort", "StartDependentFn", "EndDependentFn", "LargeItem(0x1F)", "Memory32Fixed"}
	if !reflect.DeepEqual(types, want) {
		t.Fatalf("types = %v, want %v", types, want)
	}
	if m := res[4]; m.Base != 0x1000 || m.Length != 0x100 || m.Writable || m.Offset != 9 {
		t.Errorf("Memory32Fixed = %+v", m)
	}
}

func FuzzParseResources(f *testing.F) {
	for _, b := range [][]byte{
		{0x79, 0x00},
		{0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0xD0, 0xFE, 0x00, 0x04, 0x00, 0x00, 0x79, 0x00},
		{0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01, 0x22, 0x02, 0x00, 0x79, 0x00},
		{0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00, 0x79, 0x00},
	} {
		f.Add(b)
	}
	// Every _CRS of the fixtures.
	for _, dir := range []string{"firecracker", "qemu-q35", "qemu-pc"} {
		ns := loadDir(f, filepath.Join("testdata/fixtures", dir), aml.Options{})
		for _, d := range ns.Devices() {
			if c := d.Child("_CRS"); c != nil {
				if v, err := ns.Evaluate(c); err == nil {
					if b, ok := v.(aml.Buffer); ok {
						f.Add([]byte(b))
					}
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, buf []byte) {
		res, err := aml.ParseResources(buf)
		if err != nil {
			var ae *aml.Error
			if !errors.As(err, &ae) || ae.Offset < 0 || ae.Offset > len(buf) {
				t.Fatalf("bad error %T %v", err, err)
			}
			return
		}
		end := 0
		for _, r := range res {
			if r.Offset < end || r.Offset+len(r.Raw) > len(buf) || len(r.Raw) == 0 {
				t.Fatalf("descriptor %+v out of order or bounds", r)
			}
			end = r.Offset + len(r.Raw)
		}
	})
}
