// Package source finds VM generation ID devices and reads their IDs.
//
// A Source is one place the ID can come from: the ACPI tables with
// physical memory (Linux, any OS with /dev/mem), the device tree (arm64
// guests), or the kernel's own sysctl view (NetBSD, FreeBSD). Sources know
// nothing of epochs or change detection: the daemon asks them "what is the
// ID now?" whenever a detector says it may have changed.
//
// The ACPI source loads the machine's namespace once (acpi.LoadDir, or
// acpi.Load over tables read from memory on the BSDs) and shares it:
// ACPINamespace gives the same load to VMClock discovery and to
// NotifyingGPE, which finds the GPE whose handler notifies the device for
// the daemon's interrupt-counter detector. Sources never import detectors.
//
// Its callers are the daemon (internal/daemon) and the commands that show
// or read the ID (cmd/vmgenid's status and id); internal/source/bsdsrc adds
// the BSD kernels' own view. Options and DefaultOptions hold the places to
// look, so that the command only turns its flags into them.
package source

import (
	"github.com/vmgenid/vmgenid/genid"
)

// Device is one VM generation ID device as a source found it.
type Device struct {
	// Name is the device's NetBSD-style name: acpivmgenid0, acpivmgenid1, …
	// numbered in discovery order.
	Name string
	// Path is where the device sits: an ACPI namespace path such as
	// \_SB.VGEN, a device-tree node path, or a sysctl node.
	Path string
	// HID is the device's hardware ID (_HID, or the device tree's
	// compatible string).
	HID string
	// CIDs are the device's compatible IDs (_CID), if any.
	CIDs []string
	// Origin names where the device was defined: the ACPI table ("DSDT",
	// "SSDT1"), "devicetree", or "sysctl".
	Origin string
	// ByKernel says that the kernel's own driver reads the ID (NetBSD's
	// and FreeBSD's sysctl nodes), so no physical address is needed.
	ByKernel bool
	// PAddr is the physical address of the 16 ID bytes; 0 if unknown.
	PAddr uint64
	// AddrErr says why PAddr could not be worked out, or what is wrong
	// with it (misaligned, crossing a page); nil if it is fine.
	AddrErr error
}

// Source is one place the VM generation ID can be read from.
type Source interface {
	// Kind names the source for messages: "acpi", "devicetree", "netbsd", …
	Kind() string
	// Devices returns the devices the source found, in discovery order.
	// An error means the source could not look at all (no tables, no
	// sysctl node); finding no device is an empty list and a nil error.
	Devices() ([]Device, error)
	// ReadID returns the device's current ID, read so that a concurrent
	// rewrite by the host never yields a torn value. Method names how it
	// was read, for status output ("mmap /dev/mem", "sysctl hw.acpivmgenid0.id").
	ReadID(d Device) (id genid.ID, method string, err error)
}
