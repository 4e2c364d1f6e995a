package vmgenid

import (
	"math/bits"
	"sync/atomic"

	"github.com/vmgenid/vmgenid/internal/epochword"
	"github.com/vmgenid/vmgenid/internal/state"
)

// Epoch returns the entropy epoch published by the vmgenid daemon in
// DefaultStatePath, or 0 if there is none.
//
// The first call maps the state file; from then on Epoch is two atomic
// loads from memory (the pointer to the mapped word, then the word), with
// no system call and no lock: about a nanosecond, and it inlines into the
// caller. It is safe for concurrent use.
//
// Guarantees: a value other than 0 was published by the daemon (or, on
// NetBSD, by the kernel, see below); two calls that return the same value
// saw no generation change between their publications, and a change
// published before a call began is seen by it. Compare with the epoch seen
// at your last reseed for equality; do not order epochs (they wrap from all
// ones minus one to 1).
//
// While the file is missing or invalid, Epoch returns 0 and tries to map it
// again at most every 100 ms; calls in between only read the clock. On
// NetBSD it returns the kernel's own kern.entropy.epoch instead of 0 (one
// sysctl call; 0 until the kernel has consolidated full entropy once),
// with bit 62 set so that it never equals an epoch a daemon publishes:
// the switch to a daemon's epoch is seen as a change. The kernel's epoch
// also advances on ordinary entropy consolidations, so it advances more
// often than the daemon's; every VM generation change advances it. Once
// mapped, the mapping follows the daemon across restarts (the daemon
// updates the same file in place). If the file is deleted and re-created
// nonetheless, Epoch keeps the old mapping until Current or Watch notices
// and maps the new file.
func Epoch() uint64 {
	// defaultFile.Epoch with epochword.Load written out: the slot's
	// address is a constant (two loads, not three), and Epoch stays
	// within the inlining budget (nested inlined calls cost more).
	// int64(e) > 0 rejects both 0 (nothing published) and values with
	// epochword.FallbackBit set (clonesafe's timer epoch).
	e := atomic.LoadUint64((*uint64)(atomic.LoadPointer(epochword.Slot())))
	if state.BigEndian {
		e = bits.ReverseBytes64(e)
	}
	if int64(e) > 0 {
		return e
	}
	return defaultEpochSlow()
}

// defaultEpochSlow is the default file's epochSlow, a call without
// arguments that keeps Epoch within the inlining budget.
//
//go:noinline
func defaultEpochSlow() uint64 { return defaultFile.epochSlow() }

// Current returns a consistent copy of the record the daemon published in
// DefaultStatePath: all fields belong to the same publication (the read
// retries while the daemon is writing). The error wraps ErrNoState when no
// daemon has published a state. Unlike Epoch, Current makes a stat(2) call
// to notice a state file that was replaced.
func Current() (State, error) { return defaultFile.Current() }
