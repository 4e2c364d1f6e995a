package vmclock

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/internal/source"
)

// fakeLinux builds a sysfs tree with the Firecracker guest's ACPI VMClock
// device (AMZNC10C:00 at \_SB_.VCLK), as on the machines this project is
// developed on.
type fakeLinux struct {
	t    *testing.T
	root string
	sys  linuxSystem
}

func newFakeLinux(t *testing.T) *fakeLinux {
	root := t.TempDir()
	f := &fakeLinux{t: t, root: root, sys: linuxSystem{
		sys:         filepath.Join(root, "sys"),
		devPattern:  filepath.Join(root, "dev", "vmclock*"),
		configPaths: []string{filepath.Join(root, "proc", "config.gz"), filepath.Join(root, "boot", "config-6.18.44")},
	}}
	f.mkdir("dev")
	f.mkdir("sys/devices/platform/AMZNC10C:00")
	f.mkdir("sys/devices/LNXSYSTM:00/LNXSYBUS:00/AMZNC10C:00")
	f.write("sys/devices/LNXSYSTM:00/LNXSYBUS:00/AMZNC10C:00/path", `\_SB_.VCLK`+"\n")
	f.mkdir("sys/devices/LNXSYSTM:00/LNXSYBUS:00/VMGENCTR:00")
	f.write("sys/devices/LNXSYSTM:00/LNXSYBUS:00/VMGENCTR:00/path", `\_SB_.VGEN`+"\n")
	f.mkdir("sys/bus/acpi/devices")
	f.symlink("../../../devices/LNXSYSTM:00/LNXSYBUS:00/AMZNC10C:00", "sys/bus/acpi/devices/AMZNC10C:00")
	f.symlink("../../../devices/LNXSYSTM:00/LNXSYBUS:00/VMGENCTR:00", "sys/bus/acpi/devices/VMGENCTR:00")
	f.symlink("../../../platform/AMZNC10C:00", "sys/devices/LNXSYSTM:00/LNXSYBUS:00/AMZNC10C:00/physical_node")
	return f
}

func (f *fakeLinux) path(p string) string { return filepath.Join(f.root, p) }

func (f *fakeLinux) mkdir(p string) {
	if err := os.MkdirAll(f.path(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeLinux) write(p, content string) {
	f.mkdir(filepath.Dir(p))
	if err := os.WriteFile(f.path(p), []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeLinux) symlink(target, p string) {
	f.mkdir(filepath.Dir(p))
	if err := os.Symlink(target, f.path(p)); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeLinux) configGz(content string) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(content))
	zw.Close()
	f.write("proc/config.gz", b.String())
}

// bind makes ptp_vmclock own the platform device and offer /dev/vmclock0.
func (f *fakeLinux) bind() {
	f.mkdir("sys/bus/platform/drivers/ptp_vmclock")
	f.symlink("../../bus/platform/drivers/ptp_vmclock", "sys/devices/platform/AMZNC10C:00/driver")
	f.symlink("../../../devices/platform/AMZNC10C:00", "sys/bus/platform/drivers/ptp_vmclock/AMZNC10C:00")
	f.write("dev/vmclock0", "")
	f.mkdir("sys/devices/platform/AMZNC10C:00/misc/vmclock0")
	f.mkdir("sys/class/misc")
	f.symlink("../../devices/platform/AMZNC10C:00/misc/vmclock0", "sys/class/misc/vmclock0")
	f.symlink("../../../AMZNC10C:00", "sys/devices/platform/AMZNC10C:00/misc/vmclock0/device")
}

func TestCheckBinding(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(f *fakeLinux)
		dev         Device
		wantDriver  string
		wantConfig  string
		wantDevNode bool
		wantNote    []string
	}{
		{
			name: "firecracker guest: driver not built",
			setup: func(f *fakeLinux) {
				f.configGz("CONFIG_PTP_1588_CLOCK=y\n# CONFIG_PTP_1588_CLOCK_VMCLOCK is not set\nCONFIG_VMGENID=y\n")
			},
			dev:        vclk,
			wantConfig: ConfigNotSet,
			wantNote:   []string{"no driver bound", "CONFIG_PTP_1588_CLOCK_VMCLOCK is not set", "CONFIG_PTP_1588_CLOCK_VMCLOCK=y (or =m) would bind it"},
		},
		{
			name:       "module not loaded",
			setup:      func(f *fakeLinux) { f.configGz("CONFIG_PTP_1588_CLOCK_VMCLOCK=m\n") },
			dev:        vclk,
			wantConfig: "m",
			wantNote:   []string{"no driver bound", "modprobe ptp_vmclock"},
		},
		{
			name:       "built in but not bound",
			setup:      func(f *fakeLinux) { f.configGz("CONFIG_PTP_1588_CLOCK_VMCLOCK=y\n") },
			dev:        vclk,
			wantConfig: "y",
			wantNote:   []string{"no driver bound", "although the kernel has CONFIG_PTP_1588_CLOCK_VMCLOCK=y", "kernel log"},
		},
		{
			name:       "kernel older than the driver, config in /boot",
			setup:      func(f *fakeLinux) { f.write("boot/config-6.18.44", "CONFIG_PTP_1588_CLOCK=y\n") },
			dev:        vclk,
			wantConfig: ConfigAbsent,
			wantNote:   []string{"predates the ptp_vmclock driver", "CONFIG_PTP_1588_CLOCK_VMCLOCK=y"},
		},
		{
			name:     "no configuration readable",
			setup:    func(f *fakeLinux) {},
			dev:      vclk,
			wantNote: []string{"no driver bound", "needs CONFIG_PTP_1588_CLOCK_VMCLOCK=y (or =m)"},
		},
		{
			name:       "absent per _STA",
			setup:      func(f *fakeLinux) { f.configGz("CONFIG_PTP_1588_CLOCK_VMCLOCK=y\n") },
			dev:        func() Device { d := vclk; d.Status = 0; return d }(),
			wantConfig: "y",
			wantNote:   []string{"firmware reports the device absent (_STA 0x0)"},
		},
		{
			name: "bound",
			setup: func(f *fakeLinux) {
				f.configGz("CONFIG_PTP_1588_CLOCK_VMCLOCK=y\n")
				f.bind()
			},
			dev:         vclk,
			wantDriver:  DriverName,
			wantConfig:  "y",
			wantDevNode: true,
			wantNote:    []string{"bound to driver ptp_vmclock; page offered as ", "/dev/vmclock0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeLinux(t)
			tt.setup(f)
			b := f.sys.check(tt.dev)
			if !b.Checked {
				t.Error("Checked is false")
			}
			if b.SysfsNode != f.path("sys/bus/acpi/devices/AMZNC10C:00") {
				t.Errorf("SysfsNode %q", b.SysfsNode)
			}
			if b.Driver != tt.wantDriver || b.Bound() != (tt.wantDriver != "") {
				t.Errorf("Driver %q, want %q", b.Driver, tt.wantDriver)
			}
			if b.KernelConfig != tt.wantConfig {
				t.Errorf("KernelConfig %q, want %q", b.KernelConfig, tt.wantConfig)
			}
			if (b.DevNode == f.path("dev/vmclock0")) != tt.wantDevNode {
				t.Errorf("DevNode %q (nodes %q)", b.DevNode, b.DevNodes)
			}
			for _, w := range tt.wantNote {
				if !strings.Contains(b.Note, w) {
					t.Errorf("note %q does not say %q", b.Note, w)
				}
			}
		})
	}
}

