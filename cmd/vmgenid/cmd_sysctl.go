package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/vmgenid/vmgenid"
	"github.com/vmgenid/vmgenid/internal/source/bsdsrc"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

func init() {
	var valuesOnly bool
	statePath := vmgenid.DefaultStatePath
	register(&command{
		name:    "sysctl",
		summary: "print the IDs under NetBSD's sysctl names (hw.acpivmgenidN.id, hw.acpivmgenidN.paddr, kern.entropy.epoch)",
		usage:   "[NAME...]",
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&valuesOnly, "n", false, "print values only, without \"NAME = \"")
			fs.StringVar(&statePath, "state", statePath, "the daemon's state file, source of kern.entropy.epoch (not on NetBSD: the kernel's own)")
		},
		run: func(env *cmdEnv, args []string) error {
			return runSysctl(env, args, valuesOnly, statePath)
		},
	})
}

// epochName is NetBSD's name for the entropy epoch; here its value is the
// one the vmgenid daemon publishes, and on NetBSD the kernel's own.
const epochName = "kern.entropy.epoch"

// kernelHasEpoch says whether the kernel has kern.entropy.epoch itself.
const kernelHasEpoch = runtime.GOOS == "netbsd"

// epochEntry reads kern.entropy.epoch: on NetBSD the kernel's, as
// sysctl(8) prints it; elsewhere from the daemon's state file.
func epochEntry(statePath string) sysctlEntry {
	return sysctlEntry{epochName, func() (string, error) {
		if kernelHasEpoch {
			e, err := bsdsrc.ReadKernelEpoch(sysctl.System())
			if err != nil {
				return "", err
			}
			return strconv.FormatUint(e.Value, 10), nil
		}
		f, err := vmgenid.Open(statePath)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("no state file %s: the vmgenid daemon has not run since boot (or uses another --state): %w", statePath, err)
			}
			return "", err
		}
		defer f.Close()
		st, err := f.Current()
		if err != nil {
			return "", err
		}
		// NetBSD's kern.entropy.epoch is an unsigned int; ours is
		// wider and printed whole.
		return strconv.FormatUint(st.Epoch, 10), nil
	}}
}

// sysctlEntry is one name and how to get its value.
type sysctlEntry struct {
	name  string
	value func() (string, error)
}

// sysctlEntries lists the names this machine has, in the order sysctl(8)
// would print them.
func sysctlEntries(d *discovery) []sysctlEntry {
	var out []sysctlEntry
	for _, f := range d.found {
		out = append(out,
			sysctlEntry{"hw." + f.Name + ".id", func() (string, error) {
				r := readID(f)
				if r.err != nil {
					return "", r.err
				}
				return r.id.String(), nil
			}},
			sysctlEntry{"hw." + f.Name + ".paddr", func() (string, error) {
				if err := f.Device.Readable(); err != nil {
					return "", err
				}
				// sysctl(8) prints a quad in decimal.
				return strconv.FormatUint(f.Device.PAddr, 10), nil
			}},
		)
	}
	return out
}

// runSysctl prints NAME = VALUE lines. Like sysctl(8), a NAME may be a
// node (hw.acpivmgenid0, kern.entropy) that selects every name under it. Unknown names
// and unreadable values go to stderr with the reason; the others are
// still printed and the exit status is 1.
func runSysctl(env *cmdEnv, args []string, valuesOnly bool, statePath string) error {
	var (
		d       *discovery
		discErr error
		entries []sysctlEntry
	)
	// Devices are looked for unless only the epoch is asked for.
	if len(args) == 0 || slices.ContainsFunc(args, func(a string) bool { return !strings.HasPrefix(epochName, a) }) {
		d, discErr = discover(env)
		defer d.close()
		if discErr == nil {
			entries = sysctlEntries(d)
			printProblems(env.stderr, "sysctl", d.problems)
		}
	}
	epoch := epochEntry(statePath)
	entries = append(entries, epoch)

	var selected []sysctlEntry
	failed := false
	if len(args) == 0 {
		if discErr != nil {
			fmt.Fprintf(env.stderr, "vmgenid sysctl: %v\n", discErr)
			failed = true
		}
		selected = entries[:len(entries)-1]
		// Listing everything shows the epoch only where the kernel
		// or a daemon has published one; asked for by name, its
		// absence is an error.
		if _, err := os.Stat(statePath); err == nil || kernelHasEpoch {
			selected = append(selected, epoch)
		}
	}
	for _, name := range args {
		n := 0
		for _, e := range entries {
			if e.name == name || strings.HasPrefix(e.name, name+".") {
				selected = append(selected, e)
				n++
			}
		}
		if n == 0 {
			failed = true
			if discErr != nil && strings.HasPrefix(name, "hw.") {
				fmt.Fprintf(env.stderr, "vmgenid sysctl: %s: unknown name: %v\n", name, discErr)
			} else {
				fmt.Fprintf(env.stderr, "vmgenid sysctl: %s: unknown name (known: %s)\n", name, strings.Join(entryNames(entries), ", "))
			}
		}
	}
	for _, e := range selected {
		v, err := e.value()
		if err != nil {
			failed = true
			fmt.Fprintf(env.stderr, "vmgenid sysctl: %s: %v\n", e.name, err)
			continue
		}
		if valuesOnly {
			fmt.Fprintln(env.stdout, v)
		} else {
			fmt.Fprintf(env.stdout, "%s = %s\n", e.name, v)
		}
	}
	if failed {
		return errSilent
	}
	return nil
}

func entryNames(entries []sysctlEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.name)
	}
	return out
}
