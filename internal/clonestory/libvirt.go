package clonestory

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"libvirt.org/go/libvirtxml"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/host"
	"github.com/vmgenid/vmgenid/host/libvirt"
	"github.com/vmgenid/vmgenid/internal/guest"
)

// Libvirt runs the story on libvirt domains over conn: the source is a
// transient domain called name, the clones name-1, name-2, ... Its files
// (a small qcow2 disk for internal snapshots, console files, the clones'
// overlays) go into the story's work directory.
func Libvirt(conn *libvirt.Conn, name string) Host { return &libvirtHost{conn: conn, name: name} }

type libvirtHost struct {
	conn *libvirt.Conn
	name string
	cli  []string // the host command, when the story drives it (LibvirtCommand)
}

func (h *libvirtHost) Name() string { return "libvirt" }

func (h *libvirtHost) Boot(ctx context.Context, img *guest.Image, dir string, log io.Writer) (*Booted, error) {
	disk := filepath.Join(dir, h.name+".qcow2")
	out, err := exec.CommandContext(ctx, "qemu-img", "create", "-q", "-f", "qcow2", disk, "16M").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%w: qemu-img create %s: %v: %s", guest.ErrUnavailable, disk, err, strings.TrimSpace(string(out)))
	}
	consolePath := filepath.Join(dir, h.name+".console")
	started := time.Now()
	d, err := h.conn.Create(ctx, guest.DomainXML(img, h.name, consolePath, disk))
	if err != nil {
		return nil, err
	}
	vm := &libvirtVM{Domain: d, host: h} // its disk backs the clones' overlays: it stays in dir
	console := guest.NewConsole("source", log)
	follow(ctx, d, consolePath, console)
	id, err := d.ID(ctx)
	if h.cli != nil {
		var out string
		if out, err = h.command(ctx, nil, "id", "--domain", h.name); err == nil {
			id, err = genid.ParseGUID(strings.TrimSpace(out))
		}
	}
	if err != nil {
		vm.Stop(ctx)
		return nil, err
	}
	return &Booted{VM: vm, GUID: id, Console: console, Started: started}, nil
}

func (h *libvirtHost) Clone(ctx context.Context, state, dir string, consoles []*guest.Console, progress func(int, string)) ([]Cloned, error) {
	if h.cli != nil {
		return h.cloneCommand(ctx, state, consoles, progress)
	}
	clones, err := h.conn.Clone(ctx, libvirt.CloneOptions{From: state, Count: len(consoles), NamePrefix: h.name, Progress: progress})
	if err != nil {
		return nil, err
	}
	out := make([]Cloned, len(clones))
	for i, c := range clones {
		if len(c.Files) == 0 {
			return nil, fmt.Errorf("clone %s has no console file", c.Name)
		}
		follow(ctx, c.Domain, c.Files[0], consoles[i]) // the serial port's file
		vm := &libvirtVM{Domain: c.Domain, host: h, files: append(append([]string{}, c.Overlays...), c.Files...)}
		out[i] = Cloned{VM: vm, GUID: c.ID, Restored: c.Restored, Resumed: c.Resumed}
	}
	return out, nil
}

// libvirtVM is a transient libvirt domain and the files made for it alone.
type libvirtVM struct {
	*libvirt.Domain
	host  *libvirtHost
	files []string
}

// Save saves the domain, through the host command when the story drives it.
func (v *libvirtVM) Save(ctx context.Context, path string, progress func(host.SaveProgress)) error {
	if v.host.cli == nil {
		return v.Domain.Save(ctx, path, progress)
	}
	_, err := v.host.command(ctx, nil, "save", "--domain", v.Name(), "--to", path)
	return err
}

// Revert reverts the domain, through the host command when the story
// drives it, and returns the new ID.
func (v *libvirtVM) Revert(ctx context.Context, snapshot string) (genid.ID, error) {
	if v.host.cli == nil {
		return v.Domain.Revert(ctx, snapshot)
	}
	out, err := v.host.command(ctx, nil, "revert", "--domain", v.Name(), "--snapshot", snapshot)
	if err != nil {
		return genid.ID{}, err
	}
	return genid.ParseGUID(strings.TrimSpace(out))
}

