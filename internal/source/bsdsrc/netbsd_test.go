package bsdsrc

import (
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// The values below have the shapes NetBSD's acpi_vmgenid.c and
// kern_entropy.c give them: id a 16-byte CTLTYPE_STRUCT, paddr a
// CTLTYPE_QUAD, kern.entropy.epoch a CTLTYPE_INT. The ID is QEMU's
// guid=aabbccdd-eeff-0011-2233-445566778899 in memory order, the address
// the one a q35 guest with 256 MiB shows (testdata/qemu-q35's SSDT: VGIA
// 0x0FFFF000 plus 0x28).
var (
	qemuID    = genid.ID{0xdd, 0xcc, 0xbb, 0xaa, 0xff, 0xee, 0x11, 0x00, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99}
	otherID   = genid.ID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	qemuPAddr = uint64(0x0ffff028)
)

func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }

// netbsdGuest is a NetBSD 11 guest with one acpivmgenid device, as root.
func netbsdGuest() *sysctl.Map {
	return sysctl.NewMap(map[string][]byte{
		"hw.acpivmgenid0.id":    qemuID[:],
		"hw.acpivmgenid0.paddr": u64(qemuPAddr),
		"hw.ncpu":               u32(1),
		"hw.acpi.root":          u64(0xf5a40),
		"kern.entropy.epoch":    u32(3),
		"kern.ostype":           []byte("NetBSD\x00"),
	})
}

func TestNetBSDDevices(t *testing.T) {
	m := netbsdGuest()
	m.Set("hw.acpivmgenid1.id", otherID[:])
	m.SetUint64("hw.acpivmgenid1.paddr", 0x7ffff028)
	m.Set("hw.acpivmgenid10.id", otherID[:])
	m.SetUint64("hw.acpivmgenid10.paddr", 0x7ffff029) // misaligned
	// Lookalikes that are not units.
	m.SetUint32("hw.acpivmgenidx.foo", 1)
	m.SetUint32("hw.acpivmgenid01.foo", 1)
	m.SetUint32("hw.acpivmgenid.foo", 1)

	s := NewNetBSD(m)
	if s.Kind() != "netbsd" {
		t.Errorf("Kind = %q", s.Kind())
	}
	devs, err := s.Devices()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name, path string
		paddr      uint64
		addrWarn   bool
	}{
		{"acpivmgenid0", "hw.acpivmgenid0", qemuPAddr, false},
		{"acpivmgenid1", "hw.acpivmgenid1", 0x7ffff028, false},
		{"acpivmgenid10", "hw.acpivmgenid10", 0x7ffff029, true},
	}
	if len(devs) != len(want) {
		t.Fatalf("Devices = %+v; want %d devices", devs, len(want))
	}
	for i, w := range want {
		d := devs[i]
		if d.Name != w.name || d.Path != w.path || d.PAddr != w.paddr || d.Origin != "sysctl" {
			t.Errorf("device %d = %+v; want name %s path %s paddr %#x", i, d, w.name, w.path, w.paddr)
		}
		var aw *source.AddrWarning
		if got := errors.As(d.AddrErr, &aw); got != w.addrWarn {
			t.Errorf("device %d AddrErr = %v; want warning %v", i, d.AddrErr, w.addrWarn)
		}
	}
}

func TestNetBSDDevicesBadPAddr(t *testing.T) {
	tests := []struct {
		name   string
		set    func(m *sysctl.Map)
		want   string
		errIs  error
		isPerm bool
	}{
		{"not root", func(m *sysctl.Map) { m.SetErr("hw.acpivmgenid0.paddr", syscall.EPERM) }, "needs root", nil, true},
		{"wrong size", func(m *sysctl.Map) { m.Set("hw.acpivmgenid0.paddr", []byte{1, 2, 3}) }, "wrong size", sysctl.ErrSize, false},
		{"missing", func(m *sysctl.Map) { m.Delete("hw.acpivmgenid0.paddr") }, "does not exist", nil, false},
		{"zero", func(m *sysctl.Map) { m.SetUint64("hw.acpivmgenid0.paddr", 0) }, "physical address is 0", source.ErrNoAddr, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := netbsdGuest()
			tt.set(m)
			devs, err := NewNetBSD(m).Devices()
			if err != nil {
				t.Fatal(err)
			}
			if len(devs) != 1 {
				t.Fatalf("Devices = %+v; want 1", devs)
			}
			e := devs[0].AddrErr
			if e == nil || !strings.Contains(e.Error(), tt.want) {
				t.Fatalf("AddrErr = %v; want it to say %q", e, tt.want)
			}
			if tt.errIs != nil && !errors.Is(e, tt.errIs) {
				t.Errorf("AddrErr = %v; want errors.Is %v", e, tt.errIs)
			}
			if sysctl.IsPermission(e) != tt.isPerm {
				t.Errorf("IsPermission(%v) = %v", e, !tt.isPerm)
			}
		})
	}
}

