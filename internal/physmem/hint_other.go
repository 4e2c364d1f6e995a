//go:build !linux

package physmem

import "golang.org/x/sys/unix"

// openHint says what an open failure of a physical-memory file means on a
// BSD.
func openHint(path string, errno unix.Errno) string {
	switch errno {
	case unix.ENOENT:
		if path == "/dev/mem" {
			return "this system has no /dev/mem"
		}
	case unix.EACCES, unix.EPERM:
		return "reading physical memory needs root (or the kmem group) and a securelevel that allows it"
	}
	return ""
}

// readHint says what a failed mmap or pread of physical memory means on a
// BSD.
func readHint(op string, errno unix.Errno) string {
	switch errno {
	case unix.EPERM, unix.EACCES:
		return "the kernel refuses this address (securelevel?)"
	case unix.EINVAL, unix.EFAULT:
		return "the address is outside what the kernel lets this file " + op
	}
	return ""
}
