package vmclock

import (
	"errors"
	"reflect"
	"testing"
	"unsafe"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
)

// fuzzSeeds are page images for the f.Add seeds; testdata/fuzz holds more.
func fuzzSeeds(f *testing.F) {
	good := pageImage(f, testPage(), 4096)
	f.Add(good)
	f.Add(good[:ABISize])
	f.Add(good[:MinSize])
	f.Add(good[:MinSize-1])
	odd := testPage()
	odd.SeqCount = 7
	f.Add(pageImage(f, odd, ABISize))
	small := testPage()
	small.Size = OffVMGenerationCounter
	f.Add(pageImage(f, small, 4096)[:OffVMGenerationCounter])
	f.Add([]byte{})
	f.Add([]byte("VCLK"))
}

// FuzzParse checks that Parse never panics, that what it accepts has a
// valid header, and that Encode gives back the same page.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			var short *ShortPageError
			var magic *MagicError
			var size *SizeError
			var version *VersionError
			if !errors.As(err, &short) && !errors.As(err, &magic) && !errors.As(err, &size) && !errors.As(err, &version) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if len(data) < MinSize || int(p.Size) > len(data) || p.Size < MinSize || p.Version != Version {
			t.Fatalf("accepted a bad header: len %d, %+v", len(data), p)
		}
		if p.HasGenerationCounter() && p.Size < ABISize {
			t.Fatalf("generation counter outside the region of %d bytes", p.Size)
		}
		buf := make([]byte, max(len(data), ABISize))
		if err := Encode(buf, p); err != nil {
			t.Fatal(err)
		}
		again, err := Parse(buf[:len(data)])
		if err != nil {
			t.Fatalf("re-encoded page rejected: %v", err)
		}
		if again != p {
			t.Fatalf("round trip changed the page:\n%+v\n%+v", p, again)
		}
	})
}

// FuzzReader checks that the seqlock reader agrees with Parse on a page
// nobody writes to: the same page, or the same error, or a SeqlockError
// for a page stuck mid-update.
func FuzzReader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		words := make([]uint64, (len(data)+7)/8+1)
		mem := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)[:len(data)]
		copy(mem, data)
		r, err := NewReader(mem)
		if err != nil {
			if len(data) >= MinSize {
				t.Fatalf("NewReader(%d bytes): %v", len(data), err)
			}
			return
		}
		r.maxAttempts = 2
		got, err := r.Read()
		want, wantErr := Parse(data)
		switch {
		case wantErr != nil:
			if reflect.TypeOf(err) != reflect.TypeOf(wantErr) {
				t.Fatalf("Read = %v, Parse = %v", err, wantErr)
			}
		case want.SeqCount&1 != 0:
			var se *SeqlockError
			if !errors.As(err, &se) {
				t.Fatalf("odd seq_count %#x: Read = %+v, %v; want a SeqlockError", want.SeqCount, got, err)
			}
		case err != nil || got != want:
			t.Fatalf("Read = %+v, %v\nParse = %+v", got, err, want)
		}
	})
}

// FuzzDiscover runs discovery over hostile AML: it must return, never
// panic, whatever the definition block holds.
func FuzzDiscover(f *testing.F) {
	for _, dir := range []string{"testdata/firecracker", "testdata/variants"} {
		tables, _, err := acpi.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, t := range acpi.DefinitionBlocks(tables) {
			f.Add(t.AML())
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ns, _ := aml.Load([]aml.Block{{Table: "DSDT", AML: body, Base: acpi.HeaderSize, Revision: 2}}, aml.Options{MaxSteps: 20000})
		if ns == nil {
			return
		}
		for _, d := range Discover(ns) {
			if !IsACPIID(d.HID) {
				found := false
				for _, c := range d.CIDs {
					found = found || IsACPIID(c)
				}
				if !found {
					t.Fatalf("%s matched without a VMClock ID: %+v", d.Path, d)
				}
			}
			if d.AddrErr == nil && d.Length < ABISize {
				t.Fatalf("%s: length %#x accepted without a warning", d.Path, d.Length)
			}
		}
	})
}
