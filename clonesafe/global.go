package clonesafe

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// cacheLinePad is the unit shards are padded to, so that two Ps never write
// to one cache line (128 covers adjacent-line prefetching and arm64 cores
// with 128-byte lines).
const cacheLinePad = 128

type shardData struct {
	generator
	lock shardLock
}

// shard is one P's generator, padded to whole cache lines (the allocator
// places arrays of this size at multiples of 128 bytes). Like a sync.Pool's
// contents, the shards are ordinary memory and survive a snapshot into every
// clone; that is harmless because each carries the epoch it was seeded
// under, and a clone whose epoch moved reseeds a shard before its next use.
type shard struct {
	shardData
	_ [(cacheLinePad - unsafe.Sizeof(shardData{})%cacheLinePad) % cacheLinePad]byte
}

// shardTable holds one shard per P id.
type shardTable struct{ shards []shard }

var (
	table  atomic.Pointer[shardTable]
	growMu sync.Mutex
)

func init() { table.Store(&shardTable{shards: make([]shard, runtime.GOMAXPROCS(0))}) }

// acquireAfterGrow makes the table cover P id p (GOMAXPROCS grew) and
// acquires a shard again. The new table starts with unseeded shards and the
// old one is dropped, not copied: a copied stream would be used twice. A
// goroutine still pinned on an old shard keeps exclusive use of it, because
// ownership is per (table, P) and only one goroutine runs on a P.
//
//go:noinline
func acquireAfterGrow(p int) *shard {
	growMu.Lock()
	if t := table.Load(); p >= len(t.shards) {
		table.Store(&shardTable{shards: make([]shard, max(p+1, runtime.GOMAXPROCS(0)))})
	}
	growMu.Unlock()
	return acquire()
}

// acquireCurrent acquires a shard whose generator is seeded under the
// current epoch, reseeding it first if needed. The seed is drawn between two
// acquisitions because reading OS entropy must not happen while pinned.
//
//go:noinline
func acquireCurrent() *shard {
	for {
		e := resolvedEpoch()
		s := acquire()
		if s.epoch == e {
			return s
		}
		release(s)
		probeEpoch() // a daemon may have started since
		e = resolvedEpoch()
		seed := newSeed(e)
		seeded(e)
		s = acquire()
		if s.epoch != e {
			s.reseed(seed, e)
		}
		if resolvedEpoch() == e {
			return s
		}
		release(s) // the epoch moved while seeding: start over
	}
}

// The hot paths below are written out rather than calling a helper, which
// the compiler would not inline: pin, find the P's shard, compare its epoch,
// produce, unpin. Uint64 produces with generator.next, inlined, and calls
// ChaCha8.Uint64 only when ChaCha8's buffer is used up. Anything else (a
// stale or missing shard, the race detector's locking) goes through
// acquireCurrent.

// Uint64 returns a uniformly distributed random uint64. It is safe for
// concurrent use, and its result never derives from generator state that
// existed before the latest epoch change it observed (see the package
// documentation for the limits).
func Uint64() uint64 {
	e := currentEpoch()
	if !raceEnabled {
		p := procPin()
		if t := table.Load(); uint(p) < uint(len(t.shards)) && t.shards[p].epoch == e {
			g := &t.shards[p].generator
			v, ok := g.next()
			if !ok {
				v = g.rng.Uint64()
			}
			procUnpin()
			return v
		}
		procUnpin()
	}
	s := acquireCurrent()
	v := s.uint64()
	release(s)
	return v
}

// uint64Pair returns two random words under one epoch check.
func uint64Pair() (uint64, uint64) {
	e := currentEpoch()
	if !raceEnabled {
		p := procPin()
		if t := table.Load(); uint(p) < uint(len(t.shards)) && t.shards[p].epoch == e {
			g := &t.shards[p].generator
			a, b := g.uint64(), g.uint64()
			procUnpin()
			return a, b
		}
		procUnpin()
	}
	s := acquireCurrent()
	a, b := s.uint64(), s.uint64()
	release(s)
	return a, b
}

// readChunk bounds how many bytes Read produces per epoch check and per
// pinned section (a few microseconds of ChaCha8), so that a long Read neither
// delays the scheduler nor outlives an epoch change by more than a chunk.
const readChunk = 4096

// Read fills b with random bytes. It always returns len(b) and a nil error.
// It is safe for concurrent use; the epoch is checked for every 4 KiB.
func Read(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		chunk := b[:min(len(b), readChunk)]
		b = b[len(chunk):]
		e := currentEpoch()
		if !raceEnabled {
			p := procPin()
			if t := table.Load(); uint(p) < uint(len(t.shards)) && t.shards[p].epoch == e {
				t.shards[p].rng.Read(chunk)
				procUnpin()
				continue
			}
			procUnpin()
		}
		s := acquireCurrent()
		s.rng.Read(chunk)
		release(s)
	}
	return n, nil
}

// Reader is an io.Reader backed by Read: it is safe for concurrent use, and
// every Read call fills the whole buffer and returns a nil error.
var Reader io.Reader = reader{}

type reader struct{}

func (reader) Read(b []byte) (int, error) { return Read(b) }
