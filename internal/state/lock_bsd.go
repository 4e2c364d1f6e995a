//go:build unix && !linux

package state

import "os"

// kernelLockHolder: the BSDs have no table of flock holders to read.
func kernelLockHolder(f *os.File) (int, bool) { return 0, false }
