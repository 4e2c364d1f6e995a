package clonesafe

import (
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmgenid/vmgenid"
	"github.com/vmgenid/vmgenid/genid"
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
const unprotectedBit = 1 << 63

// fallbackPeriod is how often, without a published epoch, the generators'
// seeds expire. Half the 10 ms budget leaves room for timer latency.
//
// The expiry is a timer advancing a tick counter that stands in for the
// epoch, so the hot path stays one load. Reading the clock on every call
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

// fastEpoch is the word the hot paths load first. Until an epoch has been
// seen published it holds the fallback epoch, unprotectedBit | tick, which
// fallbackFire advances; from then on it holds 0, which sends currentEpoch
// to the published epoch. The hot paths therefore never ask the root
// package's Epoch while there is no state file (Epoch then takes a lock and
// reads the clock on every call), and pay one load in either mode before
// that. The slow path (every reseed, so at least every fallbackPeriod while
// generators are used) asks through probeEpoch, which is how a daemon
// started later is picked up.
var fastEpoch atomic.Uint64

func init() { fastEpoch.Store(unprotectedBit) }

// currentEpoch is the value generators compare their seed epoch with: the
// published epoch, or, without one, the fallback tick with unprotectedBit
// set. With a daemon this is one load of fastEpoch and the root package's
// Epoch: one atomic load from the mapped state file.
func currentEpoch() uint64 {
	if e := fastEpoch.Load(); e != 0 {
		return e
	}
	return publishedEpoch()
}

// publishedEpoch is currentEpoch once an epoch was published. It is kept
// out of currentEpoch so that currentEpoch inlines into the hot paths, and
// spells out epochSource so that the root package's Epoch inlines into it.
// Should the published epoch read 0 again (the root package never maps a
// file that does), the fallback tick takes over.
//
//go:noinline
func publishedEpoch() uint64 {
	var e uint64
	if testEpoch != nil {
		e = testEpoch()
	} else {
		e = vmgenid.Epoch()
	}
	if e != 0 {
		return e
	}
	return unprotectedBit | fallbackTick.Load()
}

// probeEpoch asks the epoch source whether an epoch is published now and
// if so switches the hot paths to it for good. It is called on the slow
// path, before seeding.
func probeEpoch() {
	if fastEpoch.Load() != 0 && epochSource() != 0 {
		fastEpoch.Store(0)
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
		old := fastEpoch.Load()
		if old == 0 || fastEpoch.CompareAndSwap(old, unprotectedBit|n) {
			return // 0: an epoch is published, which fastEpoch no longer tracks
		}
	}
}
