package clonesafe

import (
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"unsafe"

	"github.com/vmgenid/vmgenid/genid"
)

// generator is a ChaCha8 stream together with the epoch it was seeded
// under. Copying the value copies the whole stream, which is exactly what a
// VM snapshot does; the epoch check is what makes such copies harmless.
type generator struct {
	epoch uint64 // epoch at seeding; 0 = never seeded (no real epoch is 0)
	rng   rand.ChaCha8
}

// seedDomain separates these seeds from any other use of SHA-256 over
// similar inputs, and versions the derivation.
const seedDomain = "github.com/vmgenid/vmgenid/clonesafe seed v1\x00"

// seedInputSize is the length of the SHA-256 input in deriveSeed.
const seedInputSize = len(seedDomain) + 32 + 8 + 1 + genid.Size

// deriveSeed computes the ChaCha8 seed from 32 bytes of OS entropy, the
// epoch the generator is seeded under and the generation ID (all zero and
// flagged unknown when not known). It is a pure function so that it can be
// checked against known answers.
func deriveSeed(entropy *[32]byte, epoch uint64, id genid.ID, idKnown bool) [32]byte {
	var in [seedInputSize]byte
	n := copy(in[:], seedDomain)
	n += copy(in[n:], entropy[:])
	binary.LittleEndian.PutUint64(in[n:], epoch)
	n += 8
	if idKnown {
		in[n] = 1
		copy(in[n+1:], id[:])
	}
	return sha256.Sum256(in[:])
}

// newSeed draws a fresh seed for epoch e. It may block in the kernel (only
// during early boot, before the kernel's pool is initialised), so callers
// never hold a P pinned while calling it.
func newSeed(e uint64) [32]byte {
	var entropy [32]byte
	crand.Read(entropy[:]) // never fails: crypto/rand crashes the program instead (Go ≥ 1.24)
	var id genid.ID
	known := false
	if e&unprotectedBit == 0 {
		id, known = idSource()
	}
	return deriveSeed(&entropy, e, id, known)
}

// reseed replaces the whole state of g — key, buffered output and partial
// Read word — with one derived from seed, and records the epoch.
func (g *generator) reseed(seed [32]byte, e uint64) {
	g.rng.Seed(seed)
	g.epoch = e
}

// chacha8View is math/rand/v2's ChaCha8 as it is laid out in memory:
// internal/chacha8rand's State (32 words of output computed ahead, the
// key, the position i of the next word to hand out, the end n of the
// words that may be handed out, the block counter), then the bytes Read
// keeps of a partly used word. next reads it to take a word from
// ChaCha8's buffer without a call: ChaCha8.Uint64 does exactly that
// through State.Next, inlined there, but is itself too large to inline
// here, and the call cost more than the rest of the hot path together.
type chacha8View struct {
	buf     [32]uint64
	seed    [4]uint64
	i, n, c uint32
	readBuf [8]byte
	readLen int
}

// viewFits reports whether chacha8View and ChaCha8 have the same size, so
// that reading a ChaCha8 through the view stays inside it.
const viewFits = unsafe.Sizeof(chacha8View{}) == unsafe.Sizeof(rand.ChaCha8{})

// viewOK reports whether chacha8View matches the ChaCha8 of the Go release
// the program was built with: the size, and 300 words (across refills and
// two of ChaCha8's own reseeds), nine in ten of them handed out by the
// view, equal to those ChaCha8.Uint64 returns. Where it does not match,
// next always reports false and every word comes from ChaCha8.Uint64:
// slower, same stream. TestChaCha8View fails then, so that the view is
// updated.
var viewOK = viewFits && viewMatches()

// viewMatches draws words from two ChaCha8 generators with the same seed,
// one through the view (ChaCha8.Uint64 where the view says the buffer is
// used up) and one through ChaCha8.Uint64, and reports whether they agree
// and the view did hand out the words between refills. A wrong view only
// reads and writes inside its own generator (the size matches and the
// index is masked), so a mismatch is safe to detect this way.
func viewMatches() bool {
	var viewed, direct generator
	seed := [32]byte([]byte("clonesafe chacha8View self-check"))
	viewed.rng.Seed(seed)
	direct.rng.Seed(seed)
	const words = 300
	served := 0 // words the view handed out: all but one per refill
	for range words {
		v, ok := viewed.nextAssumingView()
		if ok {
			served++
		} else {
			v = viewed.rng.Uint64()
		}
		if v != direct.rng.Uint64() {
			return false
		}
	}
	return served >= words*9/10
}

// next returns the generator's next word and true if ChaCha8 holds one in
// its buffer: what ChaCha8.Uint64 would return, taken in a few inlined
// instructions. It returns false when the buffer is used up (once every 32
// words, or 28 before ChaCha8's own reseed) or the view does not match;
// the caller then calls ChaCha8.Uint64, which refills the buffer. uint64
// is the two together, for paths where a call does not matter.
func (g *generator) next() (uint64, bool) {
	if !viewOK {
		return 0, false
	}
	return g.nextAssumingView()
}

// nextAssumingView is next without the check that the view matches, for
// viewMatches.
func (g *generator) nextAssumingView() (uint64, bool) {
	v := (*chacha8View)(unsafe.Pointer(&g.rng))
	i := v.i
	if i >= v.n {
		return 0, false
	}
	v.i = i + 1
	return v.buf[i&31], true // i&31 elides the bounds check, as in State.Next
}

// uint64 returns the generator's next word.
func (g *generator) uint64() uint64 {
	if v, ok := g.next(); ok {
		return v
	}
	return g.rng.Uint64()
}
