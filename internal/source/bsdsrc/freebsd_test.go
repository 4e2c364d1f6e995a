package bsdsrc

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// freebsdGuest is a FreeBSD guest with one vmgenc device on QEMU. The
// strings have the forms FreeBSD's newbus and ACPI code give them
// (acpi_child_location_method, acpi_pnpinfo); the kernel NUL-terminates
// string nodes.
func freebsdGuest() *sysctl.Map {
	return sysctl.NewMap(map[string][]byte{
		"dev.vmgenc.0.guid":      qemuID[:],
		"dev.vmgenc.0.%desc":     []byte("VM Generation Counter\x00"),
		"dev.vmgenc.0.%driver":   []byte("vmgenc\x00"),
		"dev.vmgenc.0.%location": []byte(`handle=\_SB_.VGEN` + "\x00"),
		"dev.vmgenc.0.%pnpinfo":  []byte("_HID=QEMUVGID _UID=0 _CID=VM_GEN_COUNTER\x00"),
		"dev.vmgenc.0.%parent":   []byte("acpi0\x00"),
		"dev.vmgenc.%parent":     []byte("\x00"),
		"kern.ostype":            []byte("FreeBSD\x00"),
	})
}

func TestFreeBSDDevices(t *testing.T) {
	m := freebsdGuest()
	m.Set("dev.vmgenc.2.guid", otherID[:])
	m.Set("dev.vmgenc.2.%pnpinfo", []byte("_HID=none _UID=0 _CID=VM_Gen_Counter\x00"))
	s := NewFreeBSD(m)
	if s.Kind() != "freebsd" {
		t.Errorf("Kind = %q", s.Kind())
	}
	devs, err := s.Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2 {
		t.Fatalf("Devices = %+v; want 2", devs)
	}
	d0, d1 := devs[0], devs[1]
	if d0.Name != "acpivmgenid0" || d0.Path != "dev.vmgenc.0" || d0.HID != "QEMUVGID" ||
		!slices.Equal(d0.CIDs, []string{"VM_GEN_COUNTER"}) || d0.Origin != "sysctl" || d0.PAddr != 0 {
		t.Errorf("device 0 = %+v", d0)
	}
	if !errors.Is(d0.AddrErr, ErrAddrNotExported) {
		t.Errorf("device 0 AddrErr = %v; want ErrAddrNotExported", d0.AddrErr)
	}
	// Discovery order names the devices, whatever the unit numbers.
	if d1.Name != "acpivmgenid1" || d1.Path != "dev.vmgenc.2" || d1.HID != "" || !slices.Equal(d1.CIDs, []string{"VM_Gen_Counter"}) {
		t.Errorf("device 1 = %+v", d1)
	}
	if p := s.ACPIPath(d0); p != `\_SB_.VGEN` {
		t.Errorf("ACPIPath = %q", p)
	}
	if p := s.ACPIPath(d1); p != "" {
		t.Errorf("ACPIPath without %%location = %q", p)
	}
	m.Set("dev.vmgenc.0.%location", []byte(`handle="\_SB_.VGEN`))
	if p := s.ACPIPath(d0); p != "" {
		t.Errorf("ACPIPath of malformed %%location = %q", p)
	}
	if p := s.ACPIPath(source.Device{Path: "dev.vmgenc"}); p != "" {
		t.Errorf("ACPIPath of a foreign device = %q", p)
	}
}

func TestFreeBSDDevicesNone(t *testing.T) {
	m := sysctl.NewMap(map[string][]byte{"kern.ostype": []byte("FreeBSD\x00")})
	devs, err := NewFreeBSD(m).Devices()
	if err != nil || len(devs) != 0 {
		t.Fatalf("Devices = %+v, %v; want none", devs, err)
	}
	// The probe path finds none either.
	devs, err = NewFreeBSD(unlistable{m, syscall.EIO}).Devices()
	if err != nil || len(devs) != 0 {
		t.Fatalf("probed Devices = %+v, %v; want none", devs, err)
	}
}

