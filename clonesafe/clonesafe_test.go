package clonesafe

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/google/uuid"
	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/epochword"
)

// epochWord is a published epoch word that a test controls, as the daemon
// would advance it on a clone.
type epochWord struct{ v uint64 }

func (w *epochWord) Load() uint64        { return atomic.LoadUint64(&w.v) }
func (w *epochWord) Store(v uint64)      { atomic.StoreUint64(&w.v, v) }
func (w *epochWord) Add(d uint64) uint64 { return atomic.AddUint64(&w.v, d) }

// fakeEpoch replaces the published epoch with a word the test controls
// and restores the real source when the test ends. The hot paths load it
// exactly as they load a mapped state file: through internal/epochword's
// pointer, which fakeEpoch points at it as the root package does on
// finding a published epoch (at once for a start other than 0, else when
// the test stores one and the slow path asks). Tests using it must not run
// in parallel.
func fakeEpoch(t testing.TB, start uint64) *epochWord {
	t.Helper()
	w := &epochWord{v: start}
	slot := epochword.Slot()
	oldSlot, oldFallback := atomic.LoadPointer(slot), epochword.LoadFallback()
	oldEpoch, oldID := testEpoch, idSource
	testEpoch = func() uint64 {
		v := w.Load()
		if v != 0 {
			atomic.StorePointer(slot, unsafe.Pointer(&w.v))
		}
		return v
	}
	idSource = func() (genid.ID, bool) {
		return genid.ID{0: byte(w.Load()), 15: 0x5a}, true
	}
	if start != 0 {
		atomic.StorePointer(slot, unsafe.Pointer(&w.v))
	} else {
		atomic.StorePointer(slot, epochword.FallbackWord())
		epochword.StoreFallback(unprotectedBit | fallbackTick.Load())
	}
	t.Cleanup(func() {
		testEpoch, idSource = oldEpoch, oldID
		atomic.StorePointer(slot, oldSlot)
		epochword.StoreFallback(oldFallback)
	})
	return w
}

// c2spSeed and c2spOutput are the ChaCha8Rand golden values of
// c2sp.org/chacha8rand (also in Go's internal/chacha8rand tests).
var c2spSeed = [32]byte([]byte("ABCDEFGHIJKLMNOPQRSTUVWXYZ123456"))

var c2spOutput = []uint64{
	0xb773b6063d4616a5, 0x1160af22a66abc3c, 0x8c2599d9418d287c, 0x7ee07e037edc5cd6,
	0xcfaa9ee02d1c16ad, 0x0e090eef8febea79, 0x3c82d271128b5b3e, 0x9c5addc11252a34f,
	0xdf79bb617d6ceea6, 0x36d553591f9d736a, 0xeef0d14e181ee01f, 0x089bfc760ae58436,
}

func TestGeneratorKnownAnswer(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(g *generator) // state before the reseed, which must not matter
	}{
		{"fresh", func(*generator) {}},
		{"used", func(g *generator) {
			g.reseed([32]byte{1}, 3)
			for range 1000 {
				g.uint64()
			}
		}},
		{"partial Read word", func(g *generator) {
			g.reseed([32]byte{2}, 4)
			var b [3]byte
			g.rng.Read(b[:]) // leaves 5 bytes of a word buffered
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g generator
			tt.prepare(&g)
			g.reseed(c2spSeed, 9)
			if g.epoch != 9 {
				t.Errorf("epoch after reseed = %d, want 9", g.epoch)
			}
			var b [8]byte
			g.rng.Read(b[:]) // Read must start from fresh words, too
			if got := binary.LittleEndian.Uint64(b[:]); got != c2spOutput[0] {
				t.Fatalf("first word via Read = %#x, want %#x", got, c2spOutput[0])
			}
			for i, want := range c2spOutput[1:] {
				if got := g.uint64(); got != want {
					t.Fatalf("word %d = %#x, want %#x", i+1, got, want)
				}
			}
		})
	}
}

