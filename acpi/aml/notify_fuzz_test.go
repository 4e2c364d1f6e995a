package aml

import (
	"testing"
)

// FuzzNotifiers loads hostile AML and asks, for every device, which devices
// match and which methods notify it: never a panic, every error located.
func FuzzNotifiers(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte("\x10\x18\\_GPE\x14\x12_E05\x00\x86\\\x2e_SB_VGEN\x0a\x80"))
	f.Fuzz(func(t *testing.T, code []byte) {
		opts := Options{Memory: patternMemory{}, MaxSteps: 20000, MaxDepth: 64}
		ns, err := Load([]Block{{Table: "FUZZ", AML: code, Base: 36, Revision: 2}}, opts)
		checkErr(t, "Load", err)
		for i, d := range ns.FindDevices(func(string) bool { return true }) {
			for _, e := range d.StatusErrs {
				checkErr(t, "FindDevices", e)
			}
			if i >= 8 {
				// Each call decodes every method: a few devices show
				// it all, and keep an execution short.
				continue
			}
			nf, err := ns.Notifiers(d.Node)
			checkErr(t, "Notifiers", err)
			for _, n := range nf {
				if n.Method == nil || n.Method.Kind() != KindMethod || n.GPE < -1 || n.GPE > 0xff {
					t.Fatalf("bad notifier %+v", n)
				}
			}
		}
	})
}
