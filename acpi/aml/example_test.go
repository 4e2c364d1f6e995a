package aml_test

import (
	"fmt"
	"log"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
)

// Finding the VM generation ID device in QEMU's tables and evaluating its
// ADDR method.
func Example() {
	tables, _, err := acpi.ReadDir("testdata/fixtures/qemu-q35")
	if err != nil {
		log.Fatal(err)
	}
	ns, err := aml.Load(acpi.AMLBlocks(tables), aml.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, dev := range ns.Devices() {
		hid := dev.Child("_HID")
		if hid == nil {
			continue
		}
		if v, err := ns.Evaluate(hid); err != nil || v != aml.String("QEMUVGID") {
			continue
		}
		addr, err := ns.Evaluate(dev.Child("ADDR"))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(dev.Path(), dev.Table(), aml.ObjectString(addr))
	}
	// Output: \_SB_.VGEN SSDT Package{0xFFFF028, 0x0}
}

// The VMClock page address from a _CRS resource template.
func ExampleParseResources() {
	tables, _, err := acpi.ReadDir("testdata/fixtures/firecracker")
	if err != nil {
		log.Fatal(err)
	}
	ns, err := aml.Load(acpi.AMLBlocks(tables), aml.Options{})
	if err != nil {
		log.Fatal(err)
	}
	crs, err := ns.Evaluate(ns.Lookup(`\_SB.VCLK._CRS`))
	if err != nil {
		log.Fatal(err)
	}
	res, err := aml.ParseResources(crs.(aml.Buffer))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res {
		fmt.Printf("%s base 0x%x length 0x%x\n", r.Type, r.Base, r.Length)
	}
	// Output: QWordMemory base 0xde000 length 0x1000
}

func ExampleEISAIDString() {
	s, ok := aml.EISAIDString(0x030AD041) // EisaId ("PNP0A03")
	fmt.Println(s, ok)
	// Output: PNP0A03 true
}