// cloneCommand makes the clones with "host clone": their IDs are what it
// printed ("NAME GUID" lines), their restore times and resume moments what
// its progress lines on standard error say.
func (h *libvirtHost) cloneCommand(ctx context.Context, state string, consoles []*guest.Console, progress func(int, string)) ([]Cloned, error) {
	out := make([]Cloned, len(consoles))
	started := time.Now()
	stdout, err := h.command(ctx, func(line string) {
		// "clone N: STEP", N counted from 1
		var n int
		if _, err := fmt.Sscanf(line, "clone %d:", &n); err != nil || n < 1 || n > len(out) {
			return
		}
		step := strings.TrimSpace(line[strings.Index(line, ":")+1:])
		switch {
		case strings.HasPrefix(step, "restored in"):
			out[n-1].Restored = time.Since(started)
		case step == "resumed":
			out[n-1].Resumed = time.Now() // just after, seen from here
		}
		progress(n-1, step)
	}, "clone", "--from", state, "-n", fmt.Sprint(len(consoles)), "--name-prefix", h.name)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != len(consoles) {
		return nil, fmt.Errorf("host clone printed %d lines, want %d:\n%s", len(lines), len(consoles), stdout)
	}
	for i, line := range lines {
		name, guid, ok := strings.Cut(line, " ")
		if want := fmt.Sprintf("%s-%d", h.name, i+1); !ok || name != want {
			return nil, fmt.Errorf("host clone printed %q, want %q and a GUID", line, want)
		}
		id, err := genid.ParseGUID(guid)
		if err != nil {
			return nil, fmt.Errorf("host clone printed %q: %w", line, err)
		}
		d, err := h.conn.Domain(ctx, name)
		if err != nil {
			return nil, err
		}
		xml, err := d.XML(ctx)
		if err != nil {
			return nil, err
		}
		console, err := serialFile(xml)
		if err != nil {
			return nil, fmt.Errorf("clone %s: %w", name, err)
		}
		follow(ctx, d, console, consoles[i])
		overlay := filepath.Join(filepath.Dir(console), name+".qcow2")
		out[i].VM = &libvirtVM{Domain: d, host: h, files: []string{overlay, console}}
		out[i].GUID = id
	}
	return out, nil
}

// serialFile returns the file of a domain's first serial port.
func serialFile(xml string) (string, error) {
	var def libvirtxml.Domain
	if err := def.Unmarshal(xml); err != nil {
		return "", err
	}
	if def.Devices == nil || len(def.Devices.Serials) == 0 || def.Devices.Serials[0].Source == nil || def.Devices.Serials[0].Source.File == nil {
		return "", fmt.Errorf("no serial port writing to a file")
	}
	return def.Devices.Serials[0].Source.File.Path, nil
}

// Stop destroys the domain (a transient domain then disappears, with its
// snapshots) and removes its files, also when ctx has ended.
func (v *libvirtVM) Stop(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if running, err := v.Running(ctx); err == nil && running {
		v.Destroy(ctx)
	}
	for _, f := range v.files {
		os.Remove(f)
	}
}

// follow copies the console file at path into console as libvirt's QEMU
// writes it, and tells console when the domain is gone (a transient domain
// disappears when it stops). A snapshot revert restarts QEMU, which opens the
// file again from its start: a file shorter than what was read, or another
// file at path, is read from its start.
func follow(ctx context.Context, d *libvirt.Domain, path string, console *guest.Console) {
	gone := make(chan struct{})
	console.Attach(gone)
	go func() {
		defer close(gone)
		var f *os.File
		var at int64
		defer func() {
			if f != nil {
				f.Close()
			}
		}()
		buf := make([]byte, 64<<10)
		drain := func() {
			if f != nil {
				cur, err1 := f.Stat()
				now, err2 := os.Stat(path)
				if err1 != nil || err2 != nil || !os.SameFile(cur, now) || now.Size() < at {
					f.Close()
					f, at = nil, 0
				}
			}
			if f == nil {
				f, _ = os.Open(path) // libvirt creates it as the domain starts
			}
			for f != nil {
				n, err := f.Read(buf)
				console.Write(buf[:n])
				at += int64(n)
				if n == 0 || err != nil {
					return
				}
			}
		}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 1; ; i++ {
			drain()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if i%50 == 0 { // twice a second: is the domain still there?
				if _, err := d.Running(ctx); err != nil {
					drain()
					return
				}
			}
		}
	}()
}

// LibvirtCommand is Libvirt with the host side driven through the command
// at bin (vmgenid-host, or vmgenid with "host" as its first argument in
// args): "host id" gives the source's ID, "host save" saves it, "host
// clone" makes the clones, whose IDs are what it printed, and "host revert"
// reverts, so the story checks the commands as users run them.
func LibvirtCommand(conn *libvirt.Conn, name, bin string, args ...string) Host {
	return &libvirtHost{conn: conn, name: name, cli: append([]string{bin}, args...)}
}

// command runs the host command with args and returns its standard output;
// each line of its standard error goes to stderr as it comes.
func (h *libvirtHost) command(ctx context.Context, stderr func(string), sub string, args ...string) (string, error) {
	argv := append(append([]string{}, h.cli...), sub, "--libvirt", h.conn.URI())
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out strings.Builder
	cmd.Stdout = &out
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	var msgs []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			msgs = append(msgs, sc.Text())
			if stderr != nil {
				stderr(sc.Text())
			}
		}
	}()
	err := cmd.Run()
	pw.Close()
	<-done
	if err != nil {
		return "", fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, strings.Join(msgs, "; "))
	}
	return out.String(), nil
}
