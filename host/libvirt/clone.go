package libvirt

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	golibvirt "github.com/digitalocean/go-libvirt"
	"github.com/google/uuid"
	"libvirt.org/go/libvirtxml"

	"github.com/vmgenid/vmgenid/genid"
)

// CloneOptions say how to restore a saved domain into new domains.
type CloneOptions struct {
	// From is a save image written by Domain.Save or "virsh save", on the
	// machine this program and the libvirt daemon share.
	From string
	// Count is the number of clones.
	Count int
	// NamePrefix names the clones Prefix-1 … Prefix-Count; the saved
	// domain's name when empty.
	NamePrefix string
	// Progress, if not nil, is told about each step of each clone (one
	// call at a time).
	Progress func(i int, step string)
}

// Clone is one domain restored from a save image and resumed.
type Clone struct {
	Index    int
	Name     string
	UUID     string
	Domain   *Domain
	ID       genid.ID // the generation ID libvirt gave it (its live XML after the restore)
	Overlays []string // the qcow2 overlays made for its writable disks
	Files    []string // the files of its character devices (serial console, ...)
	Restored time.Duration
	Resumed  time.Time // just before the resume request was sent
}

// UnsafeCloneError lists what keeps a saved domain from being cloned without
// two clones sharing something writable.
type UnsafeCloneError struct {
	Domain  string
	Reasons []string
}

func (e *UnsafeCloneError) Error() string {
	return fmt.Sprintf("domain %q cannot be cloned safely: %s", e.Domain, strings.Join(e.Reasons, "; "))
}

// clonePlan is one clone's definition and the files it needs.
type clonePlan struct {
	name, uuid string
	xml        string
	overlays   []overlay
	files      []string // character-device files libvirt will create
}

// overlay is a qcow2 file whose backing file is a disk of the saved domain.
type overlay struct {
	path, backing, format string
}

