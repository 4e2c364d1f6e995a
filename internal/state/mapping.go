package state

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/vmgenid/vmgenid/internal/safefs"
)

// wordAt returns a pointer to the 64-bit word at byte offset off of a
// mapped page. The page is page-aligned, so every word is 8-byte aligned
// as 64-bit atomics need.
func wordAt(mem []byte, off int) *uint64 {
	return (*uint64)(unsafe.Pointer(&mem[off]))
}

// loadHeader loads the defined words of a mapped page, each atomically.
func loadHeader(mem []byte) header {
	var h header
	for i := range h {
		h[i] = fromLE(atomic.LoadUint64(wordAt(mem, 8*i)))
	}
	return h
}

// Mapping is a read-only, shared mapping of a state file. Its methods are
// safe for concurrent use; it must not be used after Close.
//
// The mapping follows the file's inode: a writer that reuses the file in
// place (as Writer does across daemon restarts) stays visible; a file
// replaced by rename (done only when the old one was invalid) is not.
type Mapping struct {
	path  string
	fi    os.FileInfo // the mapped file, to notice a replacement
	mem   []byte
	epoch *uint64 // the epoch word inside mem
}

// Map maps the state file at path read-only and checks its size, magic
// and version once. The open does not block: a FIFO or anything else
// that is not a regular file is refused. It does not require a valid epoch: Epoch returns 0
// until one is published.
func Map(path string) (*Mapping, error) {
	f, err := safefs.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	if fi.Size() != Size {
		return nil, fmt.Errorf("state: %s is %d bytes, want %d", path, fi.Size(), Size)
	}
	mem, err := mmapFile(f, false)
	if err != nil {
		return nil, fmt.Errorf("state: mmap %s: %w", path, err)
	}
	h := loadHeader(mem)
	if err := h.checkMagicVersion(); err != nil {
		munmap(mem)
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return &Mapping{path: path, fi: fi, mem: mem, epoch: wordAt(mem, OffEpoch)}, nil
}

// Replaced reports whether the path no longer names the mapped file: it
// was removed, or replaced by another file. The daemon never does either
// to a valid file, but an administrator (or a service manager cleaning its
// runtime directory) can; a reader that sees true should Map again. It
// costs one stat(2).
func (m *Mapping) Replaced() bool {
	fi, err := os.Stat(m.path)
	return err != nil || !os.SameFile(m.fi, fi)
}

// Path returns the path the mapping was made from.
func (m *Mapping) Path() string { return m.path }

// Epoch returns the published epoch with one atomic 64-bit load: 0 if none
// has been published yet. It makes no system call.
func (m *Mapping) Epoch() uint64 { return fromLE(atomic.LoadUint64(m.epoch)) }

// EpochWord returns the address of the epoch word inside the mapping, for
// callers that keep it in an atomic pointer and load it themselves (the
// root package's Epoch does, to stay within the inlining budget). The word
// is little-endian: swap its bytes where BigEndian is true. It is valid
// until Close.
func (m *Mapping) EpochWord() unsafe.Pointer { return unsafe.Pointer(m.epoch) }

// How long Read waits for a seq that does not move. A publish takes well
// under a microsecond; a seq odd and unchanged for this long means the
// writer died mid-update.
const stuckTimeout = 100 * time.Millisecond

// readDeadline bounds Read even against a writer that publishes without
// pause (it never does: the daemon publishes once per change).
const readDeadline = 5 * time.Second

// spinRetries is how many times Read retries with a bare yield before it
// starts to sleep between tries and to watch the clock.
const spinRetries = 64

// Read returns a consistent record using the seqlock: it reads seq, the
// fields, and seq again, and retries until both reads of seq are equal and
// even. If seq stays odd and unchanged for 100 ms (the writer died
// mid-update), or Read cannot get a stable record within 5 s, it returns
// an error wrapping ErrWriting rather than wait forever. A record without a
// valid epoch yields an error wrapping ErrNoEpoch.
func (m *Mapping) Read() (Record, error) {
	seqp := wordAt(m.mem, OffSeq)
	var start, since time.Time // first slow retry; last change of seq
	var lastSeq uint64
	for attempt := 0; ; attempt++ {
		s1 := fromLE(atomic.LoadUint64(seqp))
		if s1&1 == 0 {
			h := loadHeader(m.mem)
			if h[wSeq] == s1 && fromLE(atomic.LoadUint64(seqp)) == s1 {
				r, _, err := h.decode(true)
				if err != nil {
					return r, fmt.Errorf("%w (file %s)", err, m.path)
				}
				return r, nil
			}
		}
		if attempt < spinRetries {
			runtime.Gosched()
			continue
		}
		now := time.Now()
		switch {
		case start.IsZero():
			start, since, lastSeq = now, now, s1
		case s1 != lastSeq:
			since, lastSeq = now, s1 // the writer is alive
		case now.Sub(since) > stuckTimeout:
			return Record{}, fmt.Errorf("state: %s: seq at offset %d stuck at %d for %v (did the writer die mid-update?): %w",
				m.path, OffSeq, s1, stuckTimeout, ErrWriting)
		}
		if now.Sub(start) > readDeadline {
			return Record{}, fmt.Errorf("state: %s: no stable record within %v, seq at offset %d keeps changing: %w",
				m.path, readDeadline, OffSeq, ErrWriting)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// Close unmaps the file.
func (m *Mapping) Close() error {
	if m.mem == nil {
		return nil
	}
	err := munmap(m.mem)
	m.mem = nil
	if err != nil {
		return fmt.Errorf("state: munmap %s: %w", m.path, err)
	}
	return nil
}
