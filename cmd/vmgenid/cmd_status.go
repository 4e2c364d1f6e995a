package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vmgenid/vmgenid/internal/status"
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

// runStatus prints the report. The exit status is 1 when no ID could be
// read, so that scripts can tell; the report says why.
func runStatus(env *cmdEnv, asJSON bool) error {
	rep, ok := status.Build(env.global.sourceOptions())
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

func printStatus(w io.Writer, rep status.Report) {
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
