// Package libvirt drives libvirt from the host for the VM generation ID: read
// a running domain's generation ID from its live XML, save a running domain
// to a file, restore that file into new domains (clones, see Conn.Clone), and
// revert a domain to an internal snapshot. libvirt gives a domain with a
// <genid> element a new generation ID itself on every restore and snapshot
// revert, and keeps it on suspend and resume.
//
// The transport is github.com/digitalocean/go-libvirt (libvirt's RPC protocol
// in pure Go); domain XML is read and rewritten with libvirt.org/go/libvirtxml.
//
// Its callers are cmd/vmgenid-host and the test scenario
// (internal/clonestory); no guest-side package imports it.
package libvirt

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	golibvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/host"
)

// DefaultURI is the libvirt connection used when none is named: the QEMU
// driver of the system-wide daemon.
const DefaultURI = "qemu:///system"

// defaultSocket is where go-libvirt dials a local libvirt daemon unless the
// URI names another socket (?socket=PATH).
const defaultSocket = "/var/run/libvirt/libvirt-sock"

// UnreachableError says that the libvirt daemon could not be reached.
type UnreachableError struct {
	URI    string
	Socket string // the Unix socket dialled; empty for remote transports
	Err    error
}

func (e *UnreachableError) Error() string {
	if e.Socket != "" {
		return fmt.Sprintf("libvirt %s: cannot reach the daemon at %s (is libvirtd running, and may this user open the socket?): %v", e.URI, e.Socket, e.Err)
	}
	return fmt.Sprintf("libvirt %s: cannot reach the daemon: %v", e.URI, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// UnknownDomainError says that libvirt knows no domain of that name.
type UnknownDomainError struct {
	URI, Name string
}

func (e *UnknownDomainError) Error() string {
	return fmt.Sprintf("libvirt %s: no domain named %q (virsh -c %s list --all shows the domains)", e.URI, e.Name, e.URI)
}

// NoGenIDError says that a domain has no VM generation ID device.
type NoGenIDError struct {
	Name string
}

func (e *NoGenIDError) Error() string {
	return fmt.Sprintf("domain %q has no <genid> element, so its guest has no VM generation ID: "+
		"add <genid/> as a child of <domain> (virsh edit %s; libvirt then picks the ID) and restart it", e.Name, e.Name)
}

// NotRunningError says that a command needs a running domain.
type NotRunningError struct {
	Name string
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("domain %q is not running", e.Name)
}

// Error is libvirt refusing a request: Op names the request, Err is libvirt's
// own error (a go-libvirt Error with libvirt's code and message).
type Error struct {
	Op  string
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("libvirt %s: %v", e.Op, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// Conn is a connection to a libvirt daemon. Its methods may be called from
// several goroutines. A call whose context ends closes the connection (the
// RPC cannot be cancelled); later calls fail.
type Conn struct {
	uri string
	l   *golibvirt.Libvirt

	closeOnce sync.Once
}

// Dial connects to the libvirt daemon serving uri (DefaultURI when empty).
func Dial(ctx context.Context, uri string) (*Conn, error) {
	if uri == "" {
		uri = DefaultURI
	}
	u, err := parseURI(uri)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type result struct {
		l   *golibvirt.Libvirt
		err error
	}
	done := make(chan result, 1)
	go func() {
		l, err := golibvirt.ConnectToURI(u)
		done <- result{l, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		go func() { // close it when the dial completes after all
			if r := <-done; r.err == nil {
				r.l.Disconnect()
			}
		}()
		return nil, &UnreachableError{URI: uri, Socket: socketOf(u), Err: ctx.Err()}
	}
	if r.err != nil {
		var le golibvirt.Error
		if errors.As(r.err, &le) {
			return nil, &Error{Op: "connect to " + uri, Err: le}
		}
		return nil, &UnreachableError{URI: uri, Socket: socketOf(u), Err: r.err}
	}
	return &Conn{uri: uri, l: r.l}, nil
}

func parseURI(uri string) (*url.URL, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("libvirt URI %q: want a connection URI such as %s", uri, DefaultURI)
	}
	return u, nil
}

// socketOf returns the Unix socket go-libvirt dials for u, or "" when it
// dials over the network.
func socketOf(u *url.URL) string {
	if _, transport, ok := strings.Cut(u.Scheme, "+"); ok && transport != "unix" || !ok && u.Host != "" {
		return ""
	}
	if s := u.Query().Get("socket"); s != "" {
		return s
	}
	return defaultSocket
}

// URI returns the connection URI.
func (c *Conn) URI() string { return c.uri }

// Close closes the connection. It does not stop any domain.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() { err = c.l.Disconnect() })
	return err
}

// call runs one libvirt request, closing the connection if ctx ends first,
// and wraps libvirt's refusal in an *Error naming op.
func (c *Conn) call(ctx context.Context, op string, f func() error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("libvirt %s: %w", op, err)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	err := f()
	if !stop() {
		return fmt.Errorf("libvirt %s: %w", op, ctx.Err())
	}
	if err != nil {
		return &Error{Op: op, Err: err}
	}
	return nil
}

// Domain is one libvirt domain on a connection.
type Domain struct {
	conn  *Conn
	dom   golibvirt.Domain
	owned bool // Close closes conn
}

// A Domain is the host.VM and host.Reverter of a libvirt domain.
var _ host.Reverter = (*Domain)(nil)

// Open connects to uri and looks up the domain called name; closing the
// Domain closes that connection.
func Open(ctx context.Context, uri, name string) (*Domain, error) {
	c, err := Dial(ctx, uri)
	if err != nil {
		return nil, err
	}
	d, err := c.Domain(ctx, name)
	if err != nil {
		c.Close()
		return nil, err
	}
	d.owned = true
	return d, nil
}

// Domain looks up the domain called name.
func (c *Conn) Domain(ctx context.Context, name string) (*Domain, error) {
	if name == "" {
		return nil, errors.New("no domain name given")
	}
	var dom golibvirt.Domain
	err := c.call(ctx, "look up domain "+name, func() (err error) {
		dom, err = c.l.DomainLookupByName(name)
		return err
	})
	if golibvirt.IsNotFound(err) {
		return nil, &UnknownDomainError{URI: c.uri, Name: name}
	}
	if err != nil {
		return nil, err
	}
	return &Domain{conn: c, dom: dom}, nil
}

// Name returns the domain's name.
func (d *Domain) Name() string { return d.dom.Name }

// Close closes the connection if Open made it; otherwise it does nothing.
func (d *Domain) Close() error {
	if d.owned {
		return d.conn.Close()
	}
	return nil
}

// XML returns the domain's live XML (its persistent definition when it is
// not running).
func (d *Domain) XML(ctx context.Context) (string, error) {
	var xml string
	err := d.conn.call(ctx, "read the XML of "+d.dom.Name, func() (err error) {
		xml, err = d.conn.l.DomainGetXMLDesc(d.dom, 0)
		return err
	})
	return xml, err
}

// Running reports whether the domain is running (or paused).
func (d *Domain) Running(ctx context.Context) (bool, error) {
	var active int32
	err := d.conn.call(ctx, "ask whether "+d.dom.Name+" runs", func() (err error) {
		active, err = d.conn.l.DomainIsActive(d.dom)
		return err
	})
	return active != 0, err
}

// ID returns the running domain's generation ID: the <genid> of its live
// XML, which libvirt replaces on every restore and snapshot revert.
func (d *Domain) ID(ctx context.Context) (genid.ID, error) {
	running, err := d.Running(ctx)
	if err != nil {
		return genid.ID{}, err
	}
	if !running {
		return genid.ID{}, &NotRunningError{Name: d.dom.Name}
	}
	xml, err := d.XML(ctx)
	if err != nil {
		return genid.ID{}, err
	}
	return domainGenID(d.dom.Name, xml)
}

// domainGenID returns the <genid> of a domain's XML.
func domainGenID(name, xml string) (genid.ID, error) {
	var def libvirtxml.Domain
	if err := def.Unmarshal(xml); err != nil {
		return genid.ID{}, fmt.Errorf("domain %q: libvirt's XML: %w", name, err)
	}
	if def.GenID == nil {
		return genid.ID{}, &NoGenIDError{Name: name}
	}
	id, err := genid.ParseGUID(strings.TrimSpace(def.GenID.Value))
	if err != nil {
		return genid.ID{}, fmt.Errorf("domain %q: <genid>: %w", name, err)
	}
	return id, nil
}

// Save writes the running domain's whole state to the file at path (which
// the libvirt daemon writes: a path on its machine) and stops the domain,
// as "virsh save" does. progress, if not nil, gets a reading of libvirt's
// job every 200 ms and a last one when the save has ended.
func (d *Domain) Save(ctx context.Context, path string, progress func(host.SaveProgress)) error {
	if _, err := d.ID(ctx); err != nil { // running, with a <genid>: else restores change nothing
		return err
	}
	if !filepath.IsAbs(path) {
		return fmt.Errorf("save to %s: the libvirt daemon needs an absolute path", path)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	if progress != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
				}
				// A reading may fail as the job ends; the next tick or
				// the end tells.
				_, _, _, total, processed, _, _, _, _, _, _, _, err := d.conn.l.DomainGetJobInfo(d.dom)
				if err == nil && total > 0 {
					progress(host.SaveProgress{State: "active", Transferred: processed, Total: total})
				}
			}
		}()
	}
	err := d.conn.call(ctx, "save "+d.dom.Name+" to "+path, func() error {
		return d.conn.l.DomainSaveFlags(d.dom, path, nil, 0)
	})
	close(done)
	wg.Wait()
	if progress != nil {
		state := "completed"
		if err != nil {
			state = "failed"
		}
		progress(host.SaveProgress{State: state, Done: true})
	}
	return err
}

