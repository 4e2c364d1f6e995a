package aml

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// patternMemory answers every read with bytes derived from the address, so
// fuzzed SystemMemory fields read something.
type patternMemory struct{}

func (patternMemory) ReadPhys(addr uint64, p []byte) error {
	if addr > 1<<52 {
		return errors.New("no memory there")
	}
	for i := range p {
		p[i] = byte(addr + uint64(i))
	}
	return nil
}

// fuzzSeeds returns the AML bodies of every table in testdata.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	files, _ := filepath.Glob("testdata/fixtures/*/*")
	asl, _ := filepath.Glob("testdata/asl/*.aml")
	for _, f := range append(files, asl...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 36 {
			seeds = append(seeds, b[36:])
		}
	}
	if len(seeds) < 10 {
		t.Fatalf("only %d seed tables", len(seeds))
	}
	return seeds
}

// checkErr fails on errors that are not located *Error values or that
// report a recovered panic.
func checkErr(t *testing.T, what string, err error) {
	if err == nil {
		return
	}
	if errors.Is(err, errInternal) {
		t.Fatalf("%s: %v", what, err)
	}
	var ae *Error
	if !errors.As(err, &ae) {
		// Evaluate's own errors (a Device has no value, wrong argument
		// counts) are plain; everything from AML must be located.
		return
	}
	if ae.Err == nil || ae.Opcode == "" {
		t.Fatalf("%s: incomplete error %#v", what, ae)
	}
}

func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, byte(2))
	}
	f.Add(amlMethod("LOOP", 0, amlWhile(amlOne)), byte(1))
	f.Add(amlScope(`\_SB_`, amlDevice("VGEN", amlName("_HID", amlString("VMGENCTR")),
		amlMethod("ADDR", 0, amlReturn(amlPackage(2, amlByte(0x28), amlZero))))), byte(2))
	f.Fuzz(func(t *testing.T, code []byte, rev byte) {
		opts := Options{Memory: patternMemory{}, MaxSteps: 20000, MaxDepth: 64}
		ns, err := Load([]Block{{Table: "FUZZ", AML: code, Base: 36, Revision: rev}}, opts)
		checkErr(t, "Load", err)
		if ns == nil {
			t.Fatal("Load returned no namespace")
		}
		for _, d := range ns.Devices() {
			for _, name := range []string{"_HID", "_CID", "_STA", "ADDR", "_CRS"} {
				c := d.Child(name)
				if c == nil {
					continue
				}
				v, err := ns.Evaluate(c)
				checkErr(t, c.Path(), err)
				if b, ok := v.(Buffer); ok && name == "_CRS" {
					_, err := ParseResources(b)
					checkErr(t, "ParseResources", err)
				}
				_ = ObjectString(v)
			}
		}
	})
}