func TestCheckBindingUnknownPath(t *testing.T) {
	f := newFakeLinux(t)
	f.bind()
	d := vclk
	d.Path = `\_SB.OTHR`
	b := f.sys.check(d)
	if b.SysfsNode != "" {
		t.Errorf("SysfsNode %q for a path sysfs does not have", b.SysfsNode)
	}
	// The loaded driver with a device is still evidence of a binding.
	if b.Driver != DriverName {
		t.Errorf("Driver %q, want %s from the driver's directory", b.Driver, DriverName)
	}
}

// TestInspectLive looks at this machine: whatever it has, the report must
// be consistent with /dev/vmclock*. It needs Linux's live ACPI tables with
// a VMClock device (a Firecracker or QEMU guest that offers one) and skips
// saying so elsewhere.
func TestInspectLive(t *testing.T) {
	if _, err := os.Stat(filepath.Join(source.DefaultACPITables, "DSDT")); err != nil {
		t.Skipf("needs Linux's live ACPI tables in %s: %v", source.DefaultACPITables, err)
	}
	src := source.NewACPI(source.DefaultACPITables, source.DefaultMem)
	defer src.Close()
	ns, err := src.Namespace()
	if err != nil {
		t.Skipf("needs readable ACPI tables in %s: %v", source.DefaultACPITables, err)
	}
	sts := InspectNamespace(ns)
	if len(sts) == 0 {
		t.Skipf("needs a VMClock device (_HID %s or %s) in the tables in %s; they have none", HIDAmazon, CIDVMClock, source.DefaultACPITables)
	}
	devs, _ := FindDevices()
	for _, s := range sts {
		t.Logf("%+v", s)
		if !s.DriverChecked {
			t.Errorf("%s: binding not checked on the live tables", s.Path)
		}
		if len(devs) == 0 && s.Driver != "" && !strings.Contains(s.Note, "no /dev/vmclock") {
			t.Errorf("%s: bound to %s, yet no device node and no note about it: %q", s.Path, s.Driver, s.Note)
		}
		if s.Driver == "" && !strings.Contains(s.Note, KernelOption) && !strings.Contains(s.Note, "absent") && !strings.Contains(s.Note, "neither present") {
			t.Errorf("%s: not bound, and the note names no kernel option: %q", s.Path, s.Note)
		}
	}
}

func TestCheckBindingWithoutSysfs(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "vmclock0"), nil, 0o644)
	s := linuxSystem{sys: filepath.Join(root, "nosys"), devPattern: filepath.Join(root, "vmclock*")}
	b := s.check(vclk)
	if b.Driver != DriverName || b.DevNode != filepath.Join(root, "vmclock0") {
		t.Errorf("no sysfs, one device node: driver %q, node %q; want %s and the node", b.Driver, b.DevNode, DriverName)
	}
	os.Remove(filepath.Join(root, "vmclock0"))
	if b := s.check(vclk); b.Driver != "" {
		t.Errorf("no sysfs, no device node: driver %q", b.Driver)
	}
}
