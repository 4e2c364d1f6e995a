package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/vmgenid/vmgenid/acpi/aml"
	"github.com/vmgenid/vmgenid/internal/acpiinspect"
)

func init() {
	var fl acpiFlags
	register(&command{
		name:    "acpi",
		summary: "show what the AML evaluator sees: \"acpi namespace\" lists every object, \"acpi eval PATH\" evaluates one",
		usage:   "namespace | eval PATH",
		flags: func(fs *flag.FlagSet) {
			fl = acpiFlags{} // a fresh start for each run
			fl.register(fs)
		},
		run: func(env *cmdEnv, args []string) error {
			return runACPI(env, args, &fl)
		},
	})
}

// acpiFlags are the flags of "acpi namespace" and "acpi eval", which may
// stand before or after the subcommand and PATH.
type acpiFlags struct {
	json, zeroRegions bool
}

// register adds the flags to fs, keeping values already parsed.
func (fl *acpiFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&fl.zeroRegions, "zero-regions", fl.zeroRegions, "regions that cannot be read (no memory file, other address spaces) read as zeros, as acpiexec simulates them")
	fs.BoolVar(&fl.json, "json", fl.json, `eval: print {"type":…,"value":…} instead of acpiexec's text`)
}

func runACPI(env *cmdEnv, args []string, fl *acpiFlags) error {
	if len(args) == 0 {
		return errors.New(`want a subcommand: "namespace" or "eval PATH"`)
	}
	sub := args[0]
	fs := flag.NewFlagSet("vmgenid acpi "+sub, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	env.global.register(fs)
	fl.register(fs)
	var pos []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return errSilent
		}
		if fs.NArg() == 0 {
			break
		}
		pos, rest = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	mem := acpiinspect.NewMemory(env.global.mem)
	defer mem.Close()
	opts := aml.Options{Memory: mem, ZeroRegions: fl.zeroRegions}
	switch {
	case sub == "namespace" && len(pos) == 0:
		ns, err := loadACPI(env, opts)
		if err != nil {
			return err
		}
		var sb strings.Builder
		for _, o := range acpiinspect.Objects(ns) {
			sb.WriteString(o.Path + " " + o.Type + "\n")
		}
		_, err = fmt.Fprint(env.stdout, sb.String())
		return err
	case sub == "eval" && len(pos) == 1:
		ns, err := loadACPI(env, opts)
		if err != nil {
			return err
		}
		v, err := acpiinspect.Eval(ns, pos[0])
		if err != nil {
			return err
		}
		if fl.json {
			b, err := acpiinspect.MarshalJSONLine(v)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.stdout, "%s\n", b)
			return err
		}
		_, err = fmt.Fprint(env.stdout, acpiinspect.Text(v))
		return err
	case sub == "eval":
		return fmt.Errorf("eval takes one PATH (\\_SB_.VGEN.ADDR), given %d arguments", len(pos))
	case sub == "namespace":
		return fmt.Errorf("namespace takes no arguments, given %q", pos)
	}
	return fmt.Errorf(`unknown subcommand %q: want "namespace" or "eval PATH"`, sub)
}

// loadACPI builds the namespace of the --acpi-tables directory, printing
// load warnings to stderr.
func loadACPI(env *cmdEnv, opts aml.Options) (*aml.Namespace, error) {
	ns, warnings, err := acpiinspect.Load(env.global.acpiTables, opts)
	for _, w := range warnings {
		fmt.Fprintf(env.stderr, "vmgenid acpi: warning: %s\n", strings.ReplaceAll(w.Error(), "\n", "; "))
	}
	return ns, err
}
