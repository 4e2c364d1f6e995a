package bsdsrc

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// NoDriverError says the kernel offers no VM generation ID device through
// its own driver: the driver is missing (too old a kernel, module not
// loaded) or this VM has no such device.
type NoDriverError struct {
	OS     string // "netbsd", "freebsd"
	Driver string // "acpivmgenid(4)", "vmgenc(4)"
	Since  string // the first release with the driver
	Nodes  string // the sysctl nodes that were looked for
}

func (e *NoDriverError) Error() string {
	return fmt.Sprintf("%s: no %s sysctl nodes: this VM has no generation ID device, or the kernel lacks the %s driver (%s)",
		e.OS, e.Nodes, e.Driver, e.Since)
}

// ForOS returns the kernel-driver source for goos ("netbsd" or "freebsd")
// reading through r, if the driver shows at least one device. It returns a
// *NoDriverError if it shows none (see CheckFallback for what to do then),
// an error wrapping errors.ErrUnsupported for any other OS, and other
// errors if sysctl itself fails.
func ForOS(goos string, r sysctl.Reader) (source.Source, error) {
	var src source.Source
	var nde *NoDriverError
	switch goos {
	case "netbsd":
		src = NewNetBSD(r)
		nde = &NoDriverError{OS: goos, Driver: "acpivmgenid(4)", Since: "NetBSD 11 and later", Nodes: "hw." + NetBSDDevicePrefix + "N"}
	case "freebsd":
		src = NewFreeBSD(r)
		nde = &NoDriverError{OS: goos, Driver: "vmgenc(4)", Since: "FreeBSD 13.0 and later", Nodes: FreeBSDNode + ".N"}
	default:
		return nil, fmt.Errorf("bsdsrc: %s has no BSD kernel driver source: %w", goos, errors.ErrUnsupported)
	}
	devs, err := src.Devices()
	if err != nil {
		return nil, err
	}
	if len(devs) == 0 {
		return nil, nde
	}
	return src, nil
}

// System returns the running kernel's driver source: ForOS(runtime.GOOS,
// sysctl.System()).
func System() (source.Source, error) { return ForOS(runtime.GOOS, sysctl.System()) }

// FallbackError says the ACPI-table path cannot stand in for a missing
// kernel driver, because physical memory cannot be read.
type FallbackError struct {
	NoDriver *NoDriverError
	MemPath  string
	MemErr   error
}

func (e *FallbackError) Error() string {
	return fmt.Sprintf("%v; the ACPI-table path would need physical memory access, but %s cannot be opened: %v",
		e.NoDriver, e.MemPath, e.MemErr)
}

// Unwrap returns both causes.
func (e *FallbackError) Unwrap() []error { return []error{e.NoDriver, e.MemErr} }

// CheckFallback decides what to do after ForOS failed with noDriver: it
// returns nil if memPath (normally /dev/mem) can be opened for reading, so
// the caller should use the ACPI-table source over it as on Linux, and a
// *FallbackError explaining both problems otherwise. Any error other than a
// *NoDriverError is returned unchanged: there is nothing to fall back from.
//
// Opening /dev/mem needs root on both BSDs, and at securelevel > 0 the
// kernel refuses it even to root (securelevel(7)); on those systems only
// the kernel driver can supply the ID.
func CheckFallback(noDriver error, memPath string) error {
	var nde *NoDriverError
	if !errors.As(noDriver, &nde) {
		return noDriver
	}
	f, err := os.Open(memPath)
	if err != nil {
		return &FallbackError{NoDriver: nde, MemPath: memPath, MemErr: err}
	}
	f.Close()
	return nil
}
