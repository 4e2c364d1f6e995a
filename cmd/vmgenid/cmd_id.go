package main

import (
	"flag"
	"fmt"
	"strings"
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
			fs.StringVar(&device, "device", "", "the device to read (acpivmgenid0, …); default the first one found")
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
	f := d.found[0]
	if device != "" {
		var ok bool
		if f, ok = d.lookup(device); !ok {
			return fmt.Errorf("no device %q (found: %s)", device, strings.Join(d.names(), ", "))
		}
	}
	r := readID(f)
	if r.err != nil {
		return fmt.Errorf("%s (%s): %w", f.Name, f.Device.Path, r.err)
	}
	if uuid {
		fmt.Fprintln(env.stdout, r.id.GUID())
	} else {
		fmt.Fprintln(env.stdout, r.id.String())
	}
	return nil
}
