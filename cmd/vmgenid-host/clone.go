package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vmgenid/vmgenid/host/libvirt"
	"github.com/vmgenid/vmgenid/host/qemu"
)

// hostClone restores a saved VM into clones: QEMU processes when QEMU
// arguments follow "--", libvirt domains otherwise.
func hostClone(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlags(stderr, "clone")
	from := fs.String("from", "", `the state file written by "vmgenid host save"`)
	n := fs.Int("n", 1, "number of clones")
	dir := fs.String("dir", "", "QEMU: directory for the clones' QMP sockets and console logs (default: FILE's directory)")
	binary := fs.String("qemu", qemu.DefaultBinary, "QEMU: the QEMU binary")
	var guids guidList
	fs.Var(&guids, "guid", "QEMU: generation ID of the next clone (repeatable); the others get random ones")
	uri := fs.String("libvirt", libvirt.DefaultURI, "libvirt: connection URI")
	prefix := fs.String("name-prefix", "", "libvirt: the clones are named PREFIX-1 … PREFIX-N (default: the saved domain's name)")
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	if *from == "" {
		return errors.New("--from FILE is required")
	}
	if *n < 1 {
		return fmt.Errorf("-n %d: want at least 1 clone", *n)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if fs.NArg() == 0 {
		for _, q := range []string{"dir", "qemu", "guid"} {
			if set[q] {
				return fmt.Errorf("--%s is for QEMU clones: give the source VM's QEMU arguments after --", q)
			}
		}
		return cloneLibvirt(ctx, stdout, stderr, *uri, *from, *n, *prefix)
	}
	if set["libvirt"] || set["name-prefix"] {
		return errors.New("QEMU arguments after -- make QEMU clones; --libvirt and --name-prefix are for libvirt clones")
	}
	return cloneQEMU(ctx, stdout, stderr, qemu.CloneOptions{
		Binary: *binary,
		Args:   fs.Args(),
		From:   *from,
		Count:  *n,
		GUIDs:  guids,
		Dir:    *dir,
	})
}

func cloneLibvirt(ctx context.Context, stdout, stderr io.Writer, uri, from string, n int, prefix string) error {
	c, err := libvirt.Dial(ctx, uri)
	if err != nil {
		return err
	}
	defer c.Close()
	clones, err := c.Clone(ctx, libvirt.CloneOptions{
		From:       from,
		Count:      n,
		NamePrefix: prefix,
		Progress: func(i int, step string) {
			fmt.Fprintf(stderr, "clone %d: %s\n", i+1, step)
		},
	})
	var notImage *libvirt.SaveImageError
	if errors.As(err, &notImage) {
		return fmt.Errorf("%w (for a QEMU state file, give the source VM's QEMU arguments after --)", err)
	}
	if err != nil {
		return err
	}
	for _, cl := range clones {
		fmt.Fprintf(stdout, "%s %s\n", cl.Name, cl.ID.GUID())
	}
	return nil
}

func cloneQEMU(ctx context.Context, stdout, stderr io.Writer, opts qemu.CloneOptions) error {
	if opts.Dir == "" {
		opts.Dir = filepath.Dir(opts.From)
	}
	logs := make([]*os.File, opts.Count)
	defer func() {
		for _, f := range logs {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i := range logs {
		f, err := os.Create(filepath.Join(opts.Dir, fmt.Sprintf("clone%d.log", i)))
		if err != nil {
			return err
		}
		logs[i] = f
	}
	opts.Output = func(i int) io.Writer { return logs[i] }
	opts.Progress = func(i int, step string) { fmt.Fprintf(stderr, "clone%d: %s\n", i, step) }
	clones, err := qemu.StartClones(ctx, opts)
	if err != nil {
		return err
	}
	for _, c := range clones {
		// QMP serves one client at a time: leave the socket to the user.
		c.Monitor.Close()
		fmt.Fprintf(stdout, "clone%d qmp=%s id=%s pid=%d console=%s\n", c.Index, c.QMPPath, c.ID.GUID(), c.Process.Pid(), logs[c.Index].Name())
	}
	fmt.Fprintf(stderr, "%d clone(s) running; Ctrl-C or SIGTERM stops them\n", len(clones))
	// Wait until every clone has exited, or a signal ends ctx (which kills
	// them all: they were started under it).
	for _, c := range clones {
		if err := c.Process.Wait(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(stderr, "clone%d exited: %v\n", c.Index, err)
		}
	}
	if ctx.Err() != nil {
		for _, c := range clones {
			c.Process.Kill()
		}
		fmt.Fprintln(stderr, "stopped all clones")
	}
	return nil
}
