package vmgenid

import (
	"fmt"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/vmgenid/vmgenid/internal/state"
)

// mapRetryInterval is the least time between two attempts of Epoch to map
// a state file that was missing or invalid.
const mapRetryInterval = 100 * time.Millisecond

// The default state file's mapping, made on first use and then kept for
// the life of the process (a mapping replaced by remap is left mapped:
// another goroutine may be loading from it).
var (
	statePath      = DefaultStatePath // tests point it elsewhere
	defaultMapping atomic.Pointer[state.Mapping]
	mapMu          sync.Mutex
	nextMapTry     time.Time // guarded by mapMu

	// epochWord points at the epoch word Epoch loads: the mapped file's,
	// or noEpoch until the file is mapped. A bare pointer loaded with
	// atomic.LoadPointer keeps Epoch within the inlining budget, so that
	// the check compiles to two loads at the caller.
	epochWord = unsafe.Pointer(&noEpoch)
	noEpoch   uint64 // always 0
)

// setMapping makes m the default mapping (nil: none).
func setMapping(m *state.Mapping) {
	defaultMapping.Store(m)
	if m == nil {
		atomic.StorePointer(&epochWord, unsafe.Pointer(&noEpoch))
		return
	}
	atomic.StorePointer(&epochWord, m.EpochWord())
}

// Epoch returns the entropy epoch published by the vmgenid daemon in
// DefaultStatePath, or 0 if there is none.
//
// The first call maps the state file; from then on Epoch is one atomic
// 64-bit load from shared memory, with no system call and no lock (about
// a nanosecond). It is safe for concurrent use.
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
	if e := atomic.LoadUint64((*uint64)(atomic.LoadPointer(&epochWord))); e != 0 {
		if state.BigEndian {
			e = bits.ReverseBytes64(e)
		}
		return e
	}
	return epochSlow()
}

// noStateEpoch is what Epoch returns while no state file is mapped: the
// kernel's own epoch on NetBSD (epoch_netbsd.go), 0 elsewhere. Tests
// replace it.
var noStateEpoch = osEpoch

// epochSlow maps the state file, at most once per mapRetryInterval. It
// also runs when the mapped file holds epoch 0, which a daemon never
// publishes.
func epochSlow() uint64 {
	if !mapMu.TryLock() {
		// Another goroutine is mapping right now.
		if defaultMapping.Load() == nil {
			return noStateEpoch()
		}
		return 0
	}
	defer mapMu.Unlock()
	if m := defaultMapping.Load(); m != nil {
		return m.Epoch()
	}
	now := time.Now()
	if now.Before(nextMapTry) {
		return noStateEpoch()
	}
	m, err := state.Map(statePath)
	if err != nil {
		nextMapTry = now.Add(mapRetryInterval)
		return noStateEpoch()
	}
	setMapping(m)
	return m.Epoch()
}

// currentMapping returns the default mapping, mapping the file if needed
// and mapping it again if the path now names another file. It makes
// system calls and is meant for Current and Watch, not Epoch.
func currentMapping() (*state.Mapping, error) {
	if m := defaultMapping.Load(); m != nil && !m.Replaced() {
		return m, nil
	}
	mapMu.Lock()
	defer mapMu.Unlock()
	if m := defaultMapping.Load(); m != nil && !m.Replaced() {
		return m, nil
	}
	m, err := state.Map(statePath)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoState, err)
	}
	setMapping(m)
	return m, nil
}

// Current returns a consistent copy of the record the daemon published in
// DefaultStatePath: all fields belong to the same publication (the read
// retries while the daemon is writing). The error wraps ErrNoState when no
// daemon has published a state. Unlike Epoch, Current makes a stat(2) call
// to notice a state file that was replaced.
func Current() (State, error) {
	m, err := currentMapping()
	if err != nil {
		return State{}, err
	}
	return readState(m)
}
