package source_test

import (
	"fmt"

	"github.com/vmgenid/vmgenid/internal/source"
)

// Finding the device in a Firecracker guest's tables. Discovery needs no
// physical memory; reading the ID would.
func ExampleNewACPI() {
	src := source.NewACPI("testdata/fixtures/firecracker", "/dev/mem")
	defer src.Close()
	devs, err := src.Devices()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range devs {
		fmt.Printf("%s %s _HID %s _CID %v in %s, paddr %#x\n", d.Name, d.Path, d.HID, d.CIDs, d.Origin, d.PAddr)
	}
	// Output:
	// acpivmgenid0 \_SB.VGEN _HID VMGENCTR _CID [VM_Gen_Counter] in DSDT, paddr 0xdfff0
}

// Detect picks the sources that exist; FindAll numbers their devices.
func ExampleDetect() {
	srcs, err := source.Detect(source.Options{
		ACPITables: "testdata/fixtures/qemu-q35",
		DeviceTree: "testdata/no-device-tree",
		Mem:        "/dev/mem",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer source.CloseAll(srcs)
	found, _, err := source.FindAll(srcs)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range found {
		fmt.Printf("%s: %s %s (%s)\n", f.Name, source.Describe(f.Source), f.Device.Path, f.Device.HID)
	}
	// Output:
	// acpivmgenid0: ACPI tables testdata/fixtures/qemu-q35 \_SB.VGEN (QEMUVGID)
}
