package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
)

func init() {
	var valuesOnly bool
	register(&command{
		name:    "sysctl",
		summary: "print the IDs under NetBSD's sysctl names (hw.acpivmgenidN.id, hw.acpivmgenidN.paddr)",
		usage:   "[NAME...]",
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&valuesOnly, "n", false, "print values only, without \"NAME = \"")
		},
		run: func(env *cmdEnv, args []string) error {
			return runSysctl(env, args, valuesOnly)
		},
	})
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
// node (hw.acpivmgenid0) that selects every name under it. Unknown names
// and unreadable values go to stderr with the reason; the others are
// still printed and the exit status is 1.
func runSysctl(env *cmdEnv, args []string, valuesOnly bool) error {
	d, discErr := discover(env)
	defer d.close()
	var entries []sysctlEntry
	if discErr == nil {
		entries = sysctlEntries(d)
		printProblems(env.stderr, "sysctl", d.problems)
	}
	if len(args) == 0 && len(entries) == 0 {
		return discErr
	}

	var selected []sysctlEntry
	failed := false
	if len(args) == 0 {
		selected = entries
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
			if discErr != nil {
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
