//go:build unix

package safefs

import (
	"errors"
	"io/fs"
	"syscall"
)

const (
	oNoFollow = syscall.O_NOFOLLOW
	oNonBlock = syscall.O_NONBLOCK
	oCloexec  = syscall.O_CLOEXEC
)

// owner returns a file's owner's user ID, or -1 if unknown.
func owner(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// isLoop reports the error of an O_NOFOLLOW open of a symbolic link:
// ELOOP, or EMLINK on NetBSD and FreeBSD.
func isLoop(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}