func TestNetBSDDevicesNone(t *testing.T) {
	m := sysctl.NewMap(map[string][]byte{"hw.ncpu": u32(1), "kern.entropy.epoch": u32(3)})
	devs, err := NewNetBSD(m).Devices()
	if err != nil || len(devs) != 0 {
		t.Fatalf("Devices = %+v, %v; want none, nil", devs, err)
	}
}

// unlistable fails Children with a chosen error, so the probe runs.
type unlistable struct {
	sysctl.Reader
	err error
}

func (u unlistable) Children(name string) ([]string, error) {
	return nil, &sysctl.Error{Op: "list", Name: name, Err: u.err}
}

func TestNetBSDDevicesProbe(t *testing.T) {
	m := netbsdGuest()
	m.Set("hw.acpivmgenid1.id", otherID[:])
	m.SetErr("hw.acpivmgenid1.id", syscall.EPERM) // exists, root only
	m.Set("hw.acpivmgenid3.id", otherID[:])       // after a gap: not reached
	devs, err := NewNetBSD(unlistable{m, syscall.EIO}).Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2 || devs[0].Path != "hw.acpivmgenid0" || devs[1].Path != "hw.acpivmgenid1" {
		t.Fatalf("Devices = %+v; want units 0 and 1", devs)
	}

	// A probe that fails for another reason than absence is an error.
	m.SetErr("hw.acpivmgenid0.id", syscall.EIO)
	if _, err := NewNetBSD(unlistable{m, syscall.EIO}).Devices(); err == nil || !errors.Is(err, syscall.EIO) {
		t.Fatalf("Devices with failing probe: err = %v; want EIO", err)
	}
	// No sysctl at all (not a BSD): unsupported, said so.
	if _, err := NewNetBSD(unlistable{m, errors.ErrUnsupported}).Devices(); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Devices without sysctl: err = %v; want ErrUnsupported", err)
	}
}

func TestNetBSDReadID(t *testing.T) {
	m := netbsdGuest()
	s := NewNetBSD(m)
	devs, err := s.Devices()
	if err != nil || len(devs) != 1 {
		t.Fatalf("Devices = %+v, %v", devs, err)
	}
	d := devs[0]
	id, method, err := s.ReadID(d)
	if err != nil || id != qemuID || method != "sysctl hw.acpivmgenid0.id" {
		t.Fatalf("ReadID = %v, %q, %v; want %v", id, method, err, qemuID)
	}
	if id.GUID() != "aabbccdd-eeff-0011-2233-445566778899" {
		t.Errorf("GUID = %s", id.GUID())
	}
	m.Set("hw.acpivmgenid0.id", otherID[:])
	if id, _, err := s.ReadID(d); err != nil || id != otherID {
		t.Fatalf("ReadID after change = %v, %v; want %v", id, err, otherID)
	}
}

