//go:build netbsd || freebsd

package bsdsrc

import (
	"runtime"

	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// On the BSDs, importing this package adds the kernel-driver source (with
// its physical-memory fallback) to source.Detect.
func init() {
	source.RegisterPlatform(func(opts source.Options) (source.Source, string, bool) {
		return Platform(runtime.GOOS, sysctl.System(), opts)
	})
}
