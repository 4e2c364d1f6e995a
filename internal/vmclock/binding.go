package vmclock

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
)

// Names of the Linux driver and the kernel option that builds it.
const (
	DriverName   = "ptp_vmclock"
	KernelOption = "CONFIG_PTP_1588_CLOCK_VMCLOCK"
)

// Values of Binding.KernelConfig besides "y" and "m".
const (
	ConfigNotSet = "not set" // "# CONFIG_PTP_1588_CLOCK_VMCLOCK is not set"
	ConfigAbsent = "absent"  // the configuration does not know the option: an older kernel
)

// Binding says whether an operating-system driver has taken a VMClock
// device, and if not, what would make one.
type Binding struct {
	// Checked is false where there was nothing to ask: another operating
	// system, or tables that are not this machine's.
	Checked bool
	// SysfsNode is the ACPI device's directory under
	// /sys/bus/acpi/devices; empty if none matches the namespace path.
	SysfsNode string
	// Driver is the bound driver's name ("ptp_vmclock"); empty when none.
	Driver string
	// DevNodes are the VMClock character devices (/dev/vmclock0, …).
	DevNodes []string
	// DevNode is the one of DevNodes that belongs to this device; empty
	// when none does (or it cannot be told).
	DevNode string
	// KernelConfig is the running kernel's CONFIG_PTP_1588_CLOCK_VMCLOCK:
	// "y", "m", ConfigNotSet, ConfigAbsent, or "" when the configuration
	// cannot be read.
	KernelConfig string
	// ConfigSource is where KernelConfig was read (/proc/config.gz).
	ConfigSource string
	// Note explains the situation in one sentence, including the kernel
	// option to enable where no driver is bound.
	Note string
}

// Bound reports whether a driver has the device.
func (b Binding) Bound() bool { return b.Driver != "" }

// explain writes b.Note from what was found.
func (b *Binding) explain(d Device) {
	if b.Driver != "" {
		b.Note = "bound to driver " + b.Driver
		if b.DevNode != "" {
			b.Note += "; page offered as " + b.DevNode
		} else if len(b.DevNodes) > 0 {
			b.Note += "; VMClock devices: " + strings.Join(b.DevNodes, ", ")
		} else {
			b.Note += ", but there is no /dev/vmclock* (the driver offers it only for a page-sized region)"
		}
		return
	}
	var why string
	switch b.KernelConfig {
	case "y":
		why = fmt.Sprintf("although the kernel has %s=y: the driver rejected the device or does not match its IDs (older drivers match _HID %s only; see the kernel log for %s)", KernelOption, HIDAmazon, DriverName)
	case "m":
		why = fmt.Sprintf("%s is built as a module (%s=m) but not loaded: modprobe %s", DriverName, KernelOption, DriverName)
	case ConfigNotSet:
		why = fmt.Sprintf("this kernel is built without the %s driver (%s is not set); a kernel with %s=y (or =m) would bind it and offer /dev/vmclock0", DriverName, KernelOption, KernelOption)
	case ConfigAbsent:
		why = fmt.Sprintf("this kernel predates the %s driver (its configuration has no %s); a newer kernel with %s=y would bind it and offer /dev/vmclock0", DriverName, KernelOption, KernelOption)
	default:
		why = fmt.Sprintf("the kernel needs %s=y (or =m) for the %s driver, which offers /dev/vmclock0", KernelOption, DriverName)
	}
	b.Note = "no driver bound: " + why
	switch {
	case d.HiddenBy != "":
		b.Note = fmt.Sprintf("no driver bound: the firmware reports the enclosing device %s neither present nor functioning", d.HiddenBy)
	case !d.Present():
		b.Note = fmt.Sprintf("no driver bound: the firmware reports the device absent (_STA %#x)", d.Status)
	}
}

// readKernelConfig looks up option in the kernel configuration: the
// gzip-compressed /proc/config.gz, else a plain /boot/config-RELEASE. It
// returns "" when no configuration can be read.
func readKernelConfig(option string, paths []string) (value, from string) {
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		var r io.Reader = f
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				f.Close()
				continue
			}
			r = zr
		}
		v, ok := scanConfig(r, option)
		f.Close()
		if ok {
			return v, p
		}
	}
	return "", ""
}

// scanConfig reads a kernel .config. ok is false when it could not be read
// to the end (then nothing is concluded from it).
func scanConfig(r io.Reader, option string) (value string, ok bool) {
	sc := bufio.NewScanner(io.LimitReader(r, 64<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	value = ConfigAbsent
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, found := strings.CutPrefix(line, option+"="); found {
			value = strings.Trim(v, `"`)
		} else if line == "# "+option+" is not set" {
			value = ConfigNotSet
		}
	}
	if sc.Err() != nil {
		return "", false
	}
	return value, true
}
