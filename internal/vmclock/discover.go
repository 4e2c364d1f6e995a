package vmclock

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// ACPI identifiers of a VMClock device: Amazon's hardware ID (Firecracker,
// and Linux's ptp_vmclock matches it) and the generic compatible ID that
// the ABI header names (QEMU uses it as a hardware ID too).
const (
	HIDAmazon  = "AMZNC10C"
	CIDVMClock = "VMCLOCK"
)

// IsACPIID reports whether id, a _HID or _CID value, names a VMClock
// device. Matching is case-insensitive.
func IsACPIID(id string) bool {
	return strings.EqualFold(id, HIDAmazon) || strings.EqualFold(id, CIDVMClock)
}

// Device is a VMClock device found in the ACPI namespace.
type Device struct {
	// Path is the device's namespace path as ASL listings write it
	// (\_SB.VCLK).
	Path string
	// HID and CIDs are the evaluated _HID and _CID values.
	HID  string
	CIDs []string
	// Table is the table that defines the device ("DSDT", "SSDT1").
	Table string
	// Status is the evaluated _STA (0x0F when there is none). Bit 0 clear
	// means the firmware says the device is absent.
	Status uint64
	// HiddenBy is the path of an enclosing device whose _STA says it is
	// neither present nor functioning, which hides this one; empty when
	// none does.
	HiddenBy string
	// StatusErr says why _STA (the device's own or an enclosing device's)
	// could not be evaluated (it is then taken as 0x0F, as operating
	// systems do).
	StatusErr error
	// PAddr and Length are the page's physical address and length from the
	// first memory descriptor of _CRS (base plus translation offset).
	PAddr, Length uint64
	// Resource names that descriptor ("QWordMemory").
	Resource string
	// AddrErr says why there is no page address (no _CRS, no memory
	// descriptor, a malformed template), or what is wrong with it (too
	// small for the structure); nil when PAddr and Length are fine.
	AddrErr error
}

// Present reports whether an operating system enumerates the device: _STA
// says present (bit 0) and no enclosing device hides it.
func (d Device) Present() bool { return d.Status&1 != 0 && d.HiddenBy == "" }

// Discover finds the VMClock devices in a namespace, in namespace order:
// devices whose _HID or one of whose _CID values is AMZNC10C or VMCLOCK,
// with their status (aml.FindDevices) and the page address from _CRS.
// Problems with one device are recorded in it, never fatal.
func Discover(ns *aml.Namespace) []Device {
	var out []Device
	for _, f := range ns.FindDevices(IsACPIID) {
		d := Device{Path: aml.DisplayPath(f.Node.Path()), HID: f.HID, CIDs: f.CIDs, Table: f.Node.Table(),
			Status: f.Status, HiddenBy: f.HiddenBy, StatusErr: errors.Join(f.StatusErrs...)}
		d.PAddr, d.Length, d.Resource, d.AddrErr = pageFromCRS(ns, f.Node, d.Path)
		out = append(out, d)
	}
	return out
}

// memoryDescriptors are the resource descriptors that can give the page.
var memoryDescriptors = map[string]bool{
	"QWordMemory": true, "DWordMemory": true, "WordMemory": true, "ExtendedMemory": true,
	"Memory32Fixed": true, "Memory32": true, "Memory24": true,
}

// pageFromCRS evaluates _CRS and takes the first memory descriptor.
func pageFromCRS(ns *aml.Namespace, n *aml.Node, path string) (paddr, length uint64, kind string, err error) {
	crs := n.Child("_CRS")
	if crs == nil {
		return 0, 0, "", fmt.Errorf("%s has no _CRS: the page address is unknown", path)
	}
	v, err := ns.Evaluate(crs)
	if err != nil {
		return 0, 0, "", fmt.Errorf("%s._CRS: %w", path, err)
	}
	buf, ok := v.(aml.Buffer)
	if !ok {
		return 0, 0, "", fmt.Errorf("%s._CRS is %s, want a resource template (Buffer)", path, aml.TypeName(v))
	}
	res, err := aml.ParseResources(buf)
	if err != nil {
		return 0, 0, "", fmt.Errorf("%s._CRS: %w", path, err)
	}
	for _, r := range res {
		if !memoryDescriptors[r.Type] {
			continue
		}
		paddr, length = r.Base+r.Translation, r.Length
		if r.Translation != 0 && paddr < r.Base {
			return 0, 0, r.Type, fmt.Errorf("%s._CRS %s at offset %d: base %#x plus translation %#x overflows", path, r.Type, r.Offset, r.Base, r.Translation)
		}
		if length < MinSize {
			return paddr, length, r.Type, fmt.Errorf("%s._CRS %s at offset %d: length %#x is smaller than the %d bytes every VMClock page has", path, r.Type, r.Offset, length, MinSize)
		}
		if length < ABISize {
			return paddr, length, r.Type, fmt.Errorf("%s._CRS %s at offset %d: length %#x ends before vm_generation_counter (offset %d)", path, r.Type, r.Offset, length, OffVMGenerationCounter)
		}
		return paddr, length, r.Type, nil
	}
	types := make([]string, 0, len(res))
	for _, r := range res {
		types = append(types, r.Type)
	}
	if len(types) == 0 {
		return 0, 0, "", fmt.Errorf("%s._CRS is an empty resource template: no memory descriptor for the page", path)
	}
	return 0, 0, "", fmt.Errorf("%s._CRS has no memory descriptor for the page (only %s)", path, strings.Join(types, ", "))
}