// TestChaCha8View checks that chacha8View matches the ChaCha8 of the Go
// release under test (if not, the hot paths still work, through
// ChaCha8.Uint64 only, but slower: update the view), and that the words the
// generators hand out through it are ChaCha8's own stream: the same as
// ChaCha8.Uint64 returns from the same seed, across refills, ChaCha8's own
// reseeds every 124 words and Reads of partial words in between, with and
// without the view.
func TestChaCha8View(t *testing.T) {
	if !viewOK {
		t.Fatalf("chacha8View does not match math/rand/v2's ChaCha8 of %s (fits: %v): update it", runtime.Version(), viewFits)
	}
	for _, useView := range []bool{true, false} {
		t.Run(fmt.Sprintf("view %v", useView), func(t *testing.T) {
			defer func(ok bool) { viewOK = ok }(viewOK)
			viewOK = useView
			var g generator
			var want rand.ChaCha8
			g.reseed(c2spSeed, 1)
			want.Seed(c2spSeed)
			for i := range 5000 {
				if i%97 == 0 { // a Read of 1..7 bytes leaves part of a word buffered
					var got, wantBytes [7]byte
					n := 1 + i%7
					g.rng.Read(got[:n])
					want.Read(wantBytes[:n])
					if got != wantBytes {
						t.Fatalf("Read %d bytes before word %d = %x, want %x", n, i, got[:n], wantBytes[:n])
					}
				}
				if got, w := g.uint64(), want.Uint64(); got != w {
					t.Fatalf("word %d = %#x, want %#x", i, got, w)
				}
			}
		})
	}
}

func TestDeriveSeedKnownAnswer(t *testing.T) {
	var entropy [32]byte
	for i := range entropy {
		entropy[i] = byte(i)
	}
	var id genid.ID
	for i := range id {
		id[i] = 0xa0 + byte(i)
	}
	// Digests computed independently with Python's hashlib over
	// seedDomain || entropy || epoch (LE64) || known flag || ID or zeros.
	tests := []struct {
		epoch uint64
		id    genid.ID
		known bool
		want  string
	}{
		{1, genid.ID{}, false, "44de2a31b8f58235d18138d81c38275c0ca19044da4e1ba0200a7777333f16dc"},
		{1, id, false, "44de2a31b8f58235d18138d81c38275c0ca19044da4e1ba0200a7777333f16dc"}, // unknown ID is ignored
		{1, id, true, "db573d8e9203c8ce9424324d9aec24f194a3abd215cb11a78709593a296ca5c7"},
		{2, id, true, "ae02eb76b896e578555bab0c50257f057215252c7872b0ba3f445edc3befb0bf"},
		{unprotectedBit | 7, genid.ID{}, false, "5343fc82cfc6a16358a85f0eb4a9f720f7a06eb3aceecce42f65c491fcc2837a"},
	}
	for _, tt := range tests {
		seed := deriveSeed(&entropy, tt.epoch, tt.id, tt.known)
		if got := hex.EncodeToString(seed[:]); got != tt.want {
			t.Errorf("deriveSeed(epoch %#x, id %v, known %v) = %s, want %s", tt.epoch, tt.id, tt.known, got, tt.want)
		}
	}
}

func TestNewSeedIsFresh(t *testing.T) {
	fakeEpoch(t, 1)
	seen := map[[32]byte]bool{}
	for range 100 {
		s := newSeed(1)
		if seen[s] {
			t.Fatalf("newSeed repeated %x", s)
		}
		seen[s] = true
	}
}

func TestSourceReseedsOnEpochChange(t *testing.T) {
	epoch := fakeEpoch(t, 5)
	s := NewSource()
	s.Uint64()
	if s.g.epoch != 5 {
		t.Fatalf("seeded under epoch %d, want 5", s.g.epoch)
	}
	before := s.g
	s.Uint64()
	if s.g.epoch != 5 {
		t.Fatalf("reseeded without an epoch change: epoch %d", s.g.epoch)
	}
	epoch.Store(6)
	s.Uint64()
	if s.g.epoch != 6 {
		t.Fatalf("after the epoch moved to 6 the Source is seeded under %d", s.g.epoch)
	}
	// The new stream must not continue the old one.
	s2 := NewSource()
	s2.g = before
	s2.g.epoch = 6 // pretend the old state were still valid
	if s2.Uint64() == s.Uint64() {
		t.Error("stream after the epoch change continues the old stream")
	}
}

// words collects n 64-bit words from next.
func words(n int, next func() uint64) []uint64 {
	w := make([]uint64, n)
	for i := range w {
		w[i] = next()
	}
	return w
}

