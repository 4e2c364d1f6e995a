package clonestory

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

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
	vm := &libvirtVM{Domain: d} // its disk backs the clones' overlays: it stays in dir
	console := guest.NewConsole("source", log)
	follow(ctx, d, consolePath, console)
	id, err := d.ID(ctx)
	if err != nil {
		vm.Stop(ctx)
		return nil, err
	}
	return &Booted{VM: vm, GUID: id, Console: console, Started: started}, nil
}

func (h *libvirtHost) Clone(ctx context.Context, state, dir string, consoles []*guest.Console, progress func(int, string)) ([]Cloned, error) {
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
		vm := &libvirtVM{Domain: c.Domain, files: append(append([]string{}, c.Overlays...), c.Files...)}
		out[i] = Cloned{VM: vm, GUID: c.ID, Restored: c.Restored, Resumed: c.Resumed}
	}
	return out, nil
}

// libvirtVM is a transient libvirt domain and the files made for it alone.
type libvirtVM struct {
	*libvirt.Domain
	files []string
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
