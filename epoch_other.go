//go:build !netbsd

package vmgenid

// osEpoch returns 0: only NetBSD's kernel publishes an epoch of its own
// (epoch_netbsd.go).
func osEpoch() uint64 { return 0 }
