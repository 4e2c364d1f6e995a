// Command vmgenid finds, reads and watches the VM generation ID.
//
// Usage:
//
//	vmgenid [global flags] COMMAND [flags] [args]
//
// Run "vmgenid help" for the list of commands. Each command lives in its own
// file (cmd_NAME.go) and registers itself with register; this file only
// parses the global flags and dispatches.
//
// The commands turn flags into options and results into text; the
// decisions are the packages': where devices are found and their IDs read
// (internal/source, internal/source/bsdsrc), which detectors run and when
// the epoch advances (internal/daemon), the ACPI views (internal/acpiinspect),
// the state file and its change feed (the root package). "vmgenid host"
// runs the separate vmgenid-host program, so that this binary, which runs in
// guests, links no hypervisor client.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/source/bsdsrc"
)

// command is one subcommand of vmgenid.
type command struct {
	name    string
	summary string // one line for "vmgenid help"
	usage   string // arguments after the name, for the usage line
	// flags, if set, registers the command's own flags on fs.
	flags func(fs *flag.FlagSet)
	// run does the work. A returned error is printed as "vmgenid NAME: ERR"
	// and exits 1; errSilent exits 1 without printing (the command has
	// already reported on stderr).
	run func(env *cmdEnv, args []string) error
}

// cmdEnv is what every command gets: the global options and the streams.
type cmdEnv struct {
	global globalFlags
	stdout io.Writer
	stderr io.Writer
}

// globalFlags say where the ID is looked for.
type globalFlags struct {
	acpiTables string
	deviceTree string
	mem        string
	// platforms are the OS-specific sources (the BSD kernels' drivers).
	platforms []source.Platform
}

func (g *globalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.acpiTables, "acpi-tables", g.acpiTables, "directory of ACPI tables, laid out like /sys/firmware/acpi/tables")
	fs.StringVar(&g.deviceTree, "devicetree", g.deviceTree, "directory of the device tree, laid out like /sys/firmware/devicetree/base")
	fs.StringVar(&g.mem, "mem", g.mem, "physical-memory file: /dev/mem, or a regular file whose offsets are physical addresses")
}

// errSilent tells main to exit 1 without printing: the command has already
// said what went wrong.
var errSilent = errors.New("silent failure")

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("vmgenid: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	env := &cmdEnv{
		global: globalFlags{
			acpiTables: source.DefaultACPITables,
			deviceTree: source.DefaultDeviceTree,
			mem:        source.DefaultMem,
			platforms:  bsdsrc.Platforms(),
		},
		stdout: stdout,
		stderr: stderr,
	}
	top := flag.NewFlagSet("vmgenid", flag.ContinueOnError)
	top.SetOutput(stderr)
	env.global.register(top)
	showVersion := top.Bool("version", false, "print the version and the Go version that built vmgenid, and exit")
	top.Usage = func() { usage(stderr, top) }
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		printVersion(stdout)
		return 0
	}
	if top.NArg() == 0 {
		usage(stderr, top)
		return 2
	}
	name, rest := top.Arg(0), top.Args()[1:]
	if name == "help" {
		switch {
		case len(rest) == 0:
			usage(stdout, top)
			return 0
		case len(rest) > 1:
			fmt.Fprintf(stderr, "vmgenid help: one command at most, not %q\n", rest)
			return 2
		}
		c, ok := commands[rest[0]]
		if !ok {
			fmt.Fprintf(stderr, "vmgenid help: unknown command %q (run \"vmgenid help\")\n", rest[0])
			return 2
		}
		commandFlagSet(env, c).Usage()
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "vmgenid: unknown command %q (run \"vmgenid help\")\n", name)
		return 2
	}
	fs := commandFlagSet(env, c)
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := c.run(env, fs.Args()); err != nil {
		if !errors.Is(err, errSilent) {
			fmt.Fprintf(stderr, "vmgenid %s: %v\n", c.name, err)
		}
		return 1
	}
	return 0
}

// commandFlagSet builds a command's flag set: its own flags plus the global
// ones, so that "vmgenid status --mem F" works as well as "vmgenid --mem F status".
func commandFlagSet(env *cmdEnv, c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("vmgenid "+c.name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	env.global.register(fs)
	if c.flags != nil {
		c.flags(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: vmgenid %s [flags] %s\n\n%s\n\nflags:\n", c.name, c.usage, c.summary)
		fs.PrintDefaults()
	}
	return fs
}

func usage(w io.Writer, top *flag.FlagSet) {
	fmt.Fprintf(w, "usage: vmgenid [global flags] COMMAND [flags] [args]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nglobal flags:\n")
	top.SetOutput(w)
	top.PrintDefaults()
	fmt.Fprintf(w, "\nRun \"vmgenid help COMMAND\" for a command's flags.\n")
}
