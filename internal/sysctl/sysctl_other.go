//go:build !netbsd && !freebsd

package sysctl

import "errors"

// System returns the running kernel's sysctl variables. This OS has no
// BSD-style sysctl(3): every call fails with an error wrapping
// errors.ErrUnsupported.
func System() Reader { return unsupported{} }

type unsupported struct{}

func (unsupported) Raw(name string) ([]byte, error) {
	return nil, &Error{Op: "read", Name: name, Err: errors.ErrUnsupported}
}

func (unsupported) Children(name string) ([]string, error) {
	return nil, &Error{Op: "list", Name: name, Err: errors.ErrUnsupported}
}
