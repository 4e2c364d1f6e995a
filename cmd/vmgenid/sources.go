package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/source"
)

// sourceOptions turns the global flags into where sources look.
func (g *globalFlags) sourceOptions() source.Options {
	return source.Options{ACPITables: g.acpiTables, DeviceTree: g.deviceTree, Mem: g.mem, Platforms: g.platforms}
}

// discovery is what the sources found.
type discovery struct {
	sources  []source.Source
	found    []source.Found
	problems []error // sources that could not look
}

// discover finds the devices the global flags point at. The error, when
// no device is found, says where it looked and why each place failed.
func discover(env *cmdEnv) (*discovery, error) {
	srcs, err := source.Detect(env.global.sourceOptions())
	if err != nil {
		return nil, err
	}
	found, problems, err := source.FindAll(srcs)
	d := &discovery{sources: srcs, found: found, problems: problems}
	if err != nil {
		d.close()
		return d, err
	}
	return d, nil
}

func (d *discovery) close() {
	if d != nil {
		// Nothing was written; a close error changes nothing.
		_ = source.CloseAll(d.sources)
	}
}

// lookup returns the device called name.
func (d *discovery) lookup(name string) (source.Found, bool) {
	for _, f := range d.found {
		if f.Name == name {
			return f, true
		}
	}
	return source.Found{}, false
}

func (d *discovery) names() []string {
	var out []string
	for _, f := range d.found {
		out = append(out, f.Name)
	}
	return out
}

// reading is the outcome of reading one device's ID.
type reading struct {
	id     genid.ID
	method string
	err    error
}

func readID(f source.Found) reading {
	id, method, err := f.Source.ReadID(f.Device)
	return reading{id: id, method: method, err: err}
}

// warnOf returns the address warning of a device (misaligned, crossing a
// page), if it has one.
func warnOf(d source.Device) *source.AddrWarning {
	var w *source.AddrWarning
	if errors.As(d.AddrErr, &w) {
		return w
	}
	return nil
}

// printProblems writes the sources that could not look, one per line.
func printProblems(w io.Writer, cmd string, problems []error) {
	for _, p := range problems {
		fmt.Fprintf(w, "vmgenid %s: warning: %v\n", cmd, p)
	}
}