// Revert reverts the domain to its snapshot called snapshot and returns the
// new generation ID libvirt gave it. An internal snapshot of a running domain
// leaves it running.
func (d *Domain) Revert(ctx context.Context, snapshot string) (genid.ID, error) {
	var snap golibvirt.DomainSnapshot
	err := d.conn.call(ctx, "look up snapshot "+snapshot+" of "+d.dom.Name, func() (err error) {
		snap, err = d.conn.l.DomainSnapshotLookupByName(d.dom, snapshot, 0)
		return err
	})
	if err != nil {
		return genid.ID{}, err
	}
	err = d.conn.call(ctx, "revert "+d.dom.Name+" to snapshot "+snapshot, func() error {
		return d.conn.l.DomainRevertToSnapshot(snap, 0)
	})
	if err != nil {
		return genid.ID{}, err
	}
	return d.ID(ctx)
}

// Snapshot takes an internal snapshot called name of the domain (memory
// included when it runs), as "virsh snapshot-create-as DOMAIN NAME" does.
func (d *Domain) Snapshot(ctx context.Context, name string) error {
	def := libvirtxml.DomainSnapshot{Name: name}
	xml, err := def.Marshal()
	if err != nil {
		return err
	}
	return d.conn.call(ctx, "snapshot "+d.dom.Name+" as "+name, func() error {
		_, err := d.conn.l.DomainSnapshotCreateXML(d.dom, xml, 0)
		return err
	})
}

