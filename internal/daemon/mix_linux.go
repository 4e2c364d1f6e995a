package daemon

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// urandomMixer feeds Linux's pool through /dev/urandom. It keeps the
// device open from the first call on: opening and closing it for each
// call cost about 25 µs apiece on a Firecracker guest, most of the
// daemon's own time between a fork notice and the publish, where writing
// and the ioctl take 2 µs each.
type urandomMixer struct {
	path string
	mu   sync.Mutex
	f    *os.File // nil until opened, or after Close
}

// OSMixer returns the mixer for this operating system. On Linux it writes
// to /dev/urandom, which mixes the bytes into the input pool without
// crediting entropy, and asks for a reseed with the RNDRESEEDCRNG ioctl,
// which needs CAP_SYS_ADMIN. It keeps the device open until Close (the
// daemon closes the mixer it made itself).
func OSMixer() Mixer { return &urandomMixer{path: "/dev/urandom"} }

// file returns the open device, opening it if needed (again after a
// failed open); the caller holds mu.
func (m *urandomMixer) file() (*os.File, error) {
	if m.f == nil {
		f, err := os.OpenFile(m.path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		m.f = f
	}
	return m.f, nil
}

func (m *urandomMixer) Mix(b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.file()
	if err != nil {
		return fmt.Errorf("mix: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("mix: %w", err)
	}
	return nil
}

func (m *urandomMixer) Reseed() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.file()
	if err != nil {
		return fmt.Errorf("reseed: %w", err)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("reseed: %w", err)
	}
	var ierr error
	if err := rc.Control(func(fd uintptr) {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, unix.RNDRESEEDCRNG, 0)
		if errno != 0 {
			ierr = errno
		}
	}); err != nil {
		return fmt.Errorf("reseed: %w", err)
	}
	if errors.Is(ierr, unix.EPERM) {
		return fmt.Errorf("reseed: RNDRESEEDCRNG needs CAP_SYS_ADMIN: %w", ErrNotPermitted)
	}
	if ierr != nil {
		return fmt.Errorf("reseed: RNDRESEEDCRNG on %s: %w", m.path, ierr)
	}
	return nil
}

// Close closes the device; a later call opens it again.
func (m *urandomMixer) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.f == nil {
		return nil
	}
	err := m.f.Close()
	m.f = nil
	return err
}
