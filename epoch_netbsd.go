package vmgenid

import (
	"sync"

	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// kernelEpochLeaf is kern.entropy.epoch, resolved on first use; a kernel
// without it (before NetBSD 10) keeps the error and Epoch returns 0.
var kernelEpochLeaf = sync.OnceValues(func() (sysctl.Leaf, error) {
	return sysctl.Lookup("kern.entropy.epoch")
})

// osEpoch returns the kernel's kern.entropy.epoch as Epoch reports it
// without a state file (kernelEpochValue), 0 if it cannot be read.
func osEpoch() uint64 {
	leaf, err := kernelEpochLeaf()
	if err != nil {
		return 0
	}
	var buf [8]byte
	n, err := leaf.Read(buf[:])
	if err != nil {
		return 0
	}
	return kernelEpochValue(buf[:n])
}
