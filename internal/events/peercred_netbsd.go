package events

import (
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// localPeerEID is LOCAL_PEEREID from NetBSD's <sys/un.h>, at level 0
// (SOL_LOCAL); golang.org/x/sys/unix has no wrapper for it.
const localPeerEID = 3

// unpcbid is NetBSD's struct unpcbid.
type unpcbid struct {
	pid  int32
	euid uint32
	egid uint32
}

// PeerUID returns the user ID of the process at the other end of a Unix
// socket connection (LOCAL_PEEREID: its effective user ID when it
// connected or listened), and whether the system told.
func PeerUID(c *net.UnixConn) (int, bool) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, false
	}
	var id unpcbid
	var errno unix.Errno
	if err := raw.Control(func(fd uintptr) {
		n := uint32(unsafe.Sizeof(id))
		_, _, errno = unix.Syscall6(unix.SYS_GETSOCKOPT, fd, 0, localPeerEID,
			uintptr(unsafe.Pointer(&id)), uintptr(unsafe.Pointer(&n)), 0)
	}); err != nil || errno != 0 {
		return 0, false
	}
	return int(id.euid), true
}
