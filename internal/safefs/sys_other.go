//go:build !unix

package safefs

import "io/fs"

const (
	oNoFollow = 0
	oNonBlock = 0
	oCloexec  = 0
)

func owner(fi fs.FileInfo) int { return -1 }

func isLoop(err error) bool { return false }
