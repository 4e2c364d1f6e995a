package detect

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// kmsgFile reads /dev/kmsg (or, in tests, a pipe or file). It starts with
// raw non-blocking reads so that it can tell where the records present at
// open end (EAGAIN), then hands the descriptor to an os.File, whose reads
// wait in the runtime's poller and can be interrupted by Close.
type kmsgFile struct {
	path   string
	fd     int
	follow *os.File // nil while reading the backlog
}

func openKmsgStream(path string) (kmsgStream, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("detect: opening kernel log: %w", &os.PathError{Op: "open", Path: path, Err: err})
	}
	return &kmsgFile{path: path, fd: fd}, nil
}

func (k *kmsgFile) Read(p []byte) (int, error) {
	if k.follow != nil {
		for {
			n, err := k.follow.Read(p)
			if errors.Is(err, unix.EPIPE) {
				// Records were overwritten before we read them; the
				// sequence-number gap in the next record counts the loss.
				continue
			}
			return n, err
		}
	}
	for {
		n, err := unix.Read(k.fd, p)
		switch {
		case err == unix.EINTR, err == unix.EPIPE:
			continue
		case err == unix.EAGAIN:
			k.startFollowing()
			return 0, errBacklogEnd
		case err != nil:
			return 0, &os.PathError{Op: "read", Path: k.path, Err: err}
		case n == 0:
			k.startFollowing()
			return 0, io.EOF
		}
		return n, nil
	}
}

func (k *kmsgFile) startFollowing() {
	k.follow = os.NewFile(uintptr(k.fd), k.path)
}

func (k *kmsgFile) Close() error {
	if k.follow != nil {
		return k.follow.Close()
	}
	return unix.Close(k.fd)
}

// driverDirs are where Linux lists the devices its vmgenid driver is bound
// to: an ACPI driver up to 6.9, a platform driver since.
var driverDirs = []string{"/sys/bus/platform/drivers/vmgenid", "/sys/bus/acpi/drivers/vmgenid"}

// KernelDriverBound reports whether the kernel's vmgenid driver is bound
// to a device: then the kernel logs a fork notice ("crng reseeded due to
// virtual machine fork") for every change, and the kernel log covers the
// device. why says what was found, for messages.
func KernelDriverBound() (bool, string) {
	return driverBound(driverDirs)
}

func driverBound(dirs []string) (bool, string) {
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			// The driver's own files are bind, unbind, uevent, module,
			// new_id, remove_id; a bound device is a link named like
			// QEMUVGID:00 or VMGENCTR:00.
			if e.Type()&os.ModeSymlink != 0 && strings.Contains(e.Name(), ":") {
				return true, "bound to " + e.Name() + " (" + dir + ")"
			}
		}
	}
	return false, "not bound (" + strings.Join(dirs, ", ") + ": no device)"
}
