//go:build !unix

package vmgenid

import (
	"fmt"
	"runtime"
)

// fileOwner reports that file owners are not known here.
func fileOwner(path string) (int, error) {
	return -1, fmt.Errorf("file owners are not known on %s", runtime.GOOS)
}
