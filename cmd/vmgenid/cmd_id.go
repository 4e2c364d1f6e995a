package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/vmgenid/vmgenid/internal/source"
)

func init() {
	var uuid bool
	var device string
	register(&command{
		name:    "id",
		summary: "print the VM generation ID (32 hex digits in memory order, or GUID text with --uuid)",
		usage:   "",
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&uuid, "uuid", false, "print the GUID text QEMU's -device vmgenid,guid= and query-vm-generation-id use")
			fs.StringVar(&device, "device", "", "the device to read (acpivmgenid0, …); default the first one whose ID can be read")
		},
		run: func(env *cmdEnv, args []string) error {
			return runID(env, args, uuid, device)
		},
	})
}

func runID(env *cmdEnv, args []string, uuid bool, device string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected arguments %q (the device is chosen with --device)", args)
	}
	d, err := discover(env)
	if err != nil {
		return err
	}
	defer d.close()
	printProblems(env.stderr, "id", d.problems)
	candidates := d.found
	if device != "" {
		f, ok := d.lookup(device)
		if !ok {
			return fmt.Errorf("no device %q (found: %s)", device, strings.Join(d.names(), ", "))
		}
		candidates = []source.Found{f}
	}
	// The first device whose ID can be read: a machine has one, but a
	// broken entry before it should not hide it.
	var errs []error
	for _, f := range candidates {
		r := readID(f)
		if r.err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", f.Name, f.Device.Path, r.err))
			continue
		}
		if uuid {
			fmt.Fprintln(env.stdout, r.id.GUID())
		} else {
			fmt.Fprintln(env.stdout, r.id.String())
		}
		return nil
	}
	return errors.Join(errs...)
}