// Suspend pauses the domain's virtual CPUs.
func (d *Domain) Suspend(ctx context.Context) error {
	return d.conn.call(ctx, "suspend "+d.dom.Name, func() error { return d.conn.l.DomainSuspend(d.dom) })
}

// Resume resumes the domain's virtual CPUs.
func (d *Domain) Resume(ctx context.Context) error {
	return d.conn.call(ctx, "resume "+d.dom.Name, func() error { return d.conn.l.DomainResume(d.dom) })
}

// Destroy stops the domain at once (a transient domain then disappears).
func (d *Domain) Destroy(ctx context.Context) error {
	return d.conn.call(ctx, "destroy "+d.dom.Name, func() error { return d.conn.l.DomainDestroy(d.dom) })
}

// ReadPhys copies len(p) bytes of the running guest's physical memory at addr
// into p (virDomainMemoryPeek; libvirt takes at most 1 MiB at a time).
func (d *Domain) ReadPhys(ctx context.Context, addr uint64, p []byte) error {
	if len(p) > 1<<20 {
		return fmt.Errorf("read of %d bytes of guest memory: at most 1 MiB at a time", len(p))
	}
	var buf []byte
	err := d.conn.call(ctx, fmt.Sprintf("read guest memory at %#x", addr), func() (err error) {
		buf, err = d.conn.l.DomainMemoryPeek(d.dom, addr, uint32(len(p)), golibvirt.MemoryPhysical)
		return err
	})
	if err != nil {
		return err
	}
	if len(buf) != len(p) {
		return fmt.Errorf("read guest memory at %#x: libvirt gave %d bytes, want %d", addr, len(buf), len(p))
	}
	copy(p, buf)
	return nil
}

// Create starts a transient domain from xml; it disappears when it stops.
func (c *Conn) Create(ctx context.Context, xml string) (*Domain, error) {
	var dom golibvirt.Domain
	err := c.call(ctx, "create a domain", func() (err error) {
		dom, err = c.l.DomainCreateXML(xml, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Domain{conn: c, dom: dom}, nil
}
