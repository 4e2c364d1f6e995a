package physmem

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestHints checks what each real failure is explained as, without
// needing a machine in each situation.
func TestHints(t *testing.T) {
	tests := []struct {
		path  string
		errno unix.Errno
		want  string
		is    error
	}{
		{"/dev/mem", unix.ENOENT, "without CONFIG_DEVMEM (as on Firecracker guests)", fs.ErrNotExist},
		{"/dev/mem", unix.EACCES, "needs root or CAP_SYS_RAWIO", fs.ErrPermission},
		{"/dev/mem", unix.EPERM, "needs root or CAP_SYS_RAWIO", fs.ErrPermission},
		{"/tmp/image", unix.ENOENT, "", fs.ErrNotExist},
	}
	for _, tt := range tests {
		err := explainOpen(tt.path, &os.PathError{Op: "open", Path: tt.path, Err: tt.errno})
		var oe *OpenError
		if !errors.As(err, &oe) || !errors.Is(err, tt.is) {
			t.Errorf("%s %v: err = %v, want an OpenError wrapping %v", tt.path, tt.errno, err, tt.is)
			continue
		}
		if tt.want == "" && oe.Hint != "" || !strings.Contains(oe.Hint, tt.want) {
			t.Errorf("%s %v: hint %q, want %q", tt.path, tt.errno, oe.Hint, tt.want)
		}
	}
	reads := []struct {
		op    string
		errno unix.Errno
		want  string
	}{
		{"mmap", unix.EAGAIN, "conflicting cache type"},
		{"mmap", unix.EPERM, "CONFIG_STRICT_DEVMEM"},
		{"pread", unix.EFAULT, "mapping works"},
	}
	for _, tt := range reads {
		err := explainRead("/dev/mem", 0xfffff028, tt.op, tt.errno)
		var re *ReadError
		if !errors.As(err, &re) || !errors.Is(err, tt.errno) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "0xfffff028") {
			t.Errorf("%s %v: err = %v, want a ReadError naming the address and %q", tt.op, tt.errno, err, tt.want)
		}
	}
}
