//go:build !linux

package detect

// openKmsgStream fails: only Linux has /dev/kmsg with fork notices.
func openKmsgStream(path string) (kmsgStream, error) {
	return nil, ErrUnsupported
}
