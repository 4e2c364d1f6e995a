package physmem

import (
	"bytes"
	"fmt"
)

// StableTries bounds ReadStable: the host rewrites the ID once per clone
// or restore, so two reads that disagree this many times in a row mean the
// memory is not an ID at all.
const StableTries = 8

// TornError says that consecutive reads never agreed.
type TornError struct {
	Addr  uint64
	Len   int
	Tries int
}

// Error says where the bytes kept changing.
func (e *TornError) Error() string {
	return fmt.Sprintf("physmem: %d bytes at %#x changed between every pair of %d consecutive reads", e.Len, e.Addr, e.Tries)
}

// ReadStable fills p with the bytes at addr, reading until two consecutive
// reads agree, so that a value the host rewrites while we read is never
// returned half old, half new. It gives up with a *TornError after
// StableTries reads.
func ReadStable(r Reader, addr uint64, p []byte) error {
	if err := r.ReadPhys(addr, p); err != nil {
		return err
	}
	next := make([]byte, len(p))
	for try := 2; try <= StableTries; try++ {
		if err := r.ReadPhys(addr, next); err != nil {
			return err
		}
		if bytes.Equal(p, next) {
			return nil
		}
		copy(p, next)
	}
	return &TornError{Addr: addr, Len: len(p), Tries: StableTries}
}
