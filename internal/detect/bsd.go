package detect

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/vmgenid/vmgenid/internal/source/bsdsrc"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// BSD returns the change detectors goos's kernel offers, for the
// daemon to run beside its ID poll:
//   - netbsd: an EpochDetector on kern.entropy.epoch, polled every
//     interval (the kernel advances it on every VM generation change);
//   - freebsd: a DevdDetector on devdSocket (DefaultDevdSocket), which
//     hears vmgenc(4)'s VMGenerationCounter notifications at once;
//   - anything else: none.
//
// Detectors that cannot work here are left out; notes says why, one line
// each, for the daemon's log.
func BSD(goos string, r sysctl.Reader, interval time.Duration, devdSocket string) (dets []Detector, notes []error) {
	switch goos {
	case "netbsd":
		d, err := NewEpochDetector(r, interval)
		if err != nil {
			return nil, []error{fmt.Errorf("not watching %s: %w", bsdsrc.NetBSDEpochNode, err)}
		}
		return []Detector{d}, nil
	case "freebsd":
		d, err := NewDevdDetector(devdSocket)
		if err != nil {
			return nil, []error{fmt.Errorf("not listening to devd (the ID poll still sees changes): %w", err)}
		}
		return []Detector{d}, nil
	}
	return nil, nil
}

// DevdDetector is a Detector that listens to devd(8) for vmgenc(4)'s
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
func (d *DevdDetector) Run(ctx context.Context, notify func(Signal)) error {
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
		ev, err := bsdsrc.ParseDevdEvent(string(buf[:n]))
		if err != nil {
			d.mu.Lock()
			d.malformed++
			d.mu.Unlock()
			continue
		}
		if ev.IsVMGenChange() {
			where, _ := ev.Get("type")
			notify(Signal{Detector: d.Name(), Reason: "devd: VMGenerationCounter notify on " + where})
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

// EpochDetector is the NetBSD change detector: a Counter that polls
// kern.entropy.epoch and signals every movement. See bsdsrc.EpochWatcher for what
// the movements mean.
//
// Its Count is the number of kernel epoch advances since boot: the
// kernel's epoch starts at 1 at the first consolidation and goes up by one
// at each, so (while ready) the count is the epoch value, carried across a
// wrap. Every VM generation change is among these advances — acpivmgenid(4)
// consolidates on every notification — but so are ordinary consolidations:
// the count rises at least, not exactly, when the ID changes. Its kind is
// therefore KernelReseeds: the daemon advances its epoch at every
// advance of the kernel's, even when the ID reads the same.
type EpochDetector struct {
	w        *bsdsrc.EpochWatcher
	interval time.Duration

	mu    sync.Mutex
	count uint64 // kernel epoch advances since boot
}

// NewEpochDetector reads kern.entropy.epoch once (an error means the
// detector cannot work here) and returns a detector polling it every
// interval.
func NewEpochDetector(r sysctl.Reader, interval time.Duration) (*EpochDetector, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("netbsd: %s detector: poll interval %v: must be positive", bsdsrc.NetBSDEpochNode, interval)
	}
	w := bsdsrc.NewEpochWatcher(r)
	if _, _, err := w.Poll(); err != nil {
		return nil, err
	}
	d := &EpochDetector{w: w, interval: interval}
	if last, _ := w.Last(); last.Ready {
		d.count = last.Value
	}
	return d, nil
}

// Name returns "kern.entropy.epoch".
func (d *EpochDetector) Name() string { return bsdsrc.NetBSDEpochNode }

// Count implements Counter: the kernel's reseeds since boot
// (KernelReseeds). Safe to call during Run.
func (d *EpochDetector) Count() Count {
	d.mu.Lock()
	defer d.mu.Unlock()
	return Count{Kind: KernelReseeds, N: d.count}
}

// Run polls until ctx is done, signalling each movement of the kernel
// epoch. A read error stops it.
func (d *EpochDetector) Run(ctx context.Context, notify func(Signal)) error {
	return Every(ctx, d.interval, func() error {
		c, changed, err := d.w.Poll()
		if err != nil {
			return err
		}
		if changed {
			d.mu.Lock()
			d.count += c.Advances()
			d.mu.Unlock()
			notify(Signal{Detector: d.Name(), Reason: c.Reason()})
		}
		return nil
	})
}
