package events

import (
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

// peerUID reads LOCAL_PEEREID: the peer's effective user ID.
func peerUID(fd uintptr) (int, bool) {
	var id unpcbid
	n := uint32(unsafe.Sizeof(id))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, 0, localPeerEID,
		uintptr(unsafe.Pointer(&id)), uintptr(unsafe.Pointer(&n)), 0)
	if errno != 0 {
		return 0, false
	}
	return int(id.euid), true
}
