//go:build netbsd || freebsd

package bsdsrc

import (
	"runtime"

	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// Platforms returns the kernel-driver source of this BSD (with its
// physical-memory fallback), for source.Options.Platforms.
func Platforms() []source.Platform {
	return []source.Platform{func(opts source.Options) (source.Source, string, bool) {
		return Platform(runtime.GOOS, sysctl.System(), opts)
	}}
}
