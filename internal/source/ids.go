package source

import "strings"

// ACPIIDs are the _HID/_CID values that mark a VM generation ID device:
// the Microsoft specification's compatible ID and the hardware IDs that
// QEMU, Firecracker, Hyper-V and Linux use. Matching is case-insensitive
// (NetBSD also lists QEMU's VM_GEN_COUNTER spelling).
var ACPIIDs = []string{"VM_Gen_Counter", "VMGENCTR", "QEMUVGID", "FCVMGID", "Hyper_V_Gen_Counter_V1"}

// DeviceTreeCompatible is the device-tree compatible string of a VM
// generation ID node (Linux's microsoft,vmgenid binding).
const DeviceTreeCompatible = "microsoft,vmgenid"

// IsACPIID reports whether id, a _HID or _CID value, names a VM
// generation ID device.
func IsACPIID(id string) bool {
	for _, v := range ACPIIDs {
		if strings.EqualFold(id, v) {
			return true
		}
	}
	return false
}
