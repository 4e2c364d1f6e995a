//go:build netbsd

package sysctl

import (
	"errors"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// System returns the running kernel's sysctl variables.
//
// Names are resolved with NetBSD's CTL_QUERY, one level at a time, so that a
// missing node is ENOENT (x/sys/unix's own resolver reports it as EINVAL) and
// a node's children can be listed.
func System() Reader { return netbsdReader{} }

type netbsdReader struct{}

// From NetBSD's <sys/sysctl.h>; x/sys/unix does not export them.
const (
	ctlTypeMask = 0x0000000f
	ctlTypeNode = 1
)

func (netbsdReader) Raw(name string) ([]byte, error) {
	mib, kind, err := resolve(name)
	if err != nil {
		return nil, &Error{Op: "read", Name: name, Err: err}
	}
	if kind == ctlTypeNode {
		return nil, &Error{Op: "read", Name: name, Err: syscall.EISDIR}
	}
	b, err := readMIB(mib)
	if err != nil {
		return nil, &Error{Op: "read", Name: name, Err: err}
	}
	return b, nil
}

func (netbsdReader) Children(name string) ([]string, error) {
	var mib []int32
	if name != "" {
		var kind uint32
		var err error
		mib, kind, err = resolve(name)
		if err != nil {
			return nil, &Error{Op: "list", Name: name, Err: err}
		}
		if kind != ctlTypeNode {
			return nil, &Error{Op: "list", Name: name, Err: syscall.ENOTDIR}
		}
	}
	nodes, err := queryNodes(mib)
	if err != nil {
		return nil, &Error{Op: "list", Name: name, Err: err}
	}
	names := make([]string, 0, len(nodes))
	for i := range nodes {
		names = append(names, nodeName(&nodes[i]))
	}
	return names, nil
}

// resolve turns a dotted name into a MIB and the node's type.
func resolve(name string) ([]int32, uint32, error) {
	if name == "" {
		return nil, 0, syscall.ENOENT
	}
	parts := strings.Split(name, ".")
	if len(parts) > unix.CTL_MAXNAME {
		return nil, 0, syscall.ENAMETOOLONG
	}
	var mib []int32
	var kind uint32 = ctlTypeNode
	for _, part := range parts {
		if kind != ctlTypeNode {
			return nil, 0, syscall.ENOTDIR
		}
		nodes, err := queryNodes(mib)
		if err != nil {
			return nil, 0, err
		}
		found := false
		for i := range nodes {
			if nodeName(&nodes[i]) == part {
				mib = append(mib, nodes[i].Num)
				kind = nodes[i].Flags & ctlTypeMask
				found = true
				break
			}
		}
		if !found {
			return nil, 0, syscall.ENOENT
		}
	}
	return mib, kind, nil
}

// queryNodes lists the nodes below mib (the top level for an empty mib).
func queryNodes(mib []int32) ([]unix.Sysctlnode, error) {
	q := append(append(make([]int32, 0, len(mib)+1), mib...), unix.CTL_QUERY)
	qnode := unix.Sysctlnode{Flags: unix.SYSCTL_VERS_1}
	qp := (*byte)(unsafe.Pointer(&qnode))
	qsize := unsafe.Sizeof(qnode)
	size := unsafe.Sizeof(unix.Sysctlnode{})
	var n uintptr
	if err := rawSysctl(q, nil, &n, qp, qsize); err != nil {
		return nil, err
	}
	// Nodes can appear between the two calls (a driver attaching):
	// leave room for a few and retry if even that is too small.
	for range 4 {
		nodes := make([]unix.Sysctlnode, n/size+4)
		n = uintptr(len(nodes)) * size
		err := rawSysctl(q, (*byte)(unsafe.Pointer(&nodes[0])), &n, qp, qsize)
		if errors.Is(err, syscall.ENOMEM) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return nodes[:n/size], nil
	}
	return nil, syscall.ENOMEM
}

func nodeName(n *unix.Sysctlnode) string {
	var b strings.Builder
	for _, c := range n.Name {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return b.String()
}

// Leaf is a variable whose name was resolved once, for callers that read
// it often: resolving a name costs a system call per level.
type Leaf struct {
	name string
	mib  []int32
}

// Lookup resolves name, which must be a variable rather than a node
// (NetBSD only).
func Lookup(name string) (Leaf, error) {
	mib, kind, err := resolve(name)
	if err != nil {
		return Leaf{}, &Error{Op: "read", Name: name, Err: err}
	}
	if kind == ctlTypeNode {
		return Leaf{}, &Error{Op: "read", Name: name, Err: syscall.EISDIR}
	}
	return Leaf{name: name, mib: mib}, nil
}

// Read copies the variable's value into buf in one system call and
// returns its length; a value longer than buf is an error (ENOMEM).
func (l Leaf) Read(buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, &Error{Op: "read", Name: l.name, Err: syscall.ENOMEM}
	}
	n := uintptr(len(buf))
	if err := rawSysctl(l.mib, &buf[0], &n, nil, 0); err != nil {
		return 0, &Error{Op: "read", Name: l.name, Err: err}
	}
	return int(n), nil
}
