package clonesafe

import (
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmgenid/vmgenid"
	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/epochword"
)

// testEpoch, when tests set it, replaces the root package's Epoch so that
// they can move the epoch as a clone would.
var testEpoch func() uint64

// epochSource returns the published entropy epoch, 0 when there is none:
// the root package's Epoch, which inlines here to two loads.
func epochSource() uint64 {
	if testEpoch != nil {
		return testEpoch()
	}
	return vmgenid.Epoch()
}

// idSource returns the current VM generation ID and whether it is known.
// It is consulted only when a generator is seeded under a published epoch
// (it makes a system call). Tests replace it.
var idSource = func() (genid.ID, bool) {
	st, err := vmgenid.Current()
	if err != nil {
		return genid.ID{}, false // no state to read: seed without the ID
	}
	return st.ID, st.IDKnown
}

// unprotectedBit marks an epoch value that comes from the fallback timer
// rather than from the daemon. Published epochs only grow by one from 1, so
// they cannot reach this bit; keeping the two ranges apart means a generator
// seeded under one kind of epoch never matches the other.
const unprotectedBit = epochword.FallbackBit

func init() { epochword.StoreFallback(unprotectedBit) }

// fallbackPeriod is how often, without a published epoch, the generators'
// seeds expire. Half the 10 ms budget leaves room for timer latency.
//
// The expiry is a timer advancing a tick counter that stands in for the
// epoch, so the hot path stays the same two loads as with a daemon. Reading the clock on every call
// instead would cost more than the generator itself (time.Now is about
// 20 ns through the vDSO, and a system call on VMs whose clocksource the
// vDSO cannot read), and reading it every N calls bounds nothing for a
// generator that sits idle across a snapshot.
const fallbackPeriod = 5 * time.Millisecond

var (
	fallbackTick  atomic.Uint64 // advanced by the timer every fallbackPeriod
	fallbackArmed atomic.Bool   // a tick is scheduled and has not started
	fallbackMu    sync.Mutex    // guards fallbackTimer
	fallbackTimer *time.Timer
	warnOnce      sync.Once
)

// currentEpoch is the value generators compare their seed epoch with. It
// loads the word internal/epochword points at: the published epoch once
// the root package has mapped a state file holding one (and the new file's
// if it maps a replaced one), before that the fallback word, which holds
// the fallback tick with unprotectedBit set. Either way the check is the
// same two loads (the pointer, then the word), inlined into the hot paths
// with no call: with a daemon it costs what it costs without.
//
// A word holding 0 gives askEpoch, which no generator is seeded under, so
// that the hot paths go to the slow path, where resolvedEpoch finds the
// epoch. The fallback word holds 0 where an epoch is published that has no
// word to point at (NetBSD's kernel epoch without a state file), and an
// unseeded generator's epoch is 0: it must never match.
func currentEpoch() uint64 {
	e := epochword.Load()
	if e == 0 {
		e = askEpoch
	}
	return e
}

// askEpoch is what currentEpoch returns when the slow path must find the
// epoch: all ones, which is never published, never a fallback tick (it
// would take 2^63 ticks) and never the kernel's (bit 62 and 32 bits).
const askEpoch = ^uint64(0)

// resolvedEpoch is the epoch the slow paths seed under: currentEpoch, or
// where that says askEpoch, the root package's Epoch (or the test hook),
// or the fallback tick if that is 0 too.
func resolvedEpoch() uint64 {
	if e := currentEpoch(); e != askEpoch {
		return e
	}
	if e := epochSource(); e != 0 {
		return e
	}
	return unprotectedBit | fallbackTick.Load()
}

// probeEpoch asks the epoch source whether an epoch is published now. The
// root package's Epoch points the word the hot paths load at a state file
// it maps; an epoch it cannot point at (the kernel's) sets the fallback
// word to 0, which sends the hot paths to slowEpoch. It is called on the
// slow path, before seeding, which is how a daemon started after the
// program is picked up.
func probeEpoch() {
	if !epochword.AtFallback() || epochword.LoadFallback() == 0 {
		return
	}
	if epochSource() != 0 && epochword.AtFallback() {
		epochword.StoreFallback(0)
	}
}

// Protected reports whether clone detection is active: whether a published
// entropy epoch exists (the vmgenid daemon's state file, or the BSD sysctl
// the root package falls back to). Without it the generators still work but
// only bound how long a clone shares its parent's streams (see the package
// documentation). A daemon started after the program is picked up at the
// generators' next reseed, within one fallback period of use.
func Protected() bool {
	probeEpoch()
	return epochSource() != 0
}

// seeded is called after a generator was seeded under epoch e. For a
// fallback epoch it makes sure the next tick is scheduled, which is what
// bounds the life of that seed, and logs the one warning.
func seeded(e uint64) {
	if e&unprotectedBit == 0 {
		return
	}
	if !fallbackArmed.Load() && fallbackArmed.CompareAndSwap(false, true) {
		fallbackMu.Lock()
		if fallbackTimer == nil {
			fallbackTimer = time.AfterFunc(fallbackPeriod, fallbackFire)
		} else {
			fallbackTimer.Reset(fallbackPeriod)
		}
		fallbackMu.Unlock()
	}
	warnOnce.Do(func() {
		log.Printf("clonesafe: no VM generation epoch (is the vmgenid daemon running?): clone detection inactive, reseeding from the OS every %v", fallbackPeriod)
	})
}

// fallbackFire ends a tick. It clears fallbackArmed before advancing the
// tick: a generator that reads the new tick value then finds the timer
// disarmed (or re-armed after this point) and schedules the next tick, so no
// seed outlives one period without a scheduled expiry. Every tick value is
// stored at most once, so a generator's seed epoch never comes back.
func fallbackFire() {
	fallbackArmed.Store(false)
	n := fallbackTick.Add(1)
	for {
		old := epochword.LoadFallback()
		if old == 0 || epochword.CompareAndSwapFallback(old, unprotectedBit|n) {
			return // 0: the kernel's epoch is used instead (probeEpoch)
		}
	}
}
