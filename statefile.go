package vmgenid

import (
	"fmt"
	"math/bits"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/vmgenid/vmgenid/internal/epochword"
	"github.com/vmgenid/vmgenid/internal/state"
)

// mapRetryInterval is the least time between two attempts of Epoch to map
// a state file that was missing or invalid.
const mapRetryInterval = 100 * time.Millisecond

// StateFile is a state file the vmgenid daemon publishes, with the event
// socket it serves beside it. It maps the file on first use, maps it again
// if it was replaced, and offers the cheap check (Epoch), a consistent
// read (Current) and a change feed (Watch). Its methods are safe for
// concurrent use until Close.
//
// The package-level Epoch, Current and Watch use a StateFile for
// DefaultStatePath and DefaultSocketPath; NewStateFile and Open make one
// for a daemon run with --state and --socket.
type StateFile struct {
	path, socket string

	// slot is the pointer Epoch loads through: at the mapped epoch word
	// once it holds a published epoch, at idle before. For the default
	// file it is the one clonesafe loads too (internal/epochword).
	slot *unsafe.Pointer
	idle unsafe.Pointer
	own  unsafe.Pointer // the slot of a StateFile other than the default

	mapping atomic.Pointer[state.Mapping]
	mu      sync.Mutex       // serialises mapping and Close
	nextTry time.Time        // guarded by mu: when Epoch may try to map again
	retired []*state.Mapping // guarded by mu: replaced mappings, unmapped by Close
}

// noEpochWord is what the slot of a StateFile other than the default points
// at while no epoch is published: always 0.
var noEpochWord uint64

// NewStateFile returns the state file at path, whose daemon serves events
// on socket ("" if it serves none: Watch then polls). Nothing is opened
// until the first call: the file may appear later.
func NewStateFile(path, socket string) *StateFile {
	f := &StateFile{path: path, socket: socket, idle: unsafe.Pointer(&noEpochWord)}
	f.own = f.idle
	f.slot = &f.own
	return f
}

// Open maps the state file at path now, for a daemon run with --state
// PATH; Watch listens on events.sock in the same directory, where such a
// daemon serves it unless told otherwise (use NewStateFile then). The error
// wraps ErrNoState when the file does not exist or is not a state file.
func Open(path string) (*StateFile, error) {
	f := NewStateFile(path, filepath.Join(filepath.Dir(path), "events.sock"))
	if _, err := f.mapped(true); err != nil {
		return nil, err
	}
	return f, nil
}

// defaultFile is the StateFile of the package-level functions. Its slot is
// internal/epochword's, shared with clonesafe, and points at the fallback
// word (0, or clonesafe's timer epoch) while nothing is published.
var defaultFile = newDefaultFile(DefaultStatePath, DefaultSocketPath)

// newDefaultFile returns a StateFile that uses the shared slot (tests make
// several, one at a time).
func newDefaultFile(path, socket string) *StateFile {
	f := &StateFile{path: path, socket: socket, slot: epochword.Slot(), idle: epochword.FallbackWord()}
	atomic.StorePointer(f.slot, f.idle)
	return f
}

// Path returns the path of the state file.
func (f *StateFile) Path() string { return f.path }

// Epoch returns the epoch published in the file, or 0 if there is none
// (on NetBSD the kernel's own epoch, see the package-level Epoch, whose
// rules it follows). Once the file holds an epoch, Epoch is two atomic
// loads (the pointer to the mapped word, then the word) with no system
// call and no lock.
func (f *StateFile) Epoch() uint64 {
	// epochword.Load's two loads, on this file's slot, written out to stay
	// within the inlining budget.
	// One comparison rejects both 0 (nothing published) and values with
	// epochword.FallbackBit set (clonesafe's timer epoch): those go
	// through epochSlow.
	e := atomic.LoadUint64((*uint64)(atomic.LoadPointer(f.slot)))
	if state.BigEndian {
		e = bits.ReverseBytes64(e)
	}
	if int64(e) > 0 {
		return e
	}
	return f.epochSlow()
}

// epochSlow is Epoch while no published epoch is pointed at: it maps the
// file, at most once per mapRetryInterval, and points the slot at its epoch
// word once it holds one.
func (f *StateFile) epochSlow() uint64 {
	if !f.mu.TryLock() {
		// Another goroutine is mapping right now: answer without waiting.
		if m := f.mapping.Load(); m != nil && m.Epoch() != 0 {
			return m.Epoch()
		}
		return noStateEpoch()
	}
	defer f.mu.Unlock()
	m := f.mapping.Load()
	if m == nil {
		now := time.Now()
		if now.Before(f.nextTry) {
			return noStateEpoch()
		}
		var err error
		if m, err = f.mapLocked(); err != nil {
			f.nextTry = now.Add(mapRetryInterval)
			return noStateEpoch()
		}
	}
	f.point(m)
	if e := m.Epoch(); e != 0 {
		return e
	}
	return noStateEpoch()
}

// noStateEpoch is what Epoch returns while no epoch is published: the
// kernel's own epoch on NetBSD (epoch_netbsd.go), 0 elsewhere. Tests
// replace it.
var noStateEpoch = osEpoch

// point points the slot at m's epoch word if it holds a published epoch,
// else at idle. The caller holds mu.
func (f *StateFile) point(m *state.Mapping) {
	if m != nil && m.Epoch() != 0 {
		atomic.StorePointer(f.slot, m.EpochWord())
		return
	}
	atomic.StorePointer(f.slot, f.idle)
}

// mapLocked maps the file at the path, replacing the current mapping,
// which is kept mapped until Close (a load from it may be in flight). The
// caller holds mu.
func (f *StateFile) mapLocked() (*state.Mapping, error) {
	m, err := state.Map(f.path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoState, err)
	}
	if old := f.mapping.Swap(m); old != nil {
		f.retired = append(f.retired, old)
	}
	f.point(m)
	return m, nil
}

// mapped returns the mapping, mapping the file if it is not yet and, with
// recheck, mapping it again if the path now names another file (one
// stat(2)).
func (f *StateFile) mapped(recheck bool) (*state.Mapping, error) {
	if m := f.mapping.Load(); m != nil && !(recheck && m.Replaced()) {
		return m, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if m := f.mapping.Load(); m != nil && !(recheck && m.Replaced()) {
		return m, nil
	}
	return f.mapLocked()
}

// Current returns a consistent copy of the published record: all fields
// belong to the same publication (the read retries while the daemon is
// writing). The error wraps ErrNoState when no state is published. Unlike
// Epoch, Current makes a stat(2) call to notice a state file that was
// replaced, and maps the new one (Epoch follows it from then on).
func (f *StateFile) Current() (State, error) {
	m, err := f.mapped(true)
	if err != nil {
		return State{}, err
	}
	st, err := readState(m)
	if err == nil && atomic.LoadPointer(f.slot) != m.EpochWord() {
		f.mu.Lock()
		if f.mapping.Load() == m {
			f.point(m) // the first publish seen: Epoch loads it from now on
		}
		f.mu.Unlock()
	}
	return st, err
}

// Close unmaps the file. The StateFile must not be used afterwards.
func (f *StateFile) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	atomic.StorePointer(f.slot, f.idle)
	var first error
	for _, m := range append(f.retired, f.mapping.Swap(nil)) {
		if m == nil {
			continue
		}
		if err := m.Close(); err != nil && first == nil {
			first = err
		}
	}
	f.retired = nil
	return first
}
