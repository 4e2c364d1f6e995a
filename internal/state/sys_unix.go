//go:build linux || netbsd || freebsd || openbsd || dragonfly || darwin

package state

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// mmapFile maps the first Size bytes of f shared, read-only or read-write.
func mmapFile(f *os.File, writable bool) ([]byte, error) {
	prot := unix.PROT_READ
	if writable {
		prot |= unix.PROT_WRITE
	}
	return unix.Mmap(int(f.Fd()), 0, Size, prot, unix.MAP_SHARED)
}

func munmap(b []byte) error { return unix.Munmap(b) }

// errLockHeld is returned by lockFile when another open file holds the lock.
var errLockHeld = errors.New("lock held")

// lockFile takes an exclusive, non-blocking flock on f.
func lockFile(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return errLockHeld
		default:
			return err
		}
	}
}

// openNoFollow opens path without following a symbolic link in its last
// element, so that a link planted in the state directory is never written
// through.
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, perm)
}

// ownerOf returns the owner's user ID of a file, and whether it is known.
func ownerOf(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// isPermission reports whether err is EACCES or EPERM.
func isPermission(err error) bool {
	return errors.Is(err, fs.ErrPermission)
}