func TestFreeBSDReadID(t *testing.T) {
	m := freebsdGuest()
	s := NewFreeBSD(m)
	d := source.Device{Name: "acpivmgenid0", Path: "dev.vmgenc.0"}
	id, method, err := s.ReadID(d)
	if err != nil || id != qemuID || method != "sysctl dev.vmgenc.0.guid" {
		t.Fatalf("ReadID = %v, %q, %v", id, method, err)
	}
	m.Set("dev.vmgenc.0.guid", otherID[:])
	if id, _, err := s.ReadID(d); err != nil || id != otherID {
		t.Fatalf("ReadID after change = %v, %v", id, err)
	}

	tests := []struct {
		name string
		set  func(m *sysctl.Map)
		dev  source.Device
		want string
	}{
		{"short", func(m *sysctl.Map) { m.Set("dev.vmgenc.0.guid", make([]byte, 15)) }, d, "15 bytes, want 16"},
		{"long", func(m *sysctl.Map) { m.Set("dev.vmgenc.0.guid", make([]byte, 32)) }, d, "32 bytes, want 16"},
		{"gone", func(m *sysctl.Map) { m.Delete("dev.vmgenc.0.guid") }, d, "does not exist"},
		{"denied", func(m *sysctl.Map) { m.SetErr("dev.vmgenc.0.guid", syscall.EACCES) }, d, "needs root"},
		{"other failure", func(m *sysctl.Map) { m.SetErr("dev.vmgenc.0.guid", syscall.EIO) }, d, "input/output error"},
		{"node", func(m *sysctl.Map) { m.Delete("dev.vmgenc.0.guid"); m.Set("dev.vmgenc.0.guid.x", nil) }, d, "not a value node"},
		{"foreign", nil, source.Device{Name: "x", Path: "hw.acpivmgenid0"}, "not a dev.vmgenc.N"},
		{"negative unit", nil, source.Device{Name: "x", Path: "dev.vmgenc.-1"}, "not a dev.vmgenc.N"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := freebsdGuest()
			if tt.set != nil {
				tt.set(m)
			}
			_, _, err := NewFreeBSD(m).ReadID(tt.dev)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadID error = %v; want it to say %q", err, tt.want)
			}
		})
	}
}

func TestParsePNPInfo(t *testing.T) {
	tests := []struct {
		in   string
		hid  string
		cids []string
	}{
		{"_HID=QEMUVGID _UID=0 _CID=VM_GEN_COUNTER", "QEMUVGID", []string{"VM_GEN_COUNTER"}},
		{"_HID=none _UID=0", "", nil},
		{"_HID=VMGENCTR _CID=none", "VMGENCTR", nil},
		{"", "", nil},
		{`_HID="broken`, "", nil},
	}
	for _, tt := range tests {
		hid, cids := parsePNPInfo(tt.in)
		if hid != tt.hid || !slices.Equal(cids, tt.cids) {
			t.Errorf("parsePNPInfo(%q) = %q, %q; want %q, %q", tt.in, hid, cids, tt.hid, tt.cids)
		}
	}
}

func TestForOS(t *testing.T) {
	src, err := ForOS("netbsd", netbsdGuest())
	if _, ok := src.(*NetBSD); err != nil || !ok {
		t.Errorf("ForOS(netbsd) = %T, %v", src, err)
	}
	src, err = ForOS("freebsd", freebsdGuest())
	if _, ok := src.(*FreeBSD); err != nil || !ok {
		t.Errorf("ForOS(freebsd) = %T, %v", src, err)
	}
	empty := sysctl.NewMap(map[string][]byte{"hw.ncpu": u32(1)})
	for goos, driver := range map[string]string{"netbsd": "acpivmgenid(4)", "freebsd": "vmgenc(4)"} {
		_, err := ForOS(goos, empty)
		var nde *NoDriverError
		if !errors.As(err, &nde) || !strings.Contains(err.Error(), driver) {
			t.Errorf("ForOS(%s) without devices = %v; want a NoDriverError naming %s", goos, err, driver)
		}
	}
	if _, err := ForOS("linux", empty); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("ForOS(linux) = %v; want ErrUnsupported", err)
	}
	if _, err := ForOS("netbsd", unlistable{empty, errors.ErrUnsupported}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("ForOS(netbsd) without sysctl = %v; want ErrUnsupported", err)
	}
}

func TestCheckFallback(t *testing.T) {
	_, noDriver := ForOS("netbsd", sysctl.NewMap(nil))
	if noDriver == nil {
		t.Fatal("ForOS on an empty tree succeeded")
	}
	dir := t.TempDir()
	mem := filepath.Join(dir, "mem")
	if err := os.WriteFile(mem, make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFallback(noDriver, mem); err != nil {
		t.Errorf("CheckFallback with readable memory = %v; want nil", err)
	}
	missing := filepath.Join(dir, "nomem")
	err := CheckFallback(noDriver, missing)
	var fe *FallbackError
	if !errors.As(err, &fe) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("CheckFallback without memory = %v; want a FallbackError wrapping not-exist", err)
	}
	for _, want := range []string{"acpivmgenid(4)", "NetBSD 11", missing, "physical memory"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("CheckFallback error %q does not say %q", err, want)
		}
	}
	var nde *NoDriverError
	if !errors.As(err, &nde) {
		t.Error("FallbackError does not unwrap to the NoDriverError")
	}
	other := errors.New("sysctl broke")
	if err := CheckFallback(other, mem); err != other {
		t.Errorf("CheckFallback(other error) = %v; want it unchanged", err)
	}
}

func TestSystem(t *testing.T) {
	// On the OS running the test: a BSD reports its driver's source or
	// NoDriverError; any other OS has no driver source at all.
	src, err := System()
	var nde *NoDriverError
	switch runtime.GOOS {
	case "netbsd", "freebsd":
		if err != nil && !errors.As(err, &nde) {
			t.Errorf("System() = %v, %v; want a source or a NoDriverError", src, err)
		}
	default:
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("System() on %s = %v, %v; want ErrUnsupported", runtime.GOOS, src, err)
		}
	}
}
