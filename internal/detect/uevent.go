package detect

import (
	"bytes"
	"fmt"
)

// Uevent is one kernel object event as the kernel multicasts it on
// NETLINK_KOBJECT_UEVENT: "ACTION@DEVPATH\0KEY=VALUE\0KEY=VALUE\0…".
type Uevent struct {
	Action  string            // "change", "add", …
	DevPath string            // "/devices/LNXSYSTM:00/…/QEMUVGID:00"
	Env     map[string]string // the KEY=VALUE pairs
}

// IsNewVMGenID reports whether the event is the NEW_VMGENID=1 change event
// that Linux's vmgenid driver sent in some 6.8 kernels.
func (u Uevent) IsNewVMGenID() bool { return u.Env["NEW_VMGENID"] == "1" }

// UeventError says what is wrong with a uevent message and where.
type UeventError struct {
	Offset int
	Reason string
}

func (e *UeventError) Error() string {
	return fmt.Sprintf("uevent: offset %d: %s", e.Offset, e.Reason)
}

// Bounds on a uevent: the kernel's buffer is 2048 bytes with at most 64
// variables (UEVENT_BUFFER_SIZE, UEVENT_NUM_ENVP).
const (
	maxUeventSize = 8192
	maxUeventVars = 256
)

// ParseUevent parses a kernel uevent message. Messages that udev
// re-broadcasts ("libudev" header) are not kernel uevents and are refused.
func ParseUevent(b []byte) (Uevent, error) {
	var u Uevent
	if len(b) > maxUeventSize {
		return u, &UeventError{Offset: maxUeventSize, Reason: fmt.Sprintf("message is %d bytes, more than %d", len(b), maxUeventSize)}
	}
	if bytes.HasPrefix(b, []byte("libudev\x00")) {
		return u, &UeventError{Offset: 0, Reason: "a udev message, not a kernel uevent"}
	}
	end := bytes.IndexByte(b, 0)
	if end < 0 {
		end = len(b)
	}
	head := b[:end]
	at := bytes.IndexByte(head, '@')
	if at <= 0 || at == len(head)-1 {
		return u, &UeventError{Offset: 0, Reason: fmt.Sprintf("header %q: want ACTION@DEVPATH", truncate(head, 64))}
	}
	u.Action, u.DevPath = string(head[:at]), string(head[at+1:])
	u.Env = make(map[string]string)
	off, vars := end+1, 0
	for off < len(b) {
		n := bytes.IndexByte(b[off:], 0)
		if n < 0 {
			n = len(b) - off
		}
		v := b[off : off+n]
		if len(v) > 0 {
			eq := bytes.IndexByte(v, '=')
			if eq <= 0 {
				return u, &UeventError{Offset: off, Reason: fmt.Sprintf("variable %q: want KEY=VALUE", truncate(v, 64))}
			}
			if vars++; vars > maxUeventVars {
				return u, &UeventError{Offset: off, Reason: fmt.Sprintf("more than %d variables", maxUeventVars)}
			}
			u.Env[string(v[:eq])] = string(v[eq+1:])
		}
		off += n + 1
	}
	return u, nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