// planClone rewrites the saved definition src for a clone called name with
// UUID id: every writable file disk becomes a qcow2 overlay on the original,
// every file or socket of a character device a path of its own beside the
// original, every network interface's MAC address a new one from macs. It
// refuses what it cannot give each clone alone.
func planClone(src *libvirtxml.Domain, name, id string, macs *macPool) (*clonePlan, error) {
	def, err := copyDomain(src)
	if err != nil {
		return nil, err
	}
	p := &clonePlan{name: name, uuid: id}
	var unsafe []string
	refuse := func(format string, args ...any) { unsafe = append(unsafe, fmt.Sprintf(format, args...)) }
	if def.GenID == nil {
		return nil, &NoGenIDError{Name: src.Name}
	}
	def.Name, def.UUID, def.ID = name, id, nil
	if def.OS != nil && def.OS.NVRam != nil {
		refuse("its UEFI variable store (<nvram>) is writable and would be shared")
	}
	devs := def.Devices
	if devs == nil {
		devs = &libvirtxml.DomainDeviceList{}
	}
	for i := range devs.Disks {
		d := &devs.Disks[i]
		what := diskName(d, i)
		if d.ReadOnly != nil || d.Device == "cdrom" || d.Source == nil {
			continue // read-only (or empty): shared safely
		}
		if d.Shareable != nil {
			refuse("%s is <shareable/>: every clone would write to it", what)
			continue
		}
		if d.Transient != nil {
			continue // QEMU already writes to a throw-away overlay per run
		}
		if d.Source.File == nil || d.Source.File.File == "" {
			refuse("%s is writable and not a plain file: only files can get a qcow2 overlay", what)
			continue
		}
		format := ""
		if d.Driver != nil {
			format = d.Driver.Type
		}
		if format != "raw" && format != "qcow2" {
			refuse("%s has disk format %q: overlays are made on raw or qcow2 files (set <driver type=...>)", what, format)
			continue
		}
		backing := d.Source.File.File
		path := beside(backing, src.Name, name)
		if !strings.HasSuffix(path, ".qcow2") {
			path += ".qcow2"
		}
		p.overlays = append(p.overlays, overlay{path: path, backing: backing, format: format})
		d.Source.File.File = path
		d.Driver.Type = "qcow2"
		d.BackingStore = nil // libvirt reads the chain from the overlay
	}
	for i, fs := range devs.Filesystems {
		if fs.ReadOnly == nil {
			refuse("filesystem %d (a host directory passed through) is writable and would be shared", i+1)
		}
	}
	if len(devs.Hostdevs) > 0 {
		refuse("it has %d host device(s) passed through (<hostdev>): a device can belong to one VM only", len(devs.Hostdevs))
	}
	if len(devs.RedirDevs) > 0 {
		refuse("it has %d redirected USB device(s) (<redirdev>)", len(devs.RedirDevs))
	}
	for i := range devs.Interfaces {
		n := &devs.Interfaces[i]
		if n.Source != nil && n.Source.Hostdev != nil {
			refuse("network interface %d is a passed-through host device", i+1)
			continue
		}
		if n.MAC != nil && n.MAC.Address != "" {
			mac, err := macs.next()
			if err != nil {
				return nil, fmt.Errorf("clone %s: %w", name, err)
			}
			n.MAC.Address = mac
		}
	}
	// Character devices: the <console> that mirrors a <serial> names the
	// same file, so each original path maps to one new path.
	renamed := map[string]string{}
	rename := func(path, what string) string {
		if n, ok := renamed[path]; ok {
			return n
		}
		n := beside(path, src.Name, name)
		renamed[path] = n
		p.files = append(p.files, n)
		return n
	}
	chardev := func(what string, s *libvirtxml.DomainChardevSource, log *libvirtxml.DomainChardevLog) {
		if log != nil && log.File != "" {
			log.File = rename(log.File, what+" log")
		}
		if s == nil {
			return
		}
		switch {
		case s.File != nil:
			s.File.Path = rename(s.File.Path, what)
		case s.UNIX != nil && s.UNIX.Mode == "bind" && s.UNIX.Path != "":
			s.UNIX.Path = rename(s.UNIX.Path, what)
		case s.Dev != nil:
			refuse("%s is the host device %s: it can belong to one VM only", what, s.Dev.Path)
		case s.Pipe != nil:
			refuse("%s is the named pipe %s, which every clone would share", what, s.Pipe.Path)
		case s.TCP != nil && s.TCP.Mode == "bind":
			refuse("%s listens on TCP %s:%s, which only one clone can", what, s.TCP.Host, s.TCP.Service)
		case s.UDP != nil:
			refuse("%s is a UDP socket, which the clones would share", what)
		}
	}
	for i := range devs.Serials {
		chardev(fmt.Sprintf("serial port %d", i), devs.Serials[i].Source, devs.Serials[i].Log)
	}
	for i := range devs.Consoles {
		chardev(fmt.Sprintf("console %d", i), devs.Consoles[i].Source, devs.Consoles[i].Log)
	}
	for i := range devs.Parallels {
		chardev(fmt.Sprintf("parallel port %d", i), devs.Parallels[i].Source, devs.Parallels[i].Log)
	}
	for i := range devs.Channels {
		chardev(fmt.Sprintf("channel %d", i), devs.Channels[i].Source, devs.Channels[i].Log)
	}
	if len(unsafe) > 0 {
		return nil, &UnsafeCloneError{Domain: src.Name, Reasons: unsafe}
	}
	if p.xml, err = def.Marshal(); err != nil {
		return nil, fmt.Errorf("clone %s: writing its XML: %w", name, err)
	}
	return p, nil
}

// macPool hands out MAC addresses as libvirt and virt-clone make them:
// libvirt's (QEMU's) prefix 52:54:00 and three random bytes, never one
// already taken (the saved domain's, or another clone's).
type macPool struct {
	random io.Reader
	taken  map[string]bool
}

