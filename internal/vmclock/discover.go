package vmclock

import (
	"fmt"
	"strings"

	"github.com/vmgenid/vmgenid/acpi"
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
	// StatusErr says why _STA could not be evaluated (Status is then 0x0F,
	// as operating systems assume).
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

// Present reports whether _STA says the device is present (bit 0).
func (d Device) Present() bool { return d.Status&1 != 0 }

// Discover finds the VMClock devices in a namespace, in namespace order:
// devices whose _HID or one of whose _CID values is AMZNC10C or VMCLOCK.
// For each it evaluates _STA and reads the page address from _CRS.
// Problems with one device are recorded in it, never fatal.
func Discover(ns *aml.Namespace) []Device {
	var out []Device
	for _, n := range ns.Devices() {
		hid, cids := ns.DeviceIDs(n)
		match := IsACPIID(hid)
		for _, c := range cids {
			match = match || IsACPIID(c)
		}
		if !match {
			continue
		}
		d := Device{Path: aml.DisplayPath(n.Path()), HID: hid, CIDs: cids, Table: n.Table(), Status: 0x0F}
		if sta := n.Child("_STA"); sta != nil {
			v, err := ns.Evaluate(sta)
			if i, ok := v.(aml.Integer); err == nil && ok {
				d.Status = uint64(i)
			} else if err != nil {
				d.StatusErr = err
			} else {
				d.StatusErr = fmt.Errorf("%s._STA is %s, not an Integer", d.Path, aml.TypeName(v))
			}
		}
		d.PAddr, d.Length, d.Resource, d.AddrErr = pageFromCRS(ns, n, d.Path)
		out = append(out, d)
	}
	return out
}

// DiscoverTables loads the definition blocks of the ACPI tables in dir
// (laid out like /sys/firmware/acpi/tables) and runs Discover. Tables or
// blocks that cannot be decoded are skipped, as operating systems do; the
// returned warnings say which.
func DiscoverTables(dir string) (devs []Device, warnings []error, err error) {
	tables, warnings, err := acpi.ReadDir(dir)
	if err != nil {
		if len(tables) == 0 {
			return nil, warnings, fmt.Errorf("vmclock: acpi tables %s: %w", dir, err)
		}
		warnings = append(warnings, err)
	}
	var blocks []aml.Block
	for _, t := range acpi.DefinitionBlocks(tables) {
		blocks = append(blocks, aml.Block{Table: t.Name, AML: t.AML(), Base: acpi.HeaderSize, Revision: t.Revision})
	}
	if len(blocks) == 0 {
		return nil, warnings, fmt.Errorf("vmclock: acpi tables %s: no DSDT or SSDT among %d tables", dir, len(tables))
	}
	ns, err := aml.Load(blocks, aml.Options{})
	if err != nil {
		if ns == nil {
			return nil, warnings, fmt.Errorf("vmclock: acpi tables %s: %w", dir, err)
		}
		warnings = append(warnings, err)
	}
	return Discover(ns), warnings, nil
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
