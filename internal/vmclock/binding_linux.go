package vmclock

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// linuxSystem is where CheckBinding looks; tests point it at fake trees.
type linuxSystem struct {
	sys         string   // /sys
	devPattern  string   // /dev/vmclock*
	configPaths []string // /proc/config.gz, /boot/config-RELEASE
}

func liveLinux() linuxSystem {
	paths := []string{"/proc/config.gz"}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		paths = append(paths, "/boot/config-"+unix.ByteSliceToString(u.Release[:]))
	}
	return linuxSystem{sys: "/sys", devPattern: DevicePattern, configPaths: paths}
}

// CheckBinding asks the running system whether a driver has bound the
// VMClock device d: the ACPI device's sysfs node (matched by namespace
// path) and the driver of its physical node, the /dev/vmclock* devices,
// and the kernel configuration. It is meaningful only when d comes from
// this machine's own tables.
func CheckBinding(d Device) Binding { return liveLinux().check(d) }

func (s linuxSystem) check(d Device) Binding {
	b := Binding{Checked: true}
	b.SysfsNode = s.acpiNode(d.Path)
	if b.SysfsNode != "" {
		for _, link := range []string{"physical_node/driver", "driver"} {
			if target, err := os.Readlink(filepath.Join(b.SysfsNode, link)); err == nil {
				b.Driver = filepath.Base(target)
				break
			}
		}
	} else if fi, err := os.Stat(filepath.Join(s.sys, "bus/platform/drivers", DriverName)); err == nil && fi.IsDir() {
		// No ACPI node matched (a renamed path?): a loaded driver with
		// any device bound is the next best evidence.
		if ents, err := os.ReadDir(filepath.Join(s.sys, "bus/platform/drivers", DriverName)); err == nil {
			for _, e := range ents {
				if e.Type()&os.ModeSymlink != 0 && strings.Contains(e.Name(), ":") {
					b.Driver = DriverName
				}
			}
		}
	}
	b.DevNodes, _ = filepath.Glob(s.devPattern)
	sort.Strings(b.DevNodes)
	if b.Driver == "" && b.SysfsNode == "" && len(b.DevNodes) > 0 {
		// Without sysfs to ask, a VMClock device node means the driver
		// has a device; with a single node it is this one.
		b.Driver = DriverName
	}
	if b.Driver != "" {
		b.DevNode = s.devNodeOf(b.SysfsNode, b.DevNodes)
	}
	b.KernelConfig, b.ConfigSource = readKernelConfig(KernelOption, s.configPaths)
	b.explain(d)
	return b
}

// acpiNode finds the sysfs directory of the ACPI device at the namespace
// path (its "path" attribute reads like \_SB_.VCLK).
func (s linuxSystem) acpiNode(path string) string {
	dirs, _ := filepath.Glob(filepath.Join(s.sys, "bus/acpi/devices/*"))
	sort.Strings(dirs)
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "path"))
		if err != nil {
			continue
		}
		if aml.DisplayPath(strings.TrimSpace(string(b))) == path {
			return dir
		}
	}
	return ""
}

// devNodeOf finds the device node whose misc device's parent is the ACPI
// device's physical node (/sys/class/misc/vmclockN/device). With a single
// node and no way to tell, that node is taken.
func (s linuxSystem) devNodeOf(acpiNode string, nodes []string) string {
	if acpiNode != "" {
		if phys, err := os.Readlink(filepath.Join(acpiNode, "physical_node")); err == nil {
			for _, n := range nodes {
				parent, err := os.Readlink(filepath.Join(s.sys, "class/misc", filepath.Base(n), "device"))
				if err == nil && filepath.Base(parent) == filepath.Base(phys) {
					return n
				}
			}
		}
	}
	if len(nodes) == 1 {
		return nodes[0]
	}
	return ""
}
