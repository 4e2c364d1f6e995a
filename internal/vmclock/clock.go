package vmclock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"
)

// DevicePattern is where Linux's ptp_vmclock driver puts its devices.
const DevicePattern = "/dev/vmclock*"

// ErrUnsupportedOS is returned for VMClock devices on systems without a
// VMClock driver: only Linux (ptp_vmclock, CONFIG_PTP_1588_CLOCK_VMCLOCK)
// offers one. Page-image files work everywhere.
// It wraps errors.ErrUnsupported.
var ErrUnsupportedOS = fmt.Errorf("VMClock devices are not supported on %s: only Linux has a VMClock driver (ptp_vmclock): %w", runtime.GOOS, errors.ErrUnsupported)

// errNoNotifications says the device does not wake poll() (POLLHUP: the
// hypervisor announces no notifications).
var errNoNotifications = errors.New("vmclock: device does not notify")

// notifier waits for the device's change notifications.
type notifier interface {
	// wait blocks until the device signals a change (true), timeout passes
	// (false), or ctx is done. It acknowledges the notification so that the
	// next wait blocks again. errNoNotifications means the device will
	// never notify and the caller should poll instead.
	wait(ctx context.Context, timeout time.Duration) (bool, error)
	close() error
}

// Clock is an open VMClock page: a Linux /dev/vmclock* device, mapped
// read-only, or a regular file holding a page image. A Clock is for one
// goroutine at a time.
type Clock struct {
	path     string
	device   bool
	reader   *Reader
	notifier notifier // nil when changes are found by polling only
	closer   func() error
}

// Open opens path, a VMClock device (Linux only; ErrUnsupportedOS
// elsewhere) or a regular file holding a page image, and validates the
// page once (magic, size, version).
func Open(path string) (*Clock, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("vmclock: %w", err)
	}
	var c *Clock
	switch mode := fi.Mode(); {
	case mode.IsRegular():
		c, err = openFile(path)
	case mode&os.ModeCharDevice != 0:
		c, err = openDevice(path)
	default:
		return nil, fmt.Errorf("vmclock: %s is neither a VMClock device nor a regular file (mode %v)", path, mode)
	}
	if err != nil {
		return nil, err
	}
	if _, err := c.Read(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func openFile(path string) (*Clock, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vmclock: %w", err)
	}
	r, closer := newFileReader(path, f)
	return &Clock{path: path, reader: r, closer: closer}, nil
}

// FindDevices lists the VMClock devices of this system (/dev/vmclock0, …).
// No device is an empty list; on systems without a VMClock driver the
// error is ErrUnsupportedOS.
func FindDevices() ([]string, error) { return findDevices() }

// Path is the path the clock was opened from.
func (c *Clock) Path() string { return c.path }

// IsDevice reports whether the clock is a kernel device rather than a
// page-image file.
func (c *Clock) IsDevice() bool { return c.device }

// EventDriven reports whether Wait is woken by the device's notifications
// (poll()) rather than by a timer.
func (c *Clock) EventDriven() bool { return c.notifier != nil }

// Read returns a consistent snapshot of the page (see Reader.Read); errors
// name the path.
func (c *Clock) Read() (Page, error) {
	p, err := c.reader.Read()
	if err != nil {
		return Page{}, fmt.Errorf("vmclock %s: %w", c.path, err)
	}
	return p, nil
}

// Wait blocks until the page may have changed: until the device notifies
// when it does (EventDriven), at most until timeout passes; a timeout of
// zero or less means no deadline when the device notifies, and
// DefaultInterval when it does not.
// It returns whether a notification arrived, or ctx's error once ctx is
// done. A device that turns out not to notify (POLLHUP) makes the clock
// fall back to the timer for good.
func (c *Clock) Wait(ctx context.Context, timeout time.Duration) (bool, error) {
	if c.notifier != nil {
		notified, err := c.notifier.wait(ctx, timeout)
		if !errors.Is(err, errNoNotifications) {
			return notified, err
		}
		c.dropNotifier()
	}
	if timeout <= 0 {
		timeout = DefaultInterval
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C:
		return false, nil
	}
}

// dropNotifier stops using notifications: the device does not send them,
// or poll() does not block (a driver without notification support).
func (c *Clock) dropNotifier() {
	if c.notifier != nil {
		c.notifier.close()
		c.notifier = nil
	}
}

// Close unmaps and closes the clock.
func (c *Clock) Close() error {
	c.dropNotifier()
	if c.closer == nil {
		return nil
	}
	err := c.closer()
	c.closer = nil
	return err
}
