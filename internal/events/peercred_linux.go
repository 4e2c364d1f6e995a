package events

import "golang.org/x/sys/unix"

// peerUID reads SO_PEERCRED.
func peerUID(fd uintptr) (int, bool) {
	cred, err := unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return 0, false
	}
	return int(cred.Uid), true
}
