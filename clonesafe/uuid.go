package clonesafe

import (
	"encoding/binary"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// UUIDv4 returns a random (version 4) UUID, RFC 9562 section 5.4: 122
// random bits from the clone-safe generator. It is safe for concurrent use.
func UUIDv4() uuid.UUID {
	a, b := uint64Pair()
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[0:8], a&^0xf000|0x4000)      // version 4
	binary.BigEndian.PutUint64(u[8:16], b&^(0xc<<60)|0x8<<60) // variant 10
	return u
}

// v7Last is the last UUIDv7 time value handed out: Unix milliseconds << 12
// | a 12-bit fraction of the millisecond.
var v7Last atomic.Uint64

// v7Clock returns the time value for the next UUIDv7: the current Unix time
// in milliseconds with a 12-bit sub-millisecond fraction (RFC 9562 section
// 6.2, method 3), or one more than the last value handed out if the clock
// did not advance past it — so values increase strictly within a process
// even when the wall clock steps back or many UUIDs share a fraction.
func v7Clock(nowNanos int64) uint64 {
	now := uint64(max(nowNanos, 0))
	ms, sub := now/1e6, now%1e6
	t := (ms&(1<<48-1))<<12 | sub*4096/1e6
	for {
		last := v7Last.Load()
		next := max(t, last+1)
		if v7Last.CompareAndSwap(last, next) {
			return next
		}
	}
}

// UUIDv7 returns a time-ordered (version 7) UUID, RFC 9562 section 5.7: a
// 48-bit Unix millisecond timestamp, 12 bits of sub-millisecond time (a
// counter when calls come faster than the clock), and 62 random bits from
// the clone-safe generator. Within a process the values strictly increase.
// It is safe for concurrent use; the ordering state is one atomic word
// updated by compare-and-swap. Clones of one process continue from the same
// ordering state, so their UUIDs may share the first 64 bits, but the random
// bits differ once the epoch has moved.
func UUIDv7() uuid.UUID {
	t := v7Clock(time.Now().UnixNano())
	r := Uint64()
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[0:8], t>>12<<16|0x7000|t&0xfff) // version 7
	binary.BigEndian.PutUint64(u[8:16], r&^(0xc<<60)|0x8<<60)    // variant 10
	return u
}
