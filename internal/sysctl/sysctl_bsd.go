//go:build netbsd || freebsd

package sysctl

import (
	"errors"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// readMIB reads a leaf's value, growing the buffer if the value grew
// between asking its size and reading it.
func readMIB(mib []int32) ([]byte, error) {
	var n uintptr
	if err := rawSysctl(mib, nil, &n, nil, 0); err != nil {
		return nil, err
	}
	for range 4 {
		buf := make([]byte, n+16)
		n = uintptr(len(buf))
		err := rawSysctl(mib, &buf[0], &n, nil, 0)
		if errors.Is(err, syscall.ENOMEM) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
	return nil, syscall.ENOMEM
}

// rawSysctl is the __sysctl system call on a numeric MIB, the same on both
// BSDs.
func rawSysctl(mib []int32, old *byte, oldlen *uintptr, new *byte, newlen uintptr) error {
	var mp unsafe.Pointer
	if len(mib) > 0 {
		mp = unsafe.Pointer(&mib[0])
	}
	_, _, e := unix.Syscall6(unix.SYS___SYSCTL, uintptr(mp), uintptr(len(mib)),
		uintptr(unsafe.Pointer(old)), uintptr(unsafe.Pointer(oldlen)),
		uintptr(unsafe.Pointer(new)), newlen)
	if e != 0 {
		return e
	}
	return nil
}
