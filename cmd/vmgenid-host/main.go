// Command vmgenid-host drives the hypervisor from the host side for the VM
// generation ID: it asks an engine for a running VM's generation ID, saves a
// running VM to a file, restores that file into clones that each get a new
// generation ID, and (libvirt) reverts a domain to a snapshot. QEMU is
// reached over its QMP socket (host/qemu), libvirt over its RPC socket
// (host/libvirt).
//
// "vmgenid host ARGS" runs this program. It is a program of its own so that
// the vmgenid binary that runs inside guests links no hypervisor client.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/host"
	"github.com/vmgenid/vmgenid/host/libvirt"
	"github.com/vmgenid/vmgenid/host/qemu"
)

// hostContext is the parent of the commands' context. Tests replace it with
// one they cancel, which kills every QEMU a command started.
var hostContext = context.Background()

const usage = `usage (also as "vmgenid host ..."):
  vmgenid host id   --qmp SOCKET
  vmgenid host id   [--libvirt URI] --domain NAME
      print the running VM's generation ID as the engine reports it
      (QEMU: query-vm-generation-id; libvirt: the <genid> of the domain's live XML)
  vmgenid host save --qmp SOCKET --to FILE
  vmgenid host save [--libvirt URI] --domain NAME --to FILE
      write the running VM's whole state to FILE, showing progress
      (QEMU: a migration to a file, the VM stays paused; libvirt: virsh save, the domain stops)
  vmgenid host clone --from FILE [-n N] [--guid GUID]... [--dir DIR] [--qemu BINARY] -- QEMU-ARGS...
      start N QEMU processes restored from FILE, each with its own generation ID (the --guid
      values in order, then fresh random ones), resume them and print each clone's QMP socket
      and ID; then wait, and stop them all on Ctrl-C or SIGTERM. QEMU-ARGS are the source VM's
      arguments: they need a -device vmgenid; their -qmp and -incoming options are replaced.
  vmgenid host clone [--libvirt URI] --from FILE [-n N] [--name-prefix P]
      restore a libvirt save image into N new running domains P-1 ... P-N (default P: the saved
      domain's name), each with a new UUID, a qcow2 overlay on every writable disk and console
      files of its own, and print "NAME GUID" for each: the generation ID libvirt gave it
  vmgenid host revert [--libvirt URI] --domain NAME --snapshot S
      revert the domain to its internal snapshot S and print its new generation ID

  --libvirt defaults to ` + libvirt.DefaultURI + `.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// errSilent exits 1 without printing: the command has already reported.
var errSilent = errors.New("silent failure")

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(hostContext, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "id":
		err = hostID(ctx, stdout, stderr, args[1:])
	case "save":
		err = hostSave(ctx, stdout, stderr, args[1:])
	case "clone":
		err = hostClone(ctx, stdout, stderr, args[1:])
	case "revert":
		err = hostRevert(ctx, stdout, stderr, args[1:])
	default:
		err = fmt.Errorf("unknown command %q (want id, save, clone or revert)", args[0])
	}
	if err != nil {
		if !errors.Is(err, errSilent) {
			fmt.Fprintf(stderr, "vmgenid host %s: %v\n", args[0], err)
		}
		return 1
	}
	return 0
}

// vmFlags are the flags that name one running VM: a QMP socket, or a libvirt
// connection and domain.
type vmFlags struct {
	qmp, uri, domain string
}

func newFlags(stderr io.Writer, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("vmgenid host "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	return fs
}

func (v *vmFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&v.qmp, "qmp", "", "QEMU's QMP Unix socket")
	fs.StringVar(&v.uri, "libvirt", libvirt.DefaultURI, "libvirt connection URI")
	fs.StringVar(&v.domain, "domain", "", "libvirt domain name")
}

// open connects to the VM the flags name.
func (v *vmFlags) open(ctx context.Context) (host.VM, error) {
	switch {
	case v.qmp != "" && v.domain != "":
		return nil, errors.New("give either --qmp SOCKET (QEMU) or --domain NAME (libvirt), not both")
	case v.qmp != "":
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return qemu.Dial(ctx, v.qmp)
	case v.domain != "":
		return libvirt.Open(ctx, v.uri, v.domain)
	}
	return nil, errors.New("--qmp SOCKET (QEMU's -qmp unix:SOCKET,server=on,wait=off) or --domain NAME (libvirt) is required")
}

// parse parses a command's flags; a help request is not an error.
func parse(fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, errSilent
	}
	return false, nil
}

func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return nil
}

func hostID(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlags(stderr, "id")
	var v vmFlags
	v.register(fs)
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	vm, err := v.open(ctx)
	if err != nil {
		return err
	}
	defer vm.Close()
	id, err := vm.ID(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, id.GUID())
	return nil
}

func hostSave(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlags(stderr, "save")
	var v vmFlags
	v.register(fs)
	to := fs.String("to", "", "file to write the VM's state to")
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("--to FILE is required")
	}
	path, err := filepath.Abs(*to) // the engine's working directory need not be ours
	if err != nil {
		return err
	}
	vm, err := v.open(ctx)
	if err != nil {
		return err
	}
	defer vm.Close()
	start := time.Now()
	var shown time.Time
	err = vm.Save(ctx, path, func(s host.SaveProgress) {
		if time.Since(shown) < 200*time.Millisecond && !s.Done {
			return
		}
		shown = time.Now()
		if s.Total > 0 {
			fmt.Fprintf(stderr, "saving: %s, %d of %d MiB sent\n", s.State, s.Transferred>>20, s.Total>>20)
		} else {
			fmt.Fprintf(stderr, "saving: %s\n", orDash(s.State))
		}
	})
	if err != nil {
		return err
	}
	size := int64(-1)
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	after := "the VM is paused"
	if v.domain != "" {
		after = "the domain has stopped"
	}
	fmt.Fprintf(stdout, "saved %s (%d bytes) in %v; %s\n", path, size, time.Since(start).Round(time.Millisecond), after)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func hostRevert(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlags(stderr, "revert")
	uri := fs.String("libvirt", libvirt.DefaultURI, "libvirt connection URI")
	domain := fs.String("domain", "", "libvirt domain name")
	snapshot := fs.String("snapshot", "", "name of the domain's internal snapshot")
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *domain == "" || *snapshot == "" {
		return errors.New("--domain NAME and --snapshot S are required")
	}
	d, err := libvirt.Open(ctx, *uri, *domain)
	if err != nil {
		return err
	}
	defer d.Close()
	id, err := d.Revert(ctx, *snapshot)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, id.GUID())
	return nil
}

// guidList collects repeated --guid flags.
type guidList []genid.ID

func (g *guidList) String() string {
	parts := make([]string, len(*g))
	for i, id := range *g {
		parts[i] = id.GUID()
	}
	return strings.Join(parts, ",")
}

func (g *guidList) Set(s string) error {
	id, err := genid.ParseGUID(s)
	if err != nil {
		return err
	}
	*g = append(*g, id)
	return nil
}
