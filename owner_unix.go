//go:build unix

package vmgenid

import (
	"fmt"
	"os"
	"syscall"
)

// fileOwner returns the user ID that owns the file at path.
func fileOwner(path string) (int, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return -1, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, fmt.Errorf("%s: no owner in %T", path, fi.Sys())
	}
	return int(st.Uid), nil
}
