//go:build !netbsd && !freebsd

package bsdsrc

import "github.com/vmgenid/vmgenid/internal/source"

// Platforms returns nothing: only NetBSD and FreeBSD have these drivers.
func Platforms() []source.Platform { return nil }
