// Package epochword holds the one pointer through which the process reads
// the default state file's entropy epoch: the root package's Epoch and
// clonesafe's generators load it on every call, so that their check is the
// same two inlined loads (the pointer, then the word it points at) whether
// a daemon runs or not.
//
// The pointer is at the epoch word of the default state file's mapping
// once that word holds a published epoch (the root package points it there,
// and again after mapping a replaced file), and at the fallback word
// before. The fallback word is 0 unless clonesafe is used without a
// daemon: clonesafe then keeps its timer epoch there (FallbackBit | tick),
// which the root package's Epoch never reports as an epoch.
//
// Words are kept in the state file's byte order (little-endian); Load and
// the fallback accessors convert.
package epochword

import (
	"math/bits"
	"sync/atomic"
	"unsafe"

	"github.com/vmgenid/vmgenid/internal/state"
)

// FallbackBit is set in every value clonesafe stores in the fallback word.
// Published epochs count up by one from 1 and never reach it, so a value
// with it set is never taken for a published epoch.
const FallbackBit = 1 << 63

var (
	fallback uint64
	current  = unsafe.Pointer(&fallback)
)

// fromLE converts between the file's byte order and the machine's; on
// little-endian machines it compiles to nothing.
func fromLE(v uint64) uint64 {
	if state.BigEndian {
		return bits.ReverseBytes64(v)
	}
	return v
}

// Slot returns the pointer's address, for the root package's default state
// file to point it with atomic stores.
func Slot() *unsafe.Pointer { return &current }

// FallbackWord returns the fallback word's address, what the slot points
// at while no epoch is published.
func FallbackWord() unsafe.Pointer { return unsafe.Pointer(&fallback) }

// Load returns the word the slot points at, in the machine's byte order:
// the published epoch, or the fallback word's value. It is two atomic
// loads, and inlines.
func Load() uint64 { return fromLE(atomic.LoadUint64((*uint64)(atomic.LoadPointer(&current)))) }

// AtFallback reports whether the slot points at the fallback word.
func AtFallback() bool { return atomic.LoadPointer(&current) == unsafe.Pointer(&fallback) }

// LoadFallback returns the fallback word.
func LoadFallback() uint64 { return fromLE(atomic.LoadUint64(&fallback)) }

// StoreFallback sets the fallback word.
func StoreFallback(v uint64) { atomic.StoreUint64(&fallback, fromLE(v)) }

// CompareAndSwapFallback sets the fallback word to new if it holds old.
func CompareAndSwapFallback(old, new uint64) bool {
	return atomic.CompareAndSwapUint64(&fallback, fromLE(old), fromLE(new))
}
