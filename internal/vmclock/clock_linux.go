package vmclock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"golang.org/x/sys/unix"
)

func findDevices() ([]string, error) {
	paths, err := filepath.Glob(DevicePattern)
	if err != nil {
		return nil, fmt.Errorf("vmclock: %w", err)
	}
	sort.Strings(paths)
	return paths, nil
}

// openDevice opens a ptp_vmclock device: the page is mapped read-only
// (the driver refuses writable mappings and mappings other than one page at
// offset 0), and poll() is used for notifications when the page says the
// hypervisor sends them.
func openDevice(path string) (*Clock, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			return nil, fmt.Errorf("vmclock: open %s: %w (reading the VMClock device needs read permission on it, usually root)", path, err)
		}
		return nil, fmt.Errorf("vmclock: open %s: %w", path, err)
	}
	mem, err := unix.Mmap(fd, 0, os.Getpagesize(), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("vmclock: mmap %s read-only: %w", path, err)
	}
	r, err := NewReader(mem)
	if err != nil {
		unix.Munmap(mem)
		unix.Close(fd)
		return nil, fmt.Errorf("vmclock %s: %w", path, err)
	}
	c := &Clock{
		path:   path,
		device: true,
		reader: r,
		closer: func() error {
			err := unix.Munmap(mem)
			if cerr := unix.Close(fd); err == nil {
				err = cerr
			}
			return err
		},
	}
	p, err := c.Read()
	if err != nil {
		c.Close()
		return nil, err
	}
	if p.HasNotifications() {
		n, err := newPollNotifier(path, fd, func() error { return ackDevice(fd) })
		if err != nil {
			c.Close()
			return nil, err
		}
		c.notifier = n
		// The driver counts a file as having seen nothing until its first
		// read(): acknowledge the page just validated, so that the first
		// wait blocks until something new happens.
		if err := ackDevice(fd); err != nil {
			c.Close()
			return nil, fmt.Errorf("vmclock: read %s: %w", path, err)
		}
	}
	return c, nil
}

// ackDevice tells the driver that this reader has seen the current page:
// the driver wakes poll() whenever seq_count differs from what the file's
// last read() returned, so without a read poll() would report readiness
// forever.
func ackDevice(fd int) error {
	var buf [ABISize]byte
	for {
		_, err := unix.Pread(fd, buf[:], 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err
	}
}

// pollNotifier waits for a device's notifications with poll(2). A pipe
// wakes poll() when the context is cancelled.
type pollNotifier struct {
	path         string
	fd           int
	ack          func() error
	wakeR, wakeW int
	// spins counts notifications in a row that came back at once: a driver
	// without poll support reports every file readable, and a notifier
	// that never blocks must not turn into a busy loop.
	spins int
}

// maxSpins is how many immediate wake-ups in a row make a notifier give
// up in favour of timed polling.
const maxSpins = 8

func newPollNotifier(path string, fd int, ack func() error) (*pollNotifier, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, fmt.Errorf("vmclock: pipe for %s: %w", path, err)
	}
	return &pollNotifier{path: path, fd: fd, ack: ack, wakeR: p[0], wakeW: p[1]}, nil
}

func (n *pollNotifier) wait(ctx context.Context, timeout time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	// The wake-up write must be over before wait returns: after that the
	// pipe may be closed and its descriptor number reused by another file.
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		unix.Write(n.wakeW, []byte{0})
		close(fired)
	})
	defer func() {
		if !stop() {
			<-fired
		}
	}()
	deadline := time.Now().Add(timeout)
	// The first poll does not block, so that "ready at once" is known
	// exactly rather than guessed from timing.
	for immediate := true; ; immediate = false {
		ms := 0
		switch {
		case immediate:
		case timeout <= 0:
			ms = -1 // no deadline: woken by a notification or ctx alone
		default:
			left := time.Until(deadline)
			if left < 0 {
				left = 0
			}
			ms = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		fds := []unix.PollFd{
			{Fd: int32(n.fd), Events: unix.POLLIN},
			{Fd: int32(n.wakeR), Events: unix.POLLIN},
		}
		k, err := unix.Poll(fds, ms)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("vmclock: poll %s: %w", n.path, err)
		}
		if fds[1].Revents != 0 {
			n.drain()
			if err := ctx.Err(); err != nil {
				return false, err
			}
			continue // a wake-up left over from an earlier context
		}
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			return false, errNoNotifications
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			if err := n.ack(); err != nil {
				return false, fmt.Errorf("vmclock: read %s after notification: %w", n.path, err)
			}
			if immediate {
				n.spins++
				if n.spins >= maxSpins {
					return false, errNoNotifications
				}
			} else {
				n.spins = 0
			}
			return true, nil
		}
		if k == 0 && !immediate {
			n.spins = 0
			return false, nil
		}
	}
}

func (n *pollNotifier) drain() {
	var buf [16]byte
	for {
		if k, err := unix.Read(n.wakeR, buf[:]); k <= 0 || err != nil {
			return
		}
	}
}

func (n *pollNotifier) close() error {
	unix.Close(n.wakeR)
	return unix.Close(n.wakeW)
}