// newMACPool returns a pool that never hands out the MAC addresses of
// src's interfaces.
func newMACPool(src *libvirtxml.Domain, random io.Reader) *macPool {
	p := &macPool{random: random, taken: map[string]bool{}}
	if src.Devices != nil {
		for _, n := range src.Devices.Interfaces {
			if n.MAC != nil {
				p.taken[strings.ToLower(n.MAC.Address)] = true
			}
		}
	}
	return p
}

// next returns a MAC address not handed out before.
func (p *macPool) next() (string, error) {
	for range 1000 { // 2^24 addresses: a repeat is rare, a thousand a broken source
		var b [3]byte
		if _, err := io.ReadFull(p.random, b[:]); err != nil {
			return "", fmt.Errorf("a new MAC address: %w", err)
		}
		mac := fmt.Sprintf("52:54:00:%02x:%02x:%02x", b[0], b[1], b[2])
		if !p.taken[mac] {
			p.taken[mac] = true
			return mac, nil
		}
	}
	return "", errors.New("a new MAC address: the random source repeats itself")
}

// copyDomain returns a deep copy of def (through its XML).
func copyDomain(def *libvirtxml.Domain) (*libvirtxml.Domain, error) {
	xml, err := def.Marshal()
	if err != nil {
		return nil, err
	}
	var out libvirtxml.Domain
	return &out, out.Unmarshal(xml)
}

func diskName(d *libvirtxml.DomainDisk, i int) string {
	if d.Target != nil && d.Target.Dev != "" {
		return "disk " + d.Target.Dev
	}
	return fmt.Sprintf("disk %d", i+1)
}

// beside returns the path of a clone's own copy of the file at path, in the
// same directory, named after the clone: the saved domain's name in the file
// name replaced by the clone's, or the clone's name put in front.
func beside(path, from, to string) string {
	dir, base := filepath.Split(path)
	if from != "" && strings.Contains(base, from) {
		return dir + strings.Replace(base, from, to, 1)
	}
	return dir + to + "-" + base
}

