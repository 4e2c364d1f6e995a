// Package status builds the report "vmgenid status" prints: every VM
// generation ID device the sources find (where it is defined, its
// address, its ID or why it cannot be read), every VMClock device, and how
// a daemon started with the defaults would learn of a change.
//
// Its one caller is cmd/vmgenid's status command, which turns its flags
// into source.Options, calls Build and prints the Report (as text, or as
// JSON through the struct tags here). What is found and decided lives
// here; how it looks on the terminal lives in the command.
package status

import (
	"errors"
	"fmt"

	"github.com/vmgenid/vmgenid/internal/daemon"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/vmclock"
)

// Report is what status finds; its JSON form is the --json output.
type Report struct {
	Sources []Source `json:"sources"`
	Devices []Device `json:"devices"`
	// VMClocks are the VMClock devices in the ACPI tables: not ID
	// devices, but another change signal the machine offers.
	VMClocks []vmclock.Status `json:"vmclocks,omitempty"`
	// Detection is how a daemon started with the defaults would learn of
	// a change: "event-driven" or "polling", and why.
	// Only when the tables are this machine's.
	Detection *Detection `json:"detection,omitempty"`
	// Error says why nothing could be found, with where it looked.
	Error string `json:"error,omitempty"`
}

// Detection is the daemon's mode line: how it would learn of a change.
type Detection struct {
	Mode   string   `json:"mode"`
	Events []string `json:"events,omitempty"`
	Why    string   `json:"why"`
}

// Source is one place the command looked, and what went wrong there.
type Source struct {
	Kind     string   `json:"kind"`
	Location string   `json:"location,omitempty"`
	Error    string   `json:"error,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Device is one VM generation ID device and the outcome of reading it.
type Device struct {
	Name   string   `json:"name"`
	Source string   `json:"source"`
	Path   string   `json:"path"`
	HID    string   `json:"hid"`
	CIDs   []string `json:"cids,omitempty"`
	Origin string   `json:"origin"`
	// PAddr is hex ("0xdfff0"); empty when unknown.
	PAddr        string `json:"paddr,omitempty"`
	PAddrWarning string `json:"paddr_warning,omitempty"`
	PAddrError   string `json:"paddr_error,omitempty"`
	ID           string `json:"id,omitempty"`
	GUID         string `json:"guid,omitempty"`
	ReadBy       string `json:"read_by,omitempty"`
	ReadError    string `json:"read_error,omitempty"`
}

// warner is implemented by sources that collect non-fatal problems.
type warner interface{ Warnings() []error }

// Build looks where o says and reports what it finds. ok is false when
// no ID could be read (the command's exit status says so to scripts); the
// report then says why.
func Build(o source.Options) (rep Report, ok bool) {
	// The daemon's mode depends on this machine's kernel and devices:
	// said only when the tables are this machine's.
	if o.ACPITables == source.DefaultACPITables {
		plan := daemon.ProbePlan(daemon.DefaultDetectOptions())
		rep.Detection = &Detection{Mode: plan.Mode.String(), Events: plan.Events, Why: plan.Why}
	}
	srcs, err := source.Detect(o)
	if err != nil {
		rep.Error = err.Error()
		return rep, false
	}
	defer source.CloseAll(srcs)
	// The namespace the acpi source loads, once for both; its problems
	// are reported with that source below.
	if ns, _ := source.ACPINamespace(srcs); ns != nil {
		rep.VMClocks = vmclock.InspectNamespace(ns)
	}
	found, _, err := source.FindAll(srcs)
	if err != nil {
		rep.Error = err.Error()
	}
	// Per-source lines: Devices is cached by the sources, so asking
	// again costs nothing and gives each source's own error.
	for _, s := range srcs {
		ss := Source{Kind: s.Kind()}
		if l, ok := s.(source.Locator); ok {
			ss.Location = l.Location()
		}
		if _, err := s.Devices(); err != nil {
			ss.Error = err.Error()
		}
		if w, ok := s.(warner); ok {
			for _, e := range w.Warnings() {
				ss.Warnings = append(ss.Warnings, e.Error())
			}
		}
		rep.Sources = append(rep.Sources, ss)
	}
	for _, f := range found {
		ds, read := device(f)
		ok = ok || read
		rep.Devices = append(rep.Devices, ds)
	}
	return rep, ok
}

// device describes one found device and reads its ID when it can be
// read; read says whether it was.
func device(f source.Found) (ds Device, read bool) {
	d := f.Device
	ds = Device{Name: f.Name, Source: f.Source.Kind(), Path: d.Path, HID: d.HID, CIDs: d.CIDs, Origin: d.Origin}
	if d.PAddr != 0 {
		ds.PAddr = fmt.Sprintf("%#x", d.PAddr)
	}
	var warn *source.AddrWarning
	if errors.As(d.AddrErr, &warn) {
		ds.PAddrWarning = warn.Error()
	} else if d.AddrErr != nil {
		ds.PAddrError = d.AddrErr.Error()
	}
	// The BSD drivers' sysctl nodes need no address (FreeBSD's vmgenc(4)
	// does not even say it, NetBSD's hides it from non-root): only memory
	// reads do.
	if err := d.Readable(); err != nil && !d.ByKernel {
		ds.ReadError = "no usable address"
		return ds, false
	}
	id, method, err := f.Source.ReadID(d)
	ds.ReadBy = method
	if err != nil {
		ds.ReadError = err.Error()
		return ds, false
	}
	ds.ID, ds.GUID = id.String(), id.GUID()
	return ds, true
}
