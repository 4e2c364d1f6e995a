package acpi

import (
	"errors"
	"fmt"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// Namespace is the ACPI namespace built from one machine's tables, with
// what was wrong with them. A command or the daemon loads it once and asks
// it for every device (VM generation ID, VMClock) and event handler.
type Namespace struct {
	*aml.Namespace
	// Where says where the tables came from: a directory, or physical
	// memory at the RSDP.
	Where string
	// Warnings are what did not stop the load: bad checksums, malformed
	// tables left out, definition blocks that stopped loading part way.
	Warnings []error
}

// Load builds the namespace from the definition blocks among tables, DSDT
// first (AMLBlocks). The policy is the operating systems': every table is
// kept as far as it loads, and what did not load is a warning. warnings
// (from reading the tables) come first in the result's Warnings. The
// error is for tables with no DSDT or SSDT at all.
func Load(where string, tables []*Table, warnings []error, opts aml.Options) (*Namespace, error) {
	blocks := AMLBlocks(tables)
	if len(blocks) == 0 {
		return nil, fmt.Errorf("acpi tables %s: no DSDT or SSDT among %d tables", where, len(tables))
	}
	ns, err := aml.Load(blocks, opts)
	out := &Namespace{Namespace: ns, Where: where, Warnings: warnings}
	for _, e := range unjoin(err) {
		var ae *aml.Error
		if errors.As(e, &ae) {
			e = fmt.Errorf("table %s left out from offset %#x on: %w", ae.Table, ae.Offset, e)
		}
		out.Warnings = append(out.Warnings, e)
	}
	return out, nil
}

// LoadDir reads the tables in dir (ReadDir) and loads them (Load). Tables
// ReadDir leaves out are warnings; the error is for a directory that
// cannot be read or holds no definition block.
func LoadDir(dir string, opts aml.Options) (*Namespace, error) {
	tables, warnings, err := ReadDir(dir)
	if err != nil {
		if len(tables) == 0 {
			return nil, fmt.Errorf("acpi tables %s: %w", dir, err)
		}
		// Some tables were malformed and left out; the rest can
		// still hold the devices.
		warnings = append([]error{err}, warnings...)
	}
	return Load(dir, tables, warnings, opts)
}

// unjoin splits an errors.Join result into its errors.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
