package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vmgenid/vmgenid/internal/daemon"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/vmclock"
)

func init() {
	var asJSON bool
	register(&command{
		name:    "status",
		summary: "show every VM generation ID device (where it is defined, its address, its ID, or why it cannot be read) and every VMClock device",
		usage:   "",
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "print JSON instead of text")
		},
		run: func(env *cmdEnv, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unexpected arguments %q", args)
			}
			return runStatus(env, asJSON)
		},
	})
}

// statusReport is what status prints; its JSON form is the --json output.
type statusReport struct {
	Sources []sourceStatus `json:"sources"`
	Devices []deviceStatus `json:"devices"`
	// VMClocks are the VMClock devices in the ACPI tables: not ID
	// devices, but another change signal the machine offers.
	VMClocks []vmclock.Status `json:"vmclocks,omitempty"`
	// Detection is how a daemon started with the defaults would learn of
	// a change: "event-driven" or "polling", and why.
	// Only when the tables are this machine's.
	Detection *detectionStatus `json:"detection,omitempty"`
	// Error says why nothing could be found, with where it looked.
	Error string `json:"error,omitempty"`
}

type detectionStatus struct {
	Mode   string   `json:"mode"`
	Events []string `json:"events,omitempty"`
	Why    string   `json:"why"`
}

type sourceStatus struct {
	Kind     string   `json:"kind"`
	Location string   `json:"location,omitempty"`
	Error    string   `json:"error,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

type deviceStatus struct {
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

func buildStatus(env *cmdEnv) (statusReport, bool) {
	var rep statusReport
	// The daemon's mode depends on this machine's kernel and devices:
	// said only when the tables are this machine's.
	if env.global.acpiTables == source.DefaultACPITables {
		plan := daemon.ProbePlan(daemon.DefaultDetectOptions())
		rep.Detection = &detectionStatus{Mode: plan.Mode.String(), Events: plan.Events, Why: plan.Why}
	}
	srcs, err := source.Detect(env.global.sourceOptions())
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
		ss := sourceStatus{Kind: s.Kind()}
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
	anyRead := false
	for _, f := range found {
		d := f.Device
		ds := deviceStatus{Name: f.Name, Source: f.Source.Kind(), Path: d.Path, HID: d.HID, CIDs: d.CIDs, Origin: d.Origin}
		if d.PAddr != 0 {
			ds.PAddr = fmt.Sprintf("%#x", d.PAddr)
		}
		if w := warnOf(d); w != nil {
			ds.PAddrWarning = w.Error()
		} else if d.AddrErr != nil {
			ds.PAddrError = d.AddrErr.Error()
		}
		// The BSD drivers' sysctl nodes need no address (FreeBSD's
		// vmgenc(4) does not even say it, NetBSD's hides it from
		// non-root): only memory reads do.
		if err := d.Readable(); err != nil && !d.ByKernel {
			ds.ReadError = "no usable address"
		} else {
			r := readID(f)
			ds.ReadBy = r.method
			if r.err != nil {
				ds.ReadError = r.err.Error()
			} else {
				ds.ID, ds.GUID = r.id.String(), r.id.GUID()
				anyRead = true
			}
		}
		rep.Devices = append(rep.Devices, ds)
	}
	return rep, anyRead
}

// runStatus prints the report. The exit status is 1 when no ID could be
// read, so that scripts can tell; the report says why.
func runStatus(env *cmdEnv, asJSON bool) error {
	rep, ok := buildStatus(env)
	if asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printStatus(env.stdout, rep)
	}
	if !ok {
		return errSilent
	}
	return nil
}

func printStatus(w io.Writer, rep statusReport) {
	for _, s := range rep.Sources {
		line := s.Kind
		if s.Location != "" {
			line += " " + s.Location
		}
		fmt.Fprintf(w, "source %s\n", line)
		if s.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", s.Error)
		}
		for _, warn := range s.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", warn)
		}
	}
	for _, d := range rep.Devices {
		fmt.Fprintf(w, "\n%s %s\n", d.Name, d.Path)
		field := func(k, v string) { fmt.Fprintf(w, "  %-10s %s\n", k, v) }
		origin := d.Origin
		if d.Source == "acpi" {
			origin = "table " + origin
			field("_HID", orNone(d.HID))
			if len(d.CIDs) > 0 {
				field("_CID", strings.Join(d.CIDs, ", "))
			}
		} else {
			field("compatible", strings.Join(append([]string{d.HID}, d.CIDs...), ", "))
		}
		if origin == d.Source {
			field("from", d.Source)
		} else {
			field("from", d.Source+", "+origin)
		}
		switch {
		case d.PAddrError != "":
			field("paddr", "unknown: "+d.PAddrError)
		case d.PAddrWarning != "":
			field("paddr", d.PAddr+" (warning: "+d.PAddrWarning+")")
		default:
			field("paddr", d.PAddr)
		}
		if d.ID != "" {
			field("id", d.ID)
			field("guid", d.GUID)
			field("read by", d.ReadBy)
		} else {
			field("id", "not read: "+d.ReadError)
		}
	}
	vmclock.PrintStatus(w, rep.VMClocks)
	if rep.Detection != nil {
		fmt.Fprintf(w, "\ndaemon    %s: %s\n", rep.Detection.Mode, rep.Detection.Why)
	}
	if rep.Error != "" {
		if len(rep.Sources) > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, rep.Error)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
