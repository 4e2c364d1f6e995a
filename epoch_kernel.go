package vmgenid

import "github.com/vmgenid/vmgenid/internal/sysctl"

// kernelEpochBit is set in the epochs Epoch takes from the kernel (NetBSD's
// kern.entropy.epoch, a 32-bit counter) so that they never equal one a
// daemon publishes: those count up by one from 1 and cannot reach it. Nor
// do they reach bit 63, which clonesafe sets in its own fallback epochs.
const kernelEpochBit = 1 << 62

// kernelEpochValue turns the bytes of kern.entropy.epoch into what Epoch
// returns: the value with kernelEpochBit set, or 0 when the kernel has not
// consolidated full entropy yet (it reports all ones) or the value has an
// unexpected size.
func kernelEpochValue(b []byte) uint64 {
	v, err := sysctl.DecodeUint(b)
	// All ones of the value's width (for 8 bytes the shift gives 0).
	if err != nil || v == 1<<(8*len(b))-1 {
		return 0
	}
	return kernelEpochBit | v
}
