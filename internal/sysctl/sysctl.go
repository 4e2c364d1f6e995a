// Package sysctl is a small interface over the BSD kernels' sysctl(3)
// variables, so that the code which interprets them (the NetBSD and FreeBSD
// VM generation ID backends) is tested on any OS with recorded values.
//
// System returns the running kernel's variables on NetBSD and FreeBSD and an
// unsupported-everywhere reader elsewhere; Map is an in-memory Reader for
// tests. Values are raw bytes as the kernel hands them out; Uint decodes the
// integer types (4-byte int, 8-byte quad) in the machine's byte order.
//
// Its callers are internal/source/bsdsrc (the ID and the kernel's epoch),
// the root package (kern.entropy.epoch when no daemon publishes on NetBSD),
// the daemon (which hands the running kernel's variables to the BSD
// detectors) and the vmgenid sysctl command. It knows
// no variable of its own.
package sysctl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
)

// Reader reads sysctl variables by their dotted names ("kern.entropy.epoch").
//
// Errors wrap the kernel's errno in an *Error, so errors.Is(err,
// fs.ErrNotExist) tells a missing node and errors.Is(err, fs.ErrPermission) a
// node that only root may read, on every implementation.
type Reader interface {
	// Raw returns the variable's value as the kernel copies it out.
	Raw(name string) ([]byte, error)
	// Children returns the names of the direct children of the node
	// (the last component only: "acpivmgenid0" for "hw"), in the kernel's
	// order. A name that is not a node, or does not exist, is an error.
	Children(name string) ([]string, error)
}

// Error is a failed sysctl access: which variable, what was tried, and why.
type Error struct {
	Op   string // "read", "list", "decode"
	Name string // the variable's dotted name
	Err  error  // the cause, usually a syscall.Errno
}

func (e *Error) Error() string {
	return fmt.Sprintf("sysctl %s %s: %v", e.Op, e.Name, e.Err)
}

// Unwrap returns the cause, so errors.Is sees the errno.
func (e *Error) Unwrap() error { return e.Err }

// IsNotExist reports whether err says the sysctl node does not exist.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// IsPermission reports whether err says the caller may not read the node
// (NetBSD's CTLFLAG_PRIVATE nodes are root-only).
func IsPermission(err error) bool { return errors.Is(err, fs.ErrPermission) }

// ErrSize is the cause when a value has a length its type does not allow.
var ErrSize = errors.New("unexpected value size")

// DecodeUint decodes a kernel integer in the machine's byte order: 4 bytes
// (CTLTYPE_INT, u_int) or 8 bytes (CTLTYPE_QUAD, uint64_t). Any other length
// is an error wrapping ErrSize.
func DecodeUint(b []byte) (uint64, error) {
	switch len(b) {
	case 4:
		return uint64(binary.NativeEndian.Uint32(b)), nil
	case 8:
		return binary.NativeEndian.Uint64(b), nil
	}
	return 0, fmt.Errorf("%w: %d bytes, want 4 or 8", ErrSize, len(b))
}

// Uint reads an integer variable of either width (see DecodeUint).
func Uint(r Reader, name string) (uint64, error) {
	b, err := r.Raw(name)
	if err != nil {
		return 0, err
	}
	v, err := DecodeUint(b)
	if err != nil {
		return 0, &Error{Op: "decode", Name: name, Err: err}
	}
	return v, nil
}

// Fixed reads a variable that must be exactly size bytes long, such as a
// 16-byte VM generation ID.
func Fixed(r Reader, name string, size int) ([]byte, error) {
	b, err := r.Raw(name)
	if err != nil {
		return nil, err
	}
	if len(b) != size {
		return nil, &Error{Op: "decode", Name: name, Err: fmt.Errorf("%w: %d bytes, want %d", ErrSize, len(b), size)}
	}
	return b, nil
}

// String reads a string variable, dropping the kernel's trailing NUL.
func String(r Reader, name string) (string, error) {
	b, err := r.Raw(name)
	if err != nil {
		return "", err
	}
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return string(b), nil
}

func nativeUint32(v uint32) []byte {
	return binary.NativeEndian.AppendUint32(nil, v)
}

func nativeUint64(v uint64) []byte {
	return binary.NativeEndian.AppendUint64(nil, v)
}
