// Package bsdsrc reads the VM generation ID through the BSD kernels' own
// drivers: NetBSD's acpivmgenid(4) (hw.acpivmgenidN.id, .paddr, and the
// kernel's kern.entropy.epoch) and FreeBSD's vmgenc(4) (dev.vmgenc.N.guid).
//
// All sysctl access goes through a sysctl.Reader, so the parsing and the
// change logic here run and are tested on any OS with recorded values;
// sysctl.System supplies the running kernel's values on NetBSD and FreeBSD.
//
// Where the kernel has no such driver, the ID can still be read the way
// Linux reads it if the OS offers /dev/mem: the ACPI tables are read from
// physical memory through the RSDP the kernel names (MemTables,
// acpi.ReadMemory), and the ID from the device found in them; see ForOS and
// CheckFallback.
//
// It also parses the kernel data the BSD change detectors of
// internal/detect read (kern.entropy.epoch: EpochWatcher; devd's events:
// ParseDevdEvent), but imports no detector: data flows from here to them.
// Platforms gives the kernel-driver source (Platform) for
// source.Options.Platforms on NetBSD and FreeBSD, and nothing elsewhere;
// the vmgenid command passes it in.
package bsdsrc

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// maxDevices bounds the probe for hw.acpivmgenidN / dev.vmgenc.N when the
// kernel's node list cannot be read; real machines have one device.
const maxDevices = 64

// readIDStable reads a 16-byte ID node until two successive reads agree
// (genid.ReadStable): the host may rewrite the ID while the kernel copies
// it out.
func readIDStable(r sysctl.Reader, name string) (genid.ID, error) {
	return genid.ReadStable("sysctl "+name, func() (genid.ID, error) {
		b, err := sysctl.Fixed(r, name, genid.Size)
		if err != nil {
			return genid.ID{}, err
		}
		return genid.ID(b), nil
	})
}

// unitNames returns the units below parent whose names are prefix followed
// by a decimal number (prefix "" for FreeBSD's dev.vmgenc.0), numerically
// sorted. If the kernel will not list the node's children, it probes
// parent.prefixN.probe for N = 0, 1, … and stops at the first missing one.
// A missing parent is an empty list.
func unitNames(r sysctl.Reader, parent, prefix, probe string) ([]int, error) {
	kids, err := r.Children(parent)
	switch {
	case err == nil:
		var units []int
		for _, k := range kids {
			if n, ok := unitNumber(k, prefix); ok {
				units = append(units, n)
			}
		}
		slices.Sort(units)
		return units, nil
	case sysctl.IsNotExist(err):
		return nil, nil
	case errors.Is(err, errors.ErrUnsupported):
		return nil, err
	}
	// The list failed for another reason: probe instead.
	var units []int
	for n := range maxDevices {
		name := fmt.Sprintf("%s.%s%d.%s", parent, prefix, n, probe)
		if _, perr := r.Raw(name); perr != nil {
			if sysctl.IsNotExist(perr) {
				break
			}
			if !sysctl.IsPermission(perr) {
				return nil, fmt.Errorf("listing %s failed (%v), and probing %s failed too: %w", parent, err, name, perr)
			}
		}
		units = append(units, n)
	}
	return units, nil
}

// unitNumber parses "acpivmgenid12" (prefix "acpivmgenid") as 12; the
// number must be plain decimal without sign or leading zeros.
func unitNumber(name, prefix string) (int, bool) {
	digits, ok := strings.CutPrefix(name, prefix)
	if !ok || digits == "" || len(digits) > 6 || (len(digits) > 1 && digits[0] == '0') {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil
}

// explain turns a failed read of node into an error that says what to do.
func explain(node, what string, err error) error {
	switch {
	case sysctl.IsPermission(err):
		return fmt.Errorf("reading %s (%s) needs root: %w", node, what, err)
	case sysctl.IsNotExist(err):
		return fmt.Errorf("%s (%s) does not exist: the device is gone or the driver was unloaded: %w", node, what, err)
	case errors.Is(err, sysctl.ErrSize):
		return fmt.Errorf("%s (%s) has the wrong size, not what the driver writes: %w", node, what, err)
	case errors.Is(err, syscall.EISDIR):
		return fmt.Errorf("%s (%s) is not a value node: %w", node, what, err)
	}
	return fmt.Errorf("reading %s (%s): %w", node, what, err)
}