// Clone restores the save image opts.From into opts.Count new domains, each
// with its own name, UUID, disk overlays, console files and MAC addresses
// (the running guest keeps the saved NIC's MAC, which QEMU restores with
// the device's state, until the NIC is reset, at the latest on the clone's
// next boot), restoring them
// concurrently (paused) and then resuming them one after another. It
// checks everything it can before it creates anything, never overwrites a
// file, and on any error destroys the clones it started and removes the
// files it made. The clones are transient domains: "virsh destroy" ends one;
// its overlays and console files stay for their owner to remove.
func (c *Conn) Clone(ctx context.Context, opts CloneOptions) (clones []*Clone, err error) {
	if opts.Count < 1 {
		return nil, fmt.Errorf("clone count %d: want at least 1", opts.Count)
	}
	from, err := filepath.Abs(opts.From)
	if err != nil {
		return nil, err
	}
	img, err := readSaveImage(from)
	if err != nil {
		return nil, err
	}
	if img.compressed != 0 {
		return nil, &SaveImageError{Path: from, Reason: "compressed images are not supported (set save_image_format = \"raw\" in qemu.conf)"}
	}
	var src libvirtxml.Domain
	if err := src.Unmarshal(img.xml); err != nil {
		return nil, &SaveImageError{Path: from, Reason: "its domain XML: " + err.Error()}
	}
	prefix := opts.NamePrefix
	if prefix == "" {
		prefix = src.Name
	}
	var progressMu sync.Mutex
	progress := func(i int, step string) {
		if opts.Progress != nil {
			progressMu.Lock()
			defer progressMu.Unlock()
			opts.Progress(i, step)
		}
	}

	// Plan every clone and check it can be made before making anything.
	plans := make([]*clonePlan, opts.Count)
	seen := map[string]string{}
	macs := newMACPool(&src, rand.Reader)
	for i := range plans {
		name := fmt.Sprintf("%s-%d", prefix, i+1)
		if p, err := planClone(&src, name, uuid.NewString(), macs); err != nil {
			return nil, err
		} else {
			plans[i] = p
		}
		if _, err := c.Domain(ctx, name); err == nil {
			return nil, fmt.Errorf("clone %s: a domain of that name exists already (choose another --name-prefix)", name)
		} else if !errors.As(err, new(*UnknownDomainError)) {
			return nil, err
		}
		var paths []string
		for _, o := range plans[i].overlays {
			paths = append(paths, o.path)
		}
		for _, path := range append(paths, plans[i].files...) {
			if other, dup := seen[path]; dup {
				return nil, fmt.Errorf("clones %s and %s would both use %s", other, name, path)
			}
			seen[path] = name
			if _, err := os.Lstat(path); err == nil {
				return nil, fmt.Errorf("clone %s: %s exists already (left from an earlier clone?): remove it or choose another --name-prefix", name, path)
			}
		}
	}

	clones = make([]*Clone, opts.Count)
	var made []string // files to remove if this fails
	defer func() {
		if err == nil {
			return
		}
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for _, cl := range clones {
			if cl != nil && cl.Domain != nil {
				cl.Domain.Destroy(cleanup)
			}
		}
		for _, p := range plans {
			made = append(made, p.files...)
		}
		for _, f := range made {
			os.Remove(f)
		}
		clones = nil
	}()
	for i, p := range plans {
		clones[i] = &Clone{Index: i, Name: p.name, UUID: p.uuid}
		for _, o := range p.overlays {
			if err := createOverlay(ctx, o); err != nil {
				return clones, fmt.Errorf("clone %s: %w", p.name, err)
			}
			made = append(made, o.path)
			clones[i].Overlays = append(clones[i].Overlays, o.path)
		}
		clones[i].Files = p.files
	}

	// Restore them all at once, paused.
	started := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(plans))
	for i, p := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := clones[i]
			image := fmt.Sprintf("%s.%s.tmp", from, p.name)
			progress(i, "writing its save image")
			if err := writeCloneImage(from, img, p.xml, image); err != nil {
				errs[i] = fmt.Errorf("clone %s: %w", p.name, err)
				return
			}
			defer os.Remove(image) // QEMU has read it all once the restore returns
			progress(i, "restoring")
			err := c.call(ctx, "restore "+p.name, func() error {
				return c.l.DomainRestoreFlags(image, nil, uint32(golibvirt.DomainSavePaused))
			})
			if err != nil {
				errs[i] = fmt.Errorf("clone %s: %w", p.name, err)
				return
			}
			cl.Restored = time.Since(started)
			if cl.Domain, err = c.Domain(ctx, p.name); err != nil {
				errs[i] = fmt.Errorf("clone %s: %w", p.name, err)
				return
			}
			progress(i, fmt.Sprintf("restored in %v", cl.Restored.Round(time.Millisecond)))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return clones, err
	}
	for i, cl := range clones {
		cl.Resumed = time.Now()
		if err := cl.Domain.Resume(ctx); err != nil {
			return clones, fmt.Errorf("clone %s: %w", cl.Name, err)
		}
		progress(i, "resumed")
	}
	for _, cl := range clones {
		if cl.ID, err = cl.Domain.ID(ctx); err != nil {
			return clones, fmt.Errorf("clone %s: %w", cl.Name, err)
		}
	}
	return clones, nil
}

// createOverlay makes the qcow2 file o.path whose backing file is o.backing.
// qemu-img is the one tool that writes qcow2 the way QEMU reads it.
func createOverlay(ctx context.Context, o overlay) error {
	bin, err := exec.LookPath("qemu-img")
	if err != nil {
		return fmt.Errorf("overlay for %s: qemu-img (Debian package qemu-utils) is needed: %w", o.backing, err)
	}
	if _, err := os.Lstat(o.path); err == nil {
		return fmt.Errorf("overlay %s exists already", o.path)
	}
	out, err := exec.CommandContext(ctx, bin, "create", "-q", "-f", "qcow2", "-F", o.format, "-b", o.backing, o.path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("qemu-img create overlay %s on %s: %v: %s", o.path, o.backing, err, strings.TrimSpace(string(out)))
	}
	return nil
}
