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

// ownerOf returns the owner's user ID of a file and its number of links,
// and whether they are known.
func ownerOf(fi fs.FileInfo) (uid int, nlink uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), uint64(st.Nlink), true
}

// processExists reports whether a process with this ID runs.
func processExists(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// isPermission reports whether err is EACCES or EPERM.
func isPermission(err error) bool {
	return errors.Is(err, fs.ErrPermission)
}
