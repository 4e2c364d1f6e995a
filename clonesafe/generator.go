package clonesafe

import (
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"

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
