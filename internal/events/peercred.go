//go:build linux || freebsd || netbsd

package events

import "net"

// PeerUID returns the user ID of the process at the other end of a Unix
// socket connection, as the kernel recorded it when that process
// connected or listened (Linux SO_PEERCRED, FreeBSD LOCAL_PEERCRED,
// NetBSD LOCAL_PEEREID), and whether the system told.
func PeerUID(c *net.UnixConn) (int, bool) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, false
	}
	var uid int
	var ok bool
	if err := raw.Control(func(fd uintptr) { uid, ok = peerUID(fd) }); err != nil {
		return 0, false
	}
	return uid, ok
}
