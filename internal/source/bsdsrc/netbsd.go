package bsdsrc

import (
	"fmt"
	"strings"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// NetBSD sysctl names (acpivmgenid(4), entropy(7)).
const (
	// NetBSDDevicePrefix is the node name of each device below "hw",
	// followed by its unit number.
	NetBSDDevicePrefix = "acpivmgenid"
	// NetBSDEpochNode is the kernel's entropy epoch: a u_int that
	// advances whenever the kernel consolidates entropy, including on
	// every VM generation ID change. Readable by anyone on current
	// NetBSD (root only on some older releases).
	NetBSDEpochNode = "kern.entropy.epoch"
)

// NetBSD is the Source of NetBSD's acpivmgenid(4) driver (NetBSD 11 and
// later): hw.acpivmgenidN.id (16 bytes, root only) and
// hw.acpivmgenidN.paddr (root only).
//
// The driver reads the ID from the host's page on each query, so ReadID
// sees a change as soon as the host makes it; the kernel itself mixes the
// new ID into its entropy pool and advances kern.entropy.epoch when the
// host notifies it (see EpochWatcher).
type NetBSD struct {
	r sysctl.Reader
}

// NewNetBSD returns the NetBSD source reading through r
// (sysctl.System() for the running kernel).
func NewNetBSD(r sysctl.Reader) *NetBSD { return &NetBSD{r: r} }

// Kind implements source.Source.
func (s *NetBSD) Kind() string { return "netbsd" }

// Devices implements source.Source: one Device per hw.acpivmgenidN node,
// numerically ordered. PAddr comes from hw.acpivmgenidN.paddr; if that
// cannot be read (not root) AddrErr says why, and the ID may still be
// unreadable for the same reason. The sysctl tree does not carry the
// device's ACPI path or IDs, so Path is the sysctl node and HID is empty.
func (s *NetBSD) Devices() ([]source.Device, error) {
	units, err := unitNames(s.r, "hw", NetBSDDevicePrefix, "id")
	if err != nil {
		return nil, fmt.Errorf("netbsd: looking for hw.%sN: %w", NetBSDDevicePrefix, err)
	}
	devs := make([]source.Device, 0, len(units))
	for _, n := range units {
		node := fmt.Sprintf("hw.%s%d", NetBSDDevicePrefix, n)
		d := source.Device{
			Name:     fmt.Sprintf("%s%d", NetBSDDevicePrefix, n),
			Path:     node,
			Origin:   "sysctl",
			ByKernel: true,
		}
		paddr, err := sysctl.Uint(s.r, node+".paddr")
		if err != nil {
			d.AddrErr = explain(node+".paddr", "the ID's physical address", err)
		} else {
			d.PAddr = paddr
			d.AddrErr = source.CheckAddr(paddr)
		}
		devs = append(devs, d)
	}
	return devs, nil
}

// ReadID implements source.Source, reading hw.acpivmgenidN.id until two
// reads agree. Only root may read the node.
func (s *NetBSD) ReadID(d source.Device) (genid.ID, string, error) {
	node, err := netbsdNode(d)
	if err != nil {
		return genid.ID{}, "", err
	}
	name := node + ".id"
	method := "sysctl " + name
	id, err := readIDStable(s.r, name)
	if err != nil {
		return genid.ID{}, method, fmt.Errorf("netbsd: %w", explain(name, "the VM generation ID", err))
	}
	return id, method, nil
}

// netbsdNode returns the hw.acpivmgenidN node of a device this source
// found, refusing anything else so that a foreign Device cannot steer the
// read elsewhere.
func netbsdNode(d source.Device) (string, error) {
	rest, ok := strings.CutPrefix(d.Path, "hw.")
	if ok {
		if _, isUnit := unitNumber(rest, NetBSDDevicePrefix); isUnit {
			return d.Path, nil
		}
	}
	return "", fmt.Errorf("netbsd: device %s: path %q is not a hw.%sN sysctl node", d.Name, d.Path, NetBSDDevicePrefix)
}

// KernelEpoch is a reading of NetBSD's kern.entropy.epoch.
type KernelEpoch struct {
	// Value is the epoch as the kernel holds it (a 32-bit u_int today;
	// an 8-byte value is accepted too).
	Value uint64
	// Ready is false while the kernel has never consolidated full
	// entropy: it reports all ones (u_int -1) until then. Once ready the
	// epoch is never 0 nor all ones and wraps to 1, the same rules as
	// the state file's epoch.
	Ready bool
}

// ReadKernelEpoch reads kern.entropy.epoch.
func ReadKernelEpoch(r sysctl.Reader) (KernelEpoch, error) {
	b, err := r.Raw(NetBSDEpochNode)
	if err != nil {
		return KernelEpoch{}, fmt.Errorf("netbsd: %w", explain(NetBSDEpochNode, "the kernel's entropy epoch", err))
	}
	v, err := sysctl.DecodeUint(b)
	if err != nil {
		return KernelEpoch{}, fmt.Errorf("netbsd: %s: %w", NetBSDEpochNode, err)
	}
	notReady := uint64(1)<<(8*len(b)) - 1
	if len(b) == 8 {
		notReady = ^uint64(0)
	}
	return KernelEpoch{Value: v, Ready: v != notReady}, nil
}

// Value is one kernel sysctl variable formatted for display.
type Value struct {
	Name string
	Text string // as NetBSD's sysctl(8) shows it, IDs as 32 hex digits
	Err  error  // why the value could not be read; Text is empty then
}

// KernelValues returns what `vmgenid sysctl` shows on NetBSD: the
// kernel's own hw.acpivmgenidN.id and .paddr for every device and
// kern.entropy.epoch, each with its own error (unreadable values do not
// hide the others). Integers are decimal, as sysctl(8) prints them; the
// ID is 32 hex digits in memory order, as the driver logs it.
func KernelValues(r sysctl.Reader) ([]Value, error) {
	src := NewNetBSD(r)
	devs, err := src.Devices()
	if err != nil {
		return nil, err
	}
	var vals []Value
	for _, d := range devs {
		id, _, err := src.ReadID(d)
		v := Value{Name: d.Path + ".id", Err: err}
		if err == nil {
			v.Text = id.String()
		}
		vals = append(vals, v)
		pv := Value{Name: d.Path + ".paddr"}
		if paddr, err := sysctl.Uint(r, pv.Name); err != nil {
			pv.Err = explain(pv.Name, "the ID's physical address", err)
		} else {
			pv.Text = fmt.Sprint(paddr)
		}
		vals = append(vals, pv)
	}
	ev := Value{Name: NetBSDEpochNode}
	if e, err := ReadKernelEpoch(r); err != nil {
		ev.Err = err
	} else {
		ev.Text = fmt.Sprint(e.Value)
	}
	return append(vals, ev), nil
}
