//go:build !linux

package detect

// openKmsgStream fails: only Linux has /dev/kmsg with fork notices.
func openKmsgStream(path string) (kmsgStream, error) {
	return nil, ErrUnsupported
}

// KernelDriverBound reports false: only Linux logs fork notices.
func KernelDriverBound() (bool, string) {
	return false, "no kernel fork notices on this system"
}
