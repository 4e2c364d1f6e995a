package aml_test

import (
	"testing"

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
