//go:build !(linux || netbsd || freebsd || openbsd || dragonfly || darwin)

package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
)

// errUnsupported explains that this OS has no shared file mappings here.
var errUnsupported = fmt.Errorf("state: shared file mappings are not supported on %s: %w", runtime.GOOS, errors.ErrUnsupported)

func mmapFile(f *os.File, writable bool) ([]byte, error) { return nil, errUnsupported }

func munmap(b []byte) error { return errUnsupported }

var errLockHeld = errors.New("lock held")

func lockFile(f *os.File) error { return errUnsupported }

func ownerOf(fi fs.FileInfo) (int, uint64, bool) { return 0, 0, false }

func processExists(pid int) bool { return false }

func kernelLockHolder(f *os.File) (int, bool) { return 0, false }

func isPermission(err error) bool { return errors.Is(err, fs.ErrPermission) }
