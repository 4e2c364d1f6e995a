//go:build !linux

package vmclock

import "runtime"

// CheckBinding reports that this system has no VMClock driver: only
// Linux's ptp_vmclock maps the page.
func CheckBinding(d Device) Binding {
	return Binding{Note: "no driver: VMClock has no driver on " + runtime.GOOS + "; Linux's " + DriverName + " (" + KernelOption + ") maps it as /dev/vmclock0"}
}
