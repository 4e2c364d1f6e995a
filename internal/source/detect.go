package source

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Options say where sources look. The zero value of a field means "do not
// look there"; DefaultOptions gives the usual places.
type Options struct {
	// ACPITables is a directory laid out like /sys/firmware/acpi/tables.
	ACPITables string
	// DeviceTree is a directory laid out like /sys/firmware/devicetree/base.
	DeviceTree string
	// Mem is the physical-memory file: /dev/mem, or a regular file whose
	// offsets are physical addresses.
	Mem string
	// Platforms are the OS-specific sources to try first: the BSD
	// kernels' own drivers (bsdsrc.Platforms on NetBSD and FreeBSD, which
	// the caller passes explicitly, as it does bsd detectors).
	Platforms []Platform
}

// Default places.
const (
	DefaultACPITables = "/sys/firmware/acpi/tables"
	DefaultDeviceTree = "/sys/firmware/devicetree/base"
	DefaultMem        = "/dev/mem"
)

// DefaultOptions returns the places a Linux kernel exposes.
func DefaultOptions() Options {
	return Options{ACPITables: DefaultACPITables, DeviceTree: DefaultDeviceTree, Mem: DefaultMem}
}

// Locator is implemented by sources that read from one place, for
// messages that say where a device was looked for.
type Locator interface {
	Location() string
}

// Platform is a source that only some operating systems have (NetBSD's and
// FreeBSD's own drivers, read through sysctl). Probe returns the source and
// true if it applies on this machine, or a description of where it looked
// and false.
type Platform func(opts Options) (src Source, looked string, ok bool)

// NotFoundError says that no source applies, and where Detect looked.
type NotFoundError struct {
	Looked []string
}

// Error lists where Detect looked.
func (e *NotFoundError) Error() string {
	return "no place to look for a VM generation ID: " + strings.Join(e.Looked, "; ")
}

// Detect returns the sources that apply on this machine, in the order
// their devices are numbered: OS-specific sources first (the kernel's
// own driver is authoritative), then the ACPI tables if opts.ACPITables is
// a directory, then the device tree if opts.DeviceTree is one. With none,
// it returns a *NotFoundError that says where it looked.
func Detect(opts Options) ([]Source, error) {
	var (
		out    []Source
		looked []string
	)
	for _, p := range opts.Platforms {
		src, where, ok := p(opts)
		if ok {
			out = append(out, src)
		} else if where != "" {
			looked = append(looked, where)
		}
	}
	if dirExists(opts.ACPITables) {
		out = append(out, NewACPI(opts.ACPITables, opts.Mem))
	} else if opts.ACPITables != "" {
		looked = append(looked, "no ACPI tables in "+opts.ACPITables)
	}
	if dirExists(opts.DeviceTree) {
		out = append(out, NewDeviceTree(opts.DeviceTree, opts.Mem))
	} else if opts.DeviceTree != "" {
		looked = append(looked, "no device tree in "+opts.DeviceTree)
	}
	if len(out) == 0 {
		return nil, &NotFoundError{Looked: looked}
	}
	return out, nil
}

func dirExists(dir string) bool {
	if dir == "" {
		return false
	}
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}

// Found is one device and the source that found it.
type Found struct {
	// Name is the device's name, unique across sources: the source's
	// own name unless an earlier source used it.
	Name   string
	Source Source
	Device Device
}

// NoDeviceError says that the sources were searched and none had a
// device. Problems holds the reasons some sources could not look.
type NoDeviceError struct {
	Looked   []string
	Problems []error
}

// Error says where the devices were looked for and why some places failed.
func (e *NoDeviceError) Error() string {
	s := "no VM generation ID device found (looked in " + strings.Join(e.Looked, ", ") + ")"
	for _, p := range e.Problems {
		s += "; " + p.Error()
	}
	return s
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (e *NoDeviceError) Unwrap() []error { return e.Problems }

// Describe names a source and where it reads from: "acpi tables in DIR".
func Describe(s Source) string {
	if l, ok := s.(Locator); ok {
		switch s.Kind() {
		case "acpi":
			return "ACPI tables " + l.Location()
		case "devicetree":
			return "device tree " + l.Location()
		}
		return s.Kind() + " " + l.Location()
	}
	return s.Kind()
}

// FindAll asks every source for its devices, in order. problems lists why
// sources could not look (a source's errors name the place); the
// returned error is a *NoDeviceError when no source found a device.
func FindAll(sources []Source) (found []Found, problems []error, err error) {
	used := map[string]bool{}
	var looked []string
	for _, s := range sources {
		looked = append(looked, Describe(s))
		devs, err := s.Devices()
		if err != nil {
			problems = append(problems, err) // it names the place
		}
		for _, d := range devs {
			name := d.Name
			for i := 0; used[name] || name == ""; i++ {
				name = fmt.Sprintf("acpivmgenid%d", i)
			}
			used[name] = true
			found = append(found, Found{Name: name, Source: s, Device: d})
		}
	}
	if len(found) == 0 {
		return nil, problems, &NoDeviceError{Looked: looked, Problems: problems}
	}
	return found, problems, nil
}

// CloseAll closes every source that has a Close method.
func CloseAll(sources []Source) error {
	var errs []error
	for _, s := range sources {
		if c, ok := s.(interface{ Close() error }); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
