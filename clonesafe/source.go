package clonesafe

// Source is a clone-safe math/rand/v2 Source: a ChaCha8 generator that
// checks the entropy epoch before every output and reseeds from the OS when
// it moved. Wrap it with rand.New to get the full math/rand/v2 API.
//
// A Source is for one goroutine at a time, like rand.ChaCha8; use the
// top-level functions of this package for shared use. Its zero value is
// ready to use (it seeds itself on first use); NewSource exists for symmetry
// with math/rand/v2. Copying a Source value copies its stream, exactly as a
// snapshot does: the copies repeat each other until the epoch moves, so
// share a *Source rather than copies of it.
type Source struct {
	g generator
}

// NewSource returns a Source. It is seeded from the OS on first use, and
// again whenever the entropy epoch changes.
func NewSource() *Source { return new(Source) }

// Uint64 returns a uniformly distributed random uint64, implementing
// math/rand/v2's Source.
func (s *Source) Uint64() uint64 {
	if s.g.epoch != currentEpoch() {
		s.refresh()
	}
	if v, ok := s.g.next(); ok {
		return v
	}
	return s.g.rng.Uint64()
}

// Read fills p with random bytes, checking the epoch for every 4 KiB. It
// always returns len(p) and a nil error.
func (s *Source) Read(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		chunk := p[:min(len(p), readChunk)]
		if s.g.epoch != currentEpoch() {
			s.refresh()
		}
		s.g.rng.Read(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

// refresh reseeds the Source under the current epoch.
//
//go:noinline
func (s *Source) refresh() {
	probeEpoch()
	e := resolvedEpoch()
	if s.g.epoch == e {
		return // currentEpoch said askEpoch: the epoch has not moved
	}
	s.g.reseed(newSeed(e), e)
	seeded(e)
}
