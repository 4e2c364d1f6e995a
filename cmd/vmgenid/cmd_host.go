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
	"github.com/vmgenid/vmgenid/host/qemu"
)

// The "host" command drives QEMU from the host side: it is the hypervisor's
// view of the generation ID, and the way to make one change (a restore into
// a new QEMU process with another guid).
func init() {
	register(&command{
		name:    "host",
		summary: "drive QEMU from the host: host id | host save | host clone (run \"vmgenid host help\")",
		usage:   "id|save|clone [flags] [-- QEMU-ARGS...]",
		run:     runHost,
	})
}

// hostContext is the parent of the host commands' context. Tests replace it
// with one they cancel, which kills every QEMU a command started.
var hostContext = context.Background()

const hostUsage = `usage:
  vmgenid host id --qmp SOCKET
      print the guest's generation ID as QEMU reports it (query-vm-generation-id)
  vmgenid host save --qmp SOCKET --to FILE
      stop the VM and write its whole state to FILE (a migration to a file), showing progress
  vmgenid host clone --from FILE [-n N] [--guid GUID]... [--dir DIR] [--qemu BINARY] -- QEMU-ARGS...
      start N QEMU processes restored from FILE, each with its own generation ID (the --guid
      values in order, then fresh random ones), resume them and print each clone's QMP socket
      and ID; then wait, and stop them all on Ctrl-C or SIGTERM. QEMU-ARGS are the source VM's
      arguments: they need a -device vmgenid; their -qmp and -incoming options are replaced.
`

func runHost(env *cmdEnv, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(env.stderr, hostUsage)
		if len(args) == 0 {
			return errSilent
		}
		return nil
	}
	ctx, stop := signal.NotifyContext(hostContext, os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "id":
		return hostID(ctx, env, args[1:])
	case "save":
		return hostSave(ctx, env, args[1:])
	case "clone":
		return hostClone(ctx, env, args[1:])
	}
	return fmt.Errorf("unknown host command %q (want id, save or clone)", args[0])
}

func hostFlags(env *cmdEnv, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("vmgenid host "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() { fmt.Fprint(env.stderr, hostUsage) }
	return fs
}

// parseHost parses a host subcommand's flags; a help request is not an error.
func parseHost(fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, errSilent
	}
	return false, nil
}

func dialQMP(ctx context.Context, sock string) (*qemu.Monitor, error) {
	if sock == "" {
		return nil, errors.New("--qmp SOCKET is required (QEMU's -qmp unix:SOCKET,server=on,wait=off)")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return qemu.Dial(ctx, sock)
}

func hostID(ctx context.Context, env *cmdEnv, args []string) error {
	fs := hostFlags(env, "id")
	sock := fs.String("qmp", "", "QEMU's QMP Unix socket")
	if help, err := parseHost(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	m, err := dialQMP(ctx, *sock)
	if err != nil {
		return err
	}
	defer m.Close()
	id, err := m.ID(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, id.GUID())
	return nil
}

func hostSave(ctx context.Context, env *cmdEnv, args []string) error {
	fs := hostFlags(env, "save")
	sock := fs.String("qmp", "", "QEMU's QMP Unix socket")
	to := fs.String("to", "", "file to write the VM's state to")
	if help, err := parseHost(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *to == "" {
		return errors.New("--to FILE is required")
	}
	path, err := filepath.Abs(*to) // QEMU's working directory need not be ours
	if err != nil {
		return err
	}
	m, err := dialQMP(ctx, *sock)
	if err != nil {
		return err
	}
	defer m.Close()
	start := time.Now()
	var shown time.Time
	err = m.Save(ctx, path, func(s qemu.MigrationStatus) {
		if time.Since(shown) < 200*time.Millisecond && !s.Done() {
			return
		}
		shown = time.Now()
		if s.Total > 0 {
			fmt.Fprintf(env.stderr, "saving: %s, %d of %d MiB of RAM sent\n", s.State, s.Transferred>>20, s.Total>>20)
		} else {
			fmt.Fprintf(env.stderr, "saving: %s\n", orDash(s.State))
		}
	})
	if err != nil {
		return err
	}
	size := int64(-1)
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(env.stdout, "saved %s (%d bytes) in %v; the VM is paused\n", path, size, time.Since(start).Round(time.Millisecond))
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
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

func hostClone(ctx context.Context, env *cmdEnv, args []string) error {
	fs := hostFlags(env, "clone")
	from := fs.String("from", "", "the state file written by \"vmgenid host save\"")
	n := fs.Int("n", 1, "number of clones")
	dir := fs.String("dir", "", "directory for the clones' QMP sockets and console logs (default: FILE's directory)")
	binary := fs.String("qemu", qemu.DefaultBinary, "QEMU binary")
	var guids guidList
	fs.Var(&guids, "guid", "generation ID of the next clone (repeatable); the others get random ones")
	if help, err := parseHost(fs, args); help || err != nil {
		return err
	}
	if *from == "" {
		return errors.New("--from FILE is required")
	}
	if fs.NArg() == 0 {
		return errors.New("give the source VM's QEMU arguments after --")
	}
	if *n < 1 {
		return fmt.Errorf("-n %d: want at least 1 clone", *n)
	}
	if *dir == "" {
		*dir = filepath.Dir(*from)
	}
	logs := make([]*os.File, *n)
	defer func() {
		for _, f := range logs {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i := range logs {
		f, err := os.Create(filepath.Join(*dir, fmt.Sprintf("clone%d.log", i)))
		if err != nil {
			return err
		}
		logs[i] = f
	}
	clones, err := qemu.StartClones(ctx, qemu.CloneOptions{
		Binary: *binary,
		Args:   fs.Args(),
		From:   *from,
		Count:  *n,
		GUIDs:  guids,
		Dir:    *dir,
		Output: func(i int) io.Writer { return logs[i] },
		Progress: func(i int, step string) {
			fmt.Fprintf(env.stderr, "clone%d: %s\n", i, step)
		},
	})
	if err != nil {
		return err
	}
	for _, c := range clones {
		// QMP serves one client at a time: leave the socket to the user.
		c.Monitor.Close()
		fmt.Fprintf(env.stdout, "clone%d qmp=%s id=%s pid=%d console=%s\n", c.Index, c.QMPPath, c.ID.GUID(), c.Process.Pid(), logs[c.Index].Name())
	}
	fmt.Fprintf(env.stderr, "%d clone(s) running; Ctrl-C or SIGTERM stops them\n", len(clones))
	// Wait until every clone has exited, or a signal ends ctx (which kills
	// them all: they were started under it).
	for _, c := range clones {
		if err := c.Process.Wait(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(env.stderr, "clone%d exited: %v\n", c.Index, err)
		}
	}
	if ctx.Err() != nil {
		for _, c := range clones {
			c.Process.Kill()
		}
		fmt.Fprintln(env.stderr, "stopped all clones")
	}
	return nil
}
