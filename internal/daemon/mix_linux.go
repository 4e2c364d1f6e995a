package daemon

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// urandomMixer feeds Linux's pool through /dev/urandom.
type urandomMixer struct{ path string }

// OSMixer returns the mixer for this operating system. On Linux it writes
// to /dev/urandom, which mixes the bytes into the input pool without
// crediting entropy, and asks for a reseed with the RNDRESEEDCRNG ioctl,
// which needs CAP_SYS_ADMIN.
func OSMixer() Mixer { return urandomMixer{path: "/dev/urandom"} }

func (m urandomMixer) Mix(b []byte) error {
	f, err := os.OpenFile(m.path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("mix: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("mix: %w", err)
	}
	return nil
}

func (m urandomMixer) Reseed() error {
	f, err := os.OpenFile(m.path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("reseed: %w", err)
	}
	defer f.Close()
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
