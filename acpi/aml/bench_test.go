package aml_test

import (
	"cmp"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
)

// BenchmarkLoadQ35 loads QEMU's q35 DSDT and VMGENID SSDT (8.5 KiB of AML).
func BenchmarkLoadQ35(b *testing.B) {
	tables, _, err := acpi.ReadDir("testdata/fixtures/qemu-q35")
	if err != nil {
		b.Fatal(err)
	}
	blocks := acpi.AMLBlocks(tables)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := aml.Load(blocks, aml.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateADDR runs QEMU's ADDR method.
func BenchmarkEvaluateADDR(b *testing.B) {
	ns := loadDir(b, "testdata/fixtures/qemu-q35", aml.Options{})
	addr := ns.Lookup(`\_SB.VGEN.ADDR`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ns.Evaluate(addr); err != nil {
			b.Fatal(err)
		}
	}
}

// corpusDir holds the DSDT and SSDTs of real machines (linuxhw), one
// directory each. The corpus is too large to commit, so it is looked for
// beside the repository, and what needs it skips without it.
const corpusDir = "../../../shared/corpus/linuxhw"

type corpusMachine struct {
	name   string
	blocks []aml.Block
	size   int // bytes of AML
}

func readCorpus(tb testing.TB) []corpusMachine {
	tb.Helper()
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		tb.Skipf("needs the linuxhw corpus in %s: %v", corpusDir, err)
	}
	var out []corpusMachine
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		tables, _, err := acpi.ReadDir(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			tb.Fatalf("%s: %v", e.Name(), err)
		}
		m := corpusMachine{name: e.Name(), blocks: acpi.AMLBlocks(tables)}
		for _, b := range m.blocks {
			m.size += len(b.AML)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		tb.Skipf("no machines in %s", corpusDir)
	}
	return out
}

// BenchmarkLoadCorpus loads every machine of the linuxhw corpus per
// iteration and reports, over the machines, the median and maximum of
// the bytes Load allocates per byte of AML and the median load time; it
// logs the machines of the three highest ratios.
func BenchmarkLoadCorpus(b *testing.B) {
	machines := readCorpus(b)
	nanos := make([]float64, len(machines))
	bytes := make([]float64, len(machines))
	// ReadMemStats flushes the per-P allocation caches, so the count is
	// exact; it is outside the timed part of each Load.
	var ms runtime.MemStats
	heapAllocs := func() uint64 {
		runtime.ReadMemStats(&ms)
		return ms.TotalAlloc
	}
	runs := 0
	b.ReportAllocs()
	for b.Loop() {
		for i, m := range machines {
			a0, t0 := heapAllocs(), time.Now()
			aml.Load(m.blocks, aml.Options{}) // real firmware has errors; they are warnings here
			nanos[i] += float64(time.Since(t0))
			bytes[i] += float64(heapAllocs() - a0)
		}
		runs++
	}
	ratio := make([]float64, len(machines))
	for i, m := range machines {
		nanos[i] /= float64(runs)
		ratio[i] = bytes[i] / float64(runs) / float64(m.size)
	}
	worst := make([]int, len(machines))
	for i := range worst {
		worst[i] = i
	}
	slices.SortFunc(worst, func(i, j int) int { return cmp.Compare(ratio[j], ratio[i]) })
	for _, i := range worst[:min(3, len(worst))] {
		b.Logf("%s: %.2f bytes allocated per byte of AML (%d bytes)", machines[i].name, ratio[i], machines[i].size)
	}
	slices.Sort(nanos)
	slices.Sort(ratio)
	b.ReportMetric(nanos[len(nanos)/2], "ns/machine-median")
	b.ReportMetric(ratio[len(ratio)/2], "allocB/AMLB-median")
	b.ReportMetric(ratio[len(ratio)-1], "allocB/AMLB-max")
}
