package physmem

import "golang.org/x/sys/unix"

// openHint says what an open failure of a physical-memory file means on
// Linux.
func openHint(path string, errno unix.Errno) string {
	switch errno {
	case unix.ENOENT:
		if path == "/dev/mem" {
			return "the kernel was built without CONFIG_DEVMEM (as on Firecracker guests), so user space cannot read physical memory"
		}
	case unix.EACCES, unix.EPERM:
		return "reading physical memory needs root or CAP_SYS_RAWIO (and a kernel not in lockdown mode)"
	case unix.ENXIO, unix.ENODEV:
		return "the kernel has the device node but no driver behind it (CONFIG_DEVMEM off?)"
	}
	return ""
}

// readHint says what a failed mmap or pread of physical memory means on
// Linux.
func readHint(op string, errno unix.Errno) string {
	switch errno {
	case unix.EPERM, unix.EACCES:
		return "the kernel refuses this address (CONFIG_STRICT_DEVMEM allows only reserved and I/O ranges, or lockdown is on)"
	case unix.EAGAIN:
		return "the page is already mapped with a conflicting cache type (x86 PAT)"
	case unix.EFAULT:
		if op == "pread" {
			return "pread of /dev/mem fails where no RAM lies above the address; mapping works"
		}
	case unix.EINVAL:
		return "the address is outside what the kernel lets this file map"
	}
	return ""
}
