package aml

import "fmt"

// Bits of a device's _STA (ACPI 6.5, 6.3.7).
const (
	STAPresent    = 1 << 0
	STAEnabled    = 1 << 1
	STAShown      = 1 << 2
	STAFunctional = 1 << 3
)

// STADefault is the status of a device without _STA: present, enabled,
// shown and functioning.
const STADefault = STAPresent | STAEnabled | STAShown | STAFunctional

// FoundDevice is a device FindDevices matched, with its status.
type FoundDevice struct {
	Node *Node
	// HID and CIDs are the evaluated _HID and _CID values.
	HID  string
	CIDs []string
	// Status is the device's own _STA; STADefault when it has none or
	// when it fails, as operating systems assume.
	Status uint64
	// HiddenBy is the path of an enclosing device whose _STA says it is
	// neither present nor functioning, which hides its children from
	// enumeration; empty when none does.
	HiddenBy string
	// StatusErrs says which _STA evaluations (the device's own or an
	// enclosing device's) failed; each was taken as STADefault.
	StatusErrs []error
}

// Present reports whether an operating system enumerates the device: its
// _STA has the present bit and no enclosing device hides it.
func (d *FoundDevice) Present() bool {
	return d.Status&STAPresent != 0 && d.HiddenBy == ""
}

// FindDevices returns the devices whose _HID or one of whose _CID values
// match accepts, in namespace order, each with its status.
//
// _STA is evaluated only for these devices and the devices enclosing them:
// other devices' _STA methods read registers of hardware that is none of
// the caller's business. An enclosing device hides its children when its
// _STA has neither the present nor the functioning bit, as ACPI and Linux
// have it; the enclosing devices are looked at from the nearest outwards,
// up to the first that hides.
func (ns *Namespace) FindDevices(match func(id string) bool) []FoundDevice {
	var out []FoundDevice
	type status struct {
		sta uint64
		err error
	}
	cache := map[*Node]status{}
	eval := func(n *Node) (uint64, error) {
		if s, ok := cache[n]; ok {
			return s.sta, s.err
		}
		sta, err := ns.status(n)
		cache[n] = status{sta, err}
		return sta, err
	}
	for _, n := range ns.Devices() {
		hid, cids := ns.DeviceIDs(n)
		ok := match(hid)
		for _, c := range cids {
			ok = ok || match(c)
		}
		if !ok {
			continue
		}
		d := FoundDevice{Node: n, HID: hid, CIDs: cids}
		for p := n.Parent(); p != nil && d.HiddenBy == ""; p = p.Parent() {
			if p.Kind() != KindDevice {
				continue
			}
			sta, err := eval(p)
			if err != nil {
				d.StatusErrs = append(d.StatusErrs, err)
			}
			if sta&(STAPresent|STAFunctional) == 0 {
				d.HiddenBy = DisplayPath(p.Path())
			}
		}
		var err error
		if d.Status, err = eval(n); err != nil {
			d.StatusErrs = append(d.StatusErrs, err)
		}
		out = append(out, d)
	}
	return out
}

// status evaluates a device's _STA; STADefault when there is none or it
// fails (then with the error).
func (ns *Namespace) status(n *Node) (uint64, error) {
	sta := n.Child("_STA")
	if sta == nil {
		return STADefault, nil
	}
	v, err := ns.Evaluate(sta)
	if err != nil {
		return STADefault, err
	}
	i, ok := v.(Integer)
	if !ok {
		return STADefault, fmt.Errorf("%s._STA is %s, not an Integer", DisplayPath(n.Path()), TypeName(v))
	}
	return uint64(i), nil
}