// readWords collects n 64-bit words from read, 8 KiB at a time (more than
// one chunk, and not a multiple of it when the generator has a partial word).
func readWords(n int, read func([]byte) (int, error)) []uint64 {
	buf := make([]byte, 8*n)
	for off := 0; off < len(buf); off += 8 << 10 {
		read(buf[off:min(off+8<<10, len(buf))])
	}
	w := make([]uint64, n)
	for i := range w {
		w[i] = binary.LittleEndian.Uint64(buf[8*i:])
	}
	return w
}

// checkDisjoint fails if a and b share any word.
func checkDisjoint(t *testing.T, a, b []uint64) {
	t.Helper()
	set := make(map[uint64]struct{}, len(a))
	for _, w := range a {
		set[w] = struct{}{}
	}
	common := 0
	for _, w := range b {
		if _, ok := set[w]; ok {
			common++
		}
	}
	if common > 0 {
		t.Errorf("the clone repeats %d of the parent's %d words", common, len(a))
	}
}

func checkEqual(t *testing.T, a, b []uint64) {
	t.Helper()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("control: copies diverge at word %d (%#x vs %#x) without an epoch change", i, a[i], b[i])
		}
	}
}

const mebiWords = 1 << 20 / 8 // 1 MiB of output in 8-byte words

// TestCloneSource copies a Source's state as a VM snapshot would and runs
// both copies. With an epoch change between them the clone must not repeat
// any word of the parent; without one (the control) it repeats all of them,
// proving that the test really runs a clone.
func TestCloneSource(t *testing.T) {
	kinds := []struct {
		name   string
		output func(s *Source) []uint64
	}{
		{"Uint64", func(s *Source) []uint64 { return words(mebiWords, s.Uint64) }},
		{"Read", func(s *Source) []uint64 { return readWords(mebiWords, s.Read) }},
	}
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			epoch := fakeEpoch(t, 1)
			parent := NewSource()
			parent.Uint64()
			var odd [5]byte
			parent.Read(odd[:]) // leave a partial word buffered
			snapshot := *parent

			parentOut := kind.output(parent)

			control := snapshot
			checkEqual(t, parentOut, kind.output(&control))

			epoch.Add(1)
			clone := snapshot
			checkDisjoint(t, parentOut, kind.output(&clone))
		})
	}
}

// TestCloneGlobal does the same for the per-P generators behind Uint64 and
// Read: it snapshots every shard, runs, restores the snapshot as a clone
// would resume, and runs again. GOMAXPROCS is 1 so that both runs use P 0.
func TestCloneGlobal(t *testing.T) {
	kinds := []struct {
		name   string
		output func() []uint64
	}{
		{"Uint64", func() []uint64 { return words(mebiWords, Uint64) }},
		{"Read", func() []uint64 { return readWords(mebiWords, Read) }},
		{"Reader", func() []uint64 { return readWords(mebiWords, Reader.Read) }},
	}
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			epoch := fakeEpoch(t, 1)
			Uint64() // seed P 0's generator under epoch 1
			tab := table.Load()
			snapshot := make([]generator, len(tab.shards))
			for i := range tab.shards {
				snapshot[i] = tab.shards[i].generator
			}
			restore := func() {
				for i := range tab.shards {
					tab.shards[i].generator = snapshot[i]
				}
			}

			parentOut := kind.output()

			restore()
			checkEqual(t, parentOut, kind.output())

			restore()
			epoch.Add(1)
			checkDisjoint(t, parentOut, kind.output())
		})
	}
}

func TestZeroAllocations(t *testing.T) {
	for _, mode := range []struct {
		name  string
		setup func(t *testing.T)
	}{
		{"published epoch", func(t *testing.T) { fakeEpoch(t, 1) }},
		{"fallback", func(t *testing.T) { fakeEpoch(t, 0) }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			mode.setup(t)
			src := NewSource()
			buf32 := make([]byte, 32)
			buf10k := make([]byte, 10000)
			funcs := []struct {
				name string
				f    func()
			}{
				{"Uint64", func() { Uint64() }},
				{"Read32", func() { Read(buf32) }},
				{"Read10000", func() { Read(buf10k) }},
				{"Reader.Read", func() { Reader.Read(buf32) }},
				{"Source.Uint64", func() { src.Uint64() }},
				{"Source.Read", func() { src.Read(buf32) }},
				{"UUIDv4", func() { UUIDv4() }},
				{"UUIDv7", func() { UUIDv7() }},
			}
			for _, fn := range funcs {
				fn.f() // seed first: AllocsPerRun measures the steady state
				if n := testing.AllocsPerRun(1000, fn.f); n != 0 {
					t.Errorf("%s: %v allocations per call, want 0", fn.name, n)
				}
			}
		})
	}
}

