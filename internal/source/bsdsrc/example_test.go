package bsdsrc_test

import (
	"encoding/binary"
	"fmt"

	"github.com/vmgenid/vmgenid/internal/source/bsdsrc"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// Reading a NetBSD guest's VM generation ID through recorded sysctl values
// (sysctl.System() gives the live ones on NetBSD).
func ExampleNetBSD() {
	kernel := sysctl.NewMap(map[string][]byte{
		"hw.acpivmgenid0.id":    {0xdd, 0xcc, 0xbb, 0xaa, 0xff, 0xee, 0x11, 0x00, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99},
		"hw.acpivmgenid0.paddr": binary.NativeEndian.AppendUint64(nil, 0x0ffff028),
	})
	src := bsdsrc.NewNetBSD(kernel)
	devs, err := src.Devices()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range devs {
		id, method, err := src.ReadID(d)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s at %#x: %s (%s)\n", d.Name, d.PAddr, id.GUID(), method)
	}
	// Output:
	// acpivmgenid0 at 0xffff028: aabbccdd-eeff-0011-2233-445566778899 (sysctl hw.acpivmgenid0.id)
}

// The NetBSD daemon's change signal: kern.entropy.epoch moving.
func ExampleEpochWatcher() {
	kernel := sysctl.NewMap(map[string][]byte{"kern.entropy.epoch": binary.NativeEndian.AppendUint32(nil, 41)})
	w := bsdsrc.NewEpochWatcher(kernel)
	w.Poll() // the first poll records the current epoch

	kernel.SetUint32("kern.entropy.epoch", 42) // the host cloned the VM; the kernel reseeded
	if c, changed, err := w.Poll(); err == nil && changed {
		fmt.Println(c.Reason())
	}
	// Output:
	// kern.entropy.epoch advanced 41 -> 42
}
