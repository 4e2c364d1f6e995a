package bsdsrc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/vmgenid/vmgenid/internal/detect"
)

// DefaultDevdSocket is devd(8)'s SOCK_SEQPACKET socket: one event per
// packet, each as the kernel's devctl(4) wrote it.
const DefaultDevdSocket = "/var/run/devd.seqpacket.pipe"

// DevdEvent is one parsed devctl(4) event as devd(8) relays it.
type DevdEvent struct {
	// Kind is the first byte: '!' notify, '+' attach, '-' detach,
	// '?' no driver matched.
	Kind byte
	// Fields are the key=value pairs; for attach, detach and nomatch
	// events the device name and the words "at" and "on" are Bare fields.
	Fields []Field
}

// Get returns the value of the first key=value field named key.
func (e DevdEvent) Get(key string) (string, bool) { return lookup(e.Fields, key) }

// IsVMGenChange reports whether the event is vmgenc(4)'s change
// notification: "!system=ACPI subsystem=VMGenerationCounter
// type=\_SB_.VGEN notify=0x00". The driver sends it only when the ID it
// reads differs from its cached copy.
func (e DevdEvent) IsVMGenChange() bool {
	if e.Kind != '!' {
		return false
	}
	sys, _ := e.Get("system")
	sub, _ := e.Get("subsystem")
	return sys == "ACPI" && sub == "VMGenerationCounter"
}

// ParseDevdEvent parses one devd message. Messages come from the kernel
// through a root daemon, but are parsed defensively all the same: bounded,
// and malformed text is an error saying where, never a panic.
func ParseDevdEvent(msg string) (DevdEvent, error) {
	msg = strings.TrimRight(msg, "\n\x00")
	if msg == "" {
		return DevdEvent{}, errors.New("devd event: empty message")
	}
	kind := msg[0]
	switch kind {
	case '!', '+', '-', '?':
	default:
		return DevdEvent{}, fmt.Errorf("devd event: unknown event type %q at offset 0", kind)
	}
	fields, err := ParseFields(msg[1:])
	if err != nil {
		var fe *FieldsError
		if errors.As(err, &fe) {
			fe.Offset++ // count the type byte
		}
		return DevdEvent{}, fmt.Errorf("devd event: %w", err)
	}
	if kind == '!' {
		if _, ok := lookup(fields, "system"); !ok {
			return DevdEvent{}, errors.New("devd event: notify event without system=")
		}
	}
	return DevdEvent{Kind: kind, Fields: fields}, nil
}

// DevdDetector is a detect.Detector that listens to devd(8) for vmgenc(4)'s
// VMGenerationCounter notifications: an immediate signal where the poll
// would take up to one interval. devd restarts are survived by
// reconnecting; if devd stays away the detector stops with an error (the
// daemon's poll still sees changes).
type DevdDetector struct {
	path string
	// retry is the pause between reconnection attempts, maxRetries how
	// many consecutive failures end Run.
	retry      time.Duration
	maxRetries int

	mu        sync.Mutex
	conn      net.Conn // nil while disconnected
	closed    bool     // Close was called or Run's context ended
	malformed uint64
}

// NewDevdDetector connects to devd's seqpacket socket (DefaultDevdSocket
// unless testing). An error means devd is not running or not reachable.
func NewDevdDetector(path string) (*DevdDetector, error) {
	c, err := dialDevd(path)
	if err != nil {
		return nil, err
	}
	return &DevdDetector{path: path, conn: c, retry: time.Second, maxRetries: 30}, nil
}

func dialDevd(path string) (net.Conn, error) {
	c, err := net.Dial("unixpacket", path)
	if err != nil {
		return nil, fmt.Errorf("freebsd: connecting to devd at %s (is devd running?): %w", path, err)
	}
	return c, nil
}

// Name returns "devd".
func (d *DevdDetector) Name() string { return "devd" }

// Malformed returns how many messages could not be parsed (and were
// skipped). Safe to call during Run.
func (d *DevdDetector) Malformed() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.malformed
}

// Close closes the connection for good; a running Run returns nil.
func (d *DevdDetector) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	if d.conn == nil {
		return nil
	}
	err := d.conn.Close()
	d.conn = nil
	return err
}

// current returns the connection, or nil and whether the detector is closed.
func (d *DevdDetector) current() (net.Conn, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conn, d.closed
}

// Run reads devd events until ctx is done or Close is called, signalling
// each VMGenerationCounter notification.
func (d *DevdDetector) Run(ctx context.Context, notify func(detect.Signal)) error {
	stop := context.AfterFunc(ctx, func() { d.Close() })
	defer stop()
	buf := make([]byte, 8192)
	for {
		conn, closed := d.current()
		if closed {
			return nil
		}
		if conn == nil {
			if err := d.reconnect(ctx); err != nil {
				return err
			}
			continue
		}
		n, err := conn.Read(buf)
		if err != nil {
			// devd went away (or Close): drop the connection and
			// go round to reconnect or return.
			d.mu.Lock()
			if d.conn == conn {
				d.conn.Close()
				d.conn = nil
			}
			d.mu.Unlock()
			continue
		}
		ev, err := ParseDevdEvent(string(buf[:n]))
		if err != nil {
			d.mu.Lock()
			d.malformed++
			d.mu.Unlock()
			continue
		}
		if ev.IsVMGenChange() {
			where, _ := ev.Get("type")
			notify(detect.Signal{Detector: d.Name(), Reason: "devd: VMGenerationCounter notify on " + where})
		}
	}
}

// reconnect dials devd until it answers, the detector is closed (nil) or
// maxRetries attempts fail.
func (d *DevdDetector) reconnect(ctx context.Context) error {
	var last error
	for range d.maxRetries {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d.retry):
		}
		c, err := dialDevd(d.path)
		if err != nil {
			last = err
			continue
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.closed {
			c.Close()
		} else {
			d.conn = c
		}
		return nil
	}
	return fmt.Errorf("freebsd: devd connection lost and %d reconnections failed: %w", d.maxRetries, last)
}
