//go:build unix && !linux

package qemu

import "syscall"

// setParentDeathSignal does nothing here: this kernel has no parent-death
// signal that Go sets, so QEMU outlives a parent that is killed outright.
func setParentDeathSignal(attr *syscall.SysProcAttr) {}