// TestConcurrent runs every top-level function from many goroutines while
// the epoch moves and GOMAXPROCS changes (which grows the shard table).
// Two goroutines sharing a generator unsynchronised would hand out the same
// words; under -race it would also be reported as a race.
func TestConcurrent(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	epoch := fakeEpoch(t, 1)
	const goroutines, perG = 8, 20000
	results := make([][]uint64, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			var out []uint64
			var b [24]byte
			for i := range perG {
				switch i % 4 {
				case 0:
					out = append(out, Uint64())
				case 1:
					Read(b[:])
					out = append(out, binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b[16:]))
				case 2:
					u := UUIDv4()
					out = append(out, binary.BigEndian.Uint64(u[0:]), binary.BigEndian.Uint64(u[8:]))
				case 3:
					u := UUIDv7()
					out = append(out, binary.BigEndian.Uint64(u[8:]))
				}
			}
			results[g] = out
		})
	}
	stop := make(chan struct{})
	var changer sync.WaitGroup
	changer.Go(func() {
		procs := []int{1, 4, 2, 3}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			epoch.Add(1)
			runtime.GOMAXPROCS(procs[i%len(procs)])
		}
	})
	wg.Wait()
	close(stop)
	changer.Wait()

	seen := map[uint64]int{}
	for g, out := range results {
		for _, w := range out {
			// UUID words carry fixed version/variant bits; ignore those bits
			// by comparing only whole words, which still never repeat.
			if prev, dup := seen[w]; dup {
				t.Fatalf("goroutines %d and %d got the same word %#x", prev, g, w)
			}
			seen[w] = g
		}
	}
}

// TestGrow checks that a P id beyond the table (GOMAXPROCS grew) gets a
// larger table of unseeded shards rather than copies of seeded ones.
func TestGrow(t *testing.T) {
	fakeEpoch(t, 1)
	Uint64()
	old := table.Load()
	want := len(old.shards) + 3
	release(acquireAfterGrow(want - 1))
	tab := table.Load()
	if len(tab.shards) < want {
		t.Fatalf("table has %d shards after growing for P id %d", len(tab.shards), want-1)
	}
	for i := range tab.shards {
		if e := tab.shards[i].epoch; e != 0 {
			t.Errorf("shard %d of the new table is seeded (epoch %d); want all unseeded", i, e)
		}
	}
	Uint64() // works on the new table
}

func TestProtected(t *testing.T) {
	epoch := fakeEpoch(t, 0)
	if Protected() {
		t.Error("Protected() with no published epoch = true")
	}
	epoch.Store(1)
	if !Protected() {
		t.Error("Protected() with published epoch 1 = false")
	}
}

// TestFallbackReseeds checks the mode without a published epoch: the seed
// expires at the timer's next tick, and the timer stays quiet while the
// generators are idle.
func TestFallbackReseeds(t *testing.T) {
	fakeEpoch(t, 0)
	s := NewSource()
	s.Uint64()
	first := s.g.epoch
	if first&unprotectedBit == 0 {
		t.Fatalf("seeded under %#x without a published epoch; want the fallback bit", first)
	}
	// The tick must come within one period; allow for a loaded machine.
	deadline := time.Now().Add(5 * time.Second)
	for currentEpoch() == first {
		if time.Now().After(deadline) {
			t.Fatal("the fallback tick did not advance within 5s")
		}
		time.Sleep(time.Millisecond)
	}
	old := s.g
	s.Uint64()
	if s.g.epoch == first || s.g.epoch&unprotectedBit == 0 {
		t.Fatalf("after the tick the Source is still seeded under %#x", s.g.epoch)
	}
	if old.rng == s.g.rng {
		t.Fatal("the Source was not reseeded after the tick")
	}
	for _, f := range []func(){func() { Uint64() }, func() { UUIDv4() }} {
		e := currentEpoch()
		f()
		sh := table.Load().shards
		fresh := false
		for i := range sh {
			fresh = fresh || sh[i].epoch&unprotectedBit != 0 && sh[i].epoch >= e
		}
		if !fresh {
			t.Error("no shard is seeded under the current fallback tick after a call")
		}
	}

	// Idle: once a tick has fired and nobody reseeds, no further tick comes.
	for fallbackArmed.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the fallback timer is still armed after 5s")
		}
		time.Sleep(time.Millisecond)
	}
	idle := fallbackTick.Load()
	time.Sleep(4 * fallbackPeriod)
	if got := fallbackTick.Load(); got != idle {
		t.Errorf("the fallback tick advanced from %d to %d while no generator was used", idle, got)
	}
}

