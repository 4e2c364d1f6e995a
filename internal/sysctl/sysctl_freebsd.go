//go:build freebsd

package sysctl

import (
	"bytes"
	"errors"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// System returns the running kernel's sysctl variables.
//
// Children walks FreeBSD's "next OID" interface ({0,2}, what sysctl -a
// uses) below the node and names each leaf with {0,1}.
func System() Reader { return freebsdReader{} }

type freebsdReader struct{}

// From FreeBSD's <sys/sysctl.h>: the meta-OIDs below {0} and the type bits.
const (
	oidName     = 1 // {0,1,oid...}: the dotted name of oid
	oidNext     = 2 // {0,2,oid...}: the next leaf after oid
	oidName2ID  = 3 // {0,3}: new = name, old = oid
	oidFormat   = 4 // {0,4,oid...}: u_int kind, then a format string
	ctlTypeMask = 0xf
	ctlTypeNode = 1
	// maxLeaves bounds the walk below one node; a device's node has a
	// handful of leaves, "dev" a few thousand.
	maxLeaves = 1 << 16
)

func (freebsdReader) Raw(name string) ([]byte, error) {
	mib, err := nameToMIB(name)
	if err != nil {
		return nil, &Error{Op: "read", Name: name, Err: err}
	}
	if kind, err := oidKind(mib); err == nil && kind == ctlTypeNode {
		return nil, &Error{Op: "read", Name: name, Err: syscall.EISDIR}
	}
	b, err := readMIB(mib)
	if err != nil {
		return nil, &Error{Op: "read", Name: name, Err: err}
	}
	return b, nil
}

func (freebsdReader) Children(name string) ([]string, error) {
	mib, err := nameToMIB(name)
	if err != nil {
		return nil, &Error{Op: "list", Name: name, Err: err}
	}
	kind, err := oidKind(mib)
	if err != nil {
		return nil, &Error{Op: "list", Name: name, Err: err}
	}
	if kind != ctlTypeNode {
		return nil, &Error{Op: "list", Name: name, Err: syscall.ENOTDIR}
	}
	var kids []string
	seen := map[string]bool{}
	cur := mib
	for range maxLeaves {
		next, err := nextOID(cur)
		if errors.Is(err, syscall.ENOENT) {
			break // the last leaf of the whole tree
		}
		if err != nil {
			return nil, &Error{Op: "list", Name: name, Err: err}
		}
		if len(next) <= len(mib) || !hasPrefix(next, mib) {
			break
		}
		full, err := oidToName(next)
		if err != nil {
			return nil, &Error{Op: "list", Name: name, Err: err}
		}
		rest, ok := strings.CutPrefix(full, name+".")
		if ok {
			kid, _, _ := strings.Cut(rest, ".")
			if !seen[kid] {
				seen[kid] = true
				kids = append(kids, kid)
			}
		}
		cur = next
	}
	return kids, nil
}

func nameToMIB(name string) ([]int32, error) {
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return nil, syscall.EINVAL
	}
	var buf [unix.CTL_MAXNAME + 2]int32
	n := uintptr(unix.CTL_MAXNAME) * 4
	nb := []byte(name)
	if err := rawSysctl([]int32{0, oidName2ID}, (*byte)(unsafe.Pointer(&buf[0])), &n, &nb[0], uintptr(len(nb))); err != nil {
		return nil, err
	}
	return append([]int32(nil), buf[:n/4]...), nil
}

func oidKind(mib []int32) (uint32, error) {
	b, err := readMIB(append([]int32{0, oidFormat}, mib...))
	if err != nil {
		return 0, err
	}
	if len(b) < 4 {
		return 0, syscall.EIO
	}
	return *(*uint32)(unsafe.Pointer(&b[0])) & ctlTypeMask, nil
}

func nextOID(mib []int32) ([]int32, error) {
	var buf [unix.CTL_MAXNAME + 2]int32
	n := uintptr(unix.CTL_MAXNAME) * 4
	if err := rawSysctl(append([]int32{0, oidNext}, mib...), (*byte)(unsafe.Pointer(&buf[0])), &n, nil, 0); err != nil {
		return nil, err
	}
	return append([]int32(nil), buf[:n/4]...), nil
}

func oidToName(mib []int32) (string, error) {
	b, err := readMIB(append([]int32{0, oidName}, mib...))
	if err != nil {
		return "", err
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b), nil
}

func hasPrefix(oid, prefix []int32) bool {
	if len(oid) < len(prefix) {
		return false
	}
	for i := range prefix {
		if oid[i] != prefix[i] {
			return false
		}
	}
	return true
}