func TestNetBSDReadIDErrors(t *testing.T) {
	tests := []struct {
		name  string
		set   func(m *sysctl.Map)
		dev   *source.Device
		want  string
		check func(error) bool
	}{
		{"not root", func(m *sysctl.Map) { m.SetErr("hw.acpivmgenid0.id", syscall.EPERM) }, nil, "needs root", sysctl.IsPermission},
		{"EACCES", func(m *sysctl.Map) { m.SetErr("hw.acpivmgenid0.id", syscall.EACCES) }, nil, "needs root", sysctl.IsPermission},
		{"8 bytes", func(m *sysctl.Map) { m.Set("hw.acpivmgenid0.id", make([]byte, 8)) }, nil, "8 bytes, want 16", isSize},
		{"17 bytes", func(m *sysctl.Map) { m.Set("hw.acpivmgenid0.id", make([]byte, 17)) }, nil, "17 bytes, want 16", isSize},
		{"empty", func(m *sysctl.Map) { m.Set("hw.acpivmgenid0.id", nil) }, nil, "0 bytes, want 16", isSize},
		{"detached", func(m *sysctl.Map) { m.Delete("hw.acpivmgenid0.id"); m.Delete("hw.acpivmgenid0.paddr") }, nil, "does not exist", sysctl.IsNotExist},
		{"foreign device", nil, &source.Device{Name: "acpivmgenid0", Path: `\_SB.VGEN`}, `not a hw.acpivmgenidN`, nil},
		{"other node", nil, &source.Device{Name: "x", Path: "kern.entropy"}, `not a hw.acpivmgenidN`, nil},
		{"node with dots", nil, &source.Device{Name: "x", Path: "hw.acpivmgenid0.id"}, `not a hw.acpivmgenidN`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := netbsdGuest()
			if tt.set != nil {
				tt.set(m)
			}
			d := source.Device{Name: "acpivmgenid0", Path: "hw.acpivmgenid0"}
			if tt.dev != nil {
				d = *tt.dev
			}
			_, _, err := NewNetBSD(m).ReadID(d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadID error = %v; want it to say %q", err, tt.want)
			}
			if tt.check != nil && !tt.check(err) {
				t.Errorf("ReadID error = %v: wrong kind", err)
			}
		})
	}
}

func isSize(err error) bool { return errors.Is(err, sysctl.ErrSize) }

// flapping returns a different ID on every read of one node, as if the
// host rewrote it during each copy; after settleAfter reads it settles.
type flapping struct {
	sysctl.Reader
	node        string
	mu          sync.Mutex
	n           int
	settleAfter int
}