func TestUUIDv4(t *testing.T) {
	fakeEpoch(t, 1)
	seen := map[uuid.UUID]bool{}
	for range 10000 {
		u := UUIDv4()
		if u.Version() != 4 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("%v: version %d variant %v, want 4 and RFC 4122", u, u.Version(), u.Variant())
		}
		if p, err := uuid.Parse(u.String()); err != nil || p != u {
			t.Fatalf("%v does not round-trip through uuid.Parse: %v", u, err)
		}
		if seen[u] {
			t.Fatalf("UUIDv4 repeated %v", u)
		}
		seen[u] = true
	}
}

func TestUUIDv7(t *testing.T) {
	fakeEpoch(t, 1)
	var prev uuid.UUID
	for i := range 10000 {
		before := time.Now()
		u := UUIDv7()
		after := time.Now()
		if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("%v: version %d variant %v, want 7 and RFC 4122", u, u.Version(), u.Variant())
		}
		ms := int64(binary.BigEndian.Uint64(u[0:8]) >> 16)
		// When calls come faster than the 1/4096 ms resolution, each one
		// still advances the time value by one step, so after i calls it
		// can run ahead of the clock by at most i/4096 ms.
		if ahead := int64(i)/4096 + 1; ms < before.UnixMilli() || ms > after.UnixMilli()+ahead {
			t.Fatalf("%v: timestamp %d ms outside [%d, %d+%d]", u, ms, before.UnixMilli(), after.UnixMilli(), ahead)
		}
		if bytes.Compare(u[:], prev[:]) <= 0 {
			t.Fatalf("UUIDv7 not increasing: %v after %v", u, prev)
		}
		prev = u
	}
}

func TestV7Clock(t *testing.T) {
	saved := v7Last.Load()
	defer v7Last.Store(saved)
	v7Last.Store(0)
	const ms = 1_700_000_000_000
	tests := []struct {
		name  string
		nanos int64
		want  uint64
	}{
		{"whole millisecond", ms * 1e6, ms << 12},
		{"half a millisecond later", ms*1e6 + 500_000, ms<<12 | 2048},
		{"same instant again: counter", ms*1e6 + 500_000, ms<<12 | 2049},
		{"clock stepped back: counter", (ms - 1000) * 1e6, ms<<12 | 2050},
		{"just under the next millisecond", ms*1e6 + 999_999, ms<<12 | 4095},
		{"counter carries into the millisecond", ms*1e6 + 999_999, (ms+1)<<12 | 0},
		{"clock catches up", (ms + 2) * 1e6, (ms + 2) << 12},
	}
	for _, tt := range tests {
		if got := v7Clock(tt.nanos); got != tt.want {
			t.Errorf("%s: v7Clock(%d) = %#x, want %#x", tt.name, tt.nanos, got, tt.want)
		}
	}
	v7Last.Store(0)
	if got := v7Clock(-5); got != 1 {
		t.Errorf("v7Clock before 1970 = %#x, want 1 (time 0, counter 1)", got)
	}
}

// TestDaemonStartsLater checks that generators running on the fallback pick
// up an epoch published later, at their next reseed.
func TestDaemonStartsLater(t *testing.T) {
	epoch := fakeEpoch(t, 0)
	s := NewSource()
	s.Uint64()
	if s.g.epoch&unprotectedBit == 0 {
		t.Fatalf("seeded under %#x without a published epoch", s.g.epoch)
	}
	epoch.Store(3)
	deadline := time.Now().Add(5 * time.Second)
	for s.g.epoch != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("still seeded under %#x 5s after the epoch was published", s.g.epoch)
		}
		time.Sleep(time.Millisecond)
		s.Uint64()
	}
	if !Protected() {
		t.Error("Protected() = false with a published epoch")
	}
}
