package bsdsrc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// FreeBSDNode is the sysctl node of FreeBSD's vmgenc(4) devices: each unit
// N has dev.vmgenc.N.guid (16 bytes, readable by anyone) and the newbus
// strings %location ("handle=\_SB_.VGEN") and %pnpinfo ("_HID=QEMUVGID
// _UID=0 _CID=VM_GEN_COUNTER").
const FreeBSDNode = "dev.vmgenc"

// ErrAddrNotExported is the AddrErr of FreeBSD devices: vmgenc(4) maps the
// ID's page but does not say where it is.
var ErrAddrNotExported = errors.New("vmgenc(4) does not export the physical address")

// FreeBSD is the Source of FreeBSD's vmgenc(4) driver.
//
// The driver keeps a cached copy of the ID, refreshed when the host
// notifies the device of a change (it then also feeds the ID to the
// kernel's RNG and tells devd, see DevdWatcher); dev.vmgenc.N.guid returns
// that copy. The kernel does not keep an epoch, so the daemon maintains it
// as on Linux, polling ReadID.
type FreeBSD struct {
	r sysctl.Reader
}

// NewFreeBSD returns the FreeBSD source reading through r
// (sysctl.System() for the running kernel).
func NewFreeBSD(r sysctl.Reader) *FreeBSD { return &FreeBSD{r: r} }

// Kind implements source.Source.
func (s *FreeBSD) Kind() string { return "freebsd" }

// Devices implements source.Source: one Device per dev.vmgenc.N unit,
// numerically ordered and named acpivmgenid0, acpivmgenid1, … in that
// order. Path is the sysctl node; ACPIPath and HID/CIDs come from the
// device's %location and %pnpinfo when the kernel provides them (they are
// informational: a malformed one is ignored, never fatal).
func (s *FreeBSD) Devices() ([]source.Device, error) {
	units, err := unitNames(s.r, FreeBSDNode, "", "guid")
	if err != nil {
		return nil, fmt.Errorf("freebsd: looking for %s.N: %w", FreeBSDNode, err)
	}
	devs := make([]source.Device, 0, len(units))
	for i, n := range units {
		node := FreeBSDNode + "." + strconv.Itoa(n)
		d := source.Device{
			Name:     fmt.Sprintf("%s%d", NetBSDDevicePrefix, i),
			Path:     node,
			Origin:   "sysctl",
			ByKernel: true,
			AddrErr:  ErrAddrNotExported,
		}
		if pnp, err := sysctl.String(s.r, node+".%pnpinfo"); err == nil {
			d.HID, d.CIDs = parsePNPInfo(pnp)
		}
		devs = append(devs, d)
	}
	return devs, nil
}

// ACPIPath returns the ACPI namespace path of a FreeBSD device from its
// %location ("handle=\_SB_.VGEN"), or "" if the kernel does not say.
func (s *FreeBSD) ACPIPath(d source.Device) string {
	node, err := freebsdNode(d)
	if err != nil {
		return ""
	}
	loc, err := sysctl.String(s.r, node+".%location")
	if err != nil {
		return ""
	}
	fields, err := ParseFields(loc)
	if err != nil {
		return ""
	}
	h, _ := lookup(fields, "handle")
	return h
}

// ReadID implements source.Source, reading dev.vmgenc.N.guid until two
// reads agree.
func (s *FreeBSD) ReadID(d source.Device) (genid.ID, string, error) {
	node, err := freebsdNode(d)
	if err != nil {
		return genid.ID{}, "", err
	}
	name := node + ".guid"
	method := "sysctl " + name
	id, err := readIDStable(s.r, name)
	if err != nil {
		return genid.ID{}, method, fmt.Errorf("freebsd: %w", explain(name, "the VM generation ID", err))
	}
	return id, method, nil
}

// freebsdNode returns the dev.vmgenc.N node of a device this source found.
func freebsdNode(d source.Device) (string, error) {
	rest, ok := strings.CutPrefix(d.Path, FreeBSDNode+".")
	if ok {
		if _, isUnit := unitNumber(rest, ""); isUnit {
			return d.Path, nil
		}
	}
	return "", fmt.Errorf("freebsd: device %s: path %q is not a %s.N sysctl node", d.Name, d.Path, FreeBSDNode)
}

// parsePNPInfo takes _HID and _CID out of FreeBSD's ACPI %pnpinfo
// ("_HID=QEMUVGID _UID=0 _CID=VM_GEN_COUNTER"); "none" means absent.
func parsePNPInfo(s string) (hid string, cids []string) {
	fields, err := ParseFields(s)
	if err != nil {
		return "", nil
	}
	if v, ok := lookup(fields, "_HID"); ok && v != "none" {
		hid = v
	}
	for _, f := range fields {
		if !f.Bare && f.Key == "_CID" && f.Value != "none" && f.Value != "" {
			cids = append(cids, f.Value)
		}
	}
	return hid, cids
}