func (f *flapping) Raw(name string) ([]byte, error) {
	if name != f.node {
		return f.Reader.Raw(name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	if f.settleAfter > 0 && f.n > f.settleAfter {
		return otherID[:], nil
	}
	b := make([]byte, 16)
	b[0] = byte(f.n)
	return b, nil
}

func TestNetBSDReadIDTorn(t *testing.T) {
	d := source.Device{Name: "acpivmgenid0", Path: "hw.acpivmgenid0"}
	f := &flapping{Reader: netbsdGuest(), node: "hw.acpivmgenid0.id"}
	_, _, err := NewNetBSD(f).ReadID(d)
	var te *genid.TornError
	if !errors.As(err, &te) || te.Tries != genid.StableReads || te.From != "sysctl hw.acpivmgenid0.id" {
		t.Fatalf("ReadID of an ever-changing ID: err = %v; want TornError", err)
	}
	f = &flapping{Reader: netbsdGuest(), node: "hw.acpivmgenid0.id", settleAfter: 3}
	id, _, err := NewNetBSD(f).ReadID(d)
	if err != nil || id != otherID {
		t.Fatalf("ReadID of an ID that settles: %v, %v; want %v", id, err, otherID)
	}
}

func TestReadKernelEpoch(t *testing.T) {
	tests := []struct {
		name      string
		value     []byte
		err       error
		want      KernelEpoch
		wantError string
	}{
		{"int", u32(3), nil, KernelEpoch{3, true}, ""},
		{"not ready", u32(0xffffffff), nil, KernelEpoch{0xffffffff, false}, ""},
		{"wrapped", u32(1), nil, KernelEpoch{1, true}, ""},
		{"quad", u64(1 << 40), nil, KernelEpoch{1 << 40, true}, ""},
		{"quad not ready", u64(^uint64(0)), nil, KernelEpoch{^uint64(0), false}, ""},
		{"quad 32-bit all ones is ready", u64(0xffffffff), nil, KernelEpoch{0xffffffff, true}, ""},
		{"short", []byte{1, 2}, nil, KernelEpoch{}, "2 bytes, want 4 or 8"},
		{"private (older kernels)", nil, syscall.EPERM, KernelEpoch{}, "needs root"},
		{"missing", nil, syscall.ENOENT, KernelEpoch{}, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sysctl.NewMap(map[string][]byte{NetBSDEpochNode: tt.value})
			if tt.err != nil {
				m.SetErr(NetBSDEpochNode, tt.err)
			}
			got, err := ReadKernelEpoch(m)
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) || !strings.Contains(err.Error(), NetBSDEpochNode) {
					t.Fatalf("ReadKernelEpoch = %+v, %v; want an error naming the node and saying %q", got, err, tt.wantError)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ReadKernelEpoch = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestEpochWatcherPoll(t *testing.T) {
	m := sysctl.NewMap(map[string][]byte{NetBSDEpochNode: u32(0xffffffff)})
	w := NewEpochWatcher(m)
	if _, ok := w.Last(); ok {
		t.Fatal("Last before any Poll reports a value")
	}
	steps := []struct {
		set     uint32
		changed bool
		reason  string
		count   uint64
	}{
		{0xffffffff, false, "", 0}, // first poll: records only
		{0xffffffff, false, "", 0},
		{1, true, "kern.entropy.epoch became ready (1)", 1},
		{1, false, "", 0},
		{2, true, "kern.entropy.epoch advanced 1 -> 2", 1},
		{5, true, "kern.entropy.epoch advanced 2 -> 5", 3},
		{0xfffffffd, true, "kern.entropy.epoch advanced 5 -> 4294967293", 0xfffffffd - 5},
		{1, true, "kern.entropy.epoch advanced 4294967293 -> 1", 2}, // ...fe, then wrap to 1
	}
	for i, st := range steps {
		m.SetUint32(NetBSDEpochNode, st.set)
		c, changed, err := w.Poll()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if changed != st.changed {
			t.Fatalf("step %d (%d): changed = %v", i, st.set, changed)
		}
		if changed {
			if c.Reason() != st.reason {
				t.Errorf("step %d: reason %q; want %q", i, c.Reason(), st.reason)
			}
			if n := c.Advances(); n != st.count {
				t.Errorf("step %d: Advances = %d; want %d", i, n, st.count)
			}
		}
		if last, ok := w.Last(); !ok || last.Value != uint64(st.set) {
			t.Errorf("step %d: Last = %+v, %v", i, last, ok)
		}
	}
	// A failed read changes nothing.
	m.SetErr(NetBSDEpochNode, syscall.EIO)
	if _, _, err := w.Poll(); err == nil {
		t.Fatal("Poll with failing sysctl succeeded")
	}
	m.SetUint32(NetBSDEpochNode, 1)
	if _, changed, err := w.Poll(); err != nil || changed {
		t.Fatalf("Poll after recovery = %v, %v; want no change", changed, err)
	}
}

func TestKernelValues(t *testing.T) {
	m := netbsdGuest()
	vals, err := KernelValues(m)
	if err != nil {
		t.Fatal(err)
	}
	want := []Value{
		{Name: "hw.acpivmgenid0.id", Text: "ddccbbaaffee11002233445566778899"},
		{Name: "hw.acpivmgenid0.paddr", Text: "268431400"},
		{Name: "kern.entropy.epoch", Text: "3"},
	}
	if len(vals) != len(want) {
		t.Fatalf("KernelValues = %+v", vals)
	}
	for i := range want {
		if vals[i] != want[i] {
			t.Errorf("value %d = %+v; want %+v", i, vals[i], want[i])
		}
	}
	// As a normal user: the ID and address are private, the epoch is not.
	m.SetErr("hw.acpivmgenid0.id", syscall.EPERM)
	m.SetErr("hw.acpivmgenid0.paddr", syscall.EPERM)
	vals, err = KernelValues(unlistable{m, syscall.EIO})
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 3 || !sysctl.IsPermission(vals[0].Err) || !sysctl.IsPermission(vals[1].Err) || vals[2].Text != "3" {
		t.Fatalf("KernelValues as a user = %+v", vals)
	}
}
