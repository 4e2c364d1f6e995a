package vmclock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

// DefaultMaxAttempts bounds the seqlock retries of a Reader. A hypervisor
// holds seq_count odd for microseconds; a page that stays odd (or keeps
// changing) through this many attempts, with the back-off between them
// (about 0.2 s in all), is reported as a SeqlockError rather than waited on.
const DefaultMaxAttempts = 200

// pageMemory is where a Reader reads a live page from.
type pageMemory interface {
	// load copies len(p) bytes from offset off. Loads are done word by word
	// in ascending address order, so that seq_count (offset 12) is loaded
	// before every field it protects.
	load(p []byte, off int) error
	// loadSeq loads seq_count on its own.
	loadSeq() (uint32, error)
	// size is how many bytes of the page are accessible (the mapping or
	// the file), checked against the size field.
	size() (int, error)
}

// Reader reads consistent snapshots of a live VMClock page through its
// seqlock. It is safe for use by one goroutine at a time.
type Reader struct {
	mem         pageMemory
	maxAttempts int
	// betweenReads, if set, runs after the fields were copied and before
	// seq_count is loaded the second time: tests use it to change the page
	// in the window a real hypervisor could.
	betweenReads func(attempt int)
	// buf receives each copy of the structure; kept here so that a read
	// does not allocate.
	buf [ABISize]byte
}

// NewReader returns a Reader over page, live memory that the hypervisor (or
// a test) may change at any time, such as a mapping of /dev/vmclock0. Every
// load is an atomic load of an aligned word, so page must be 8-byte aligned
// and the writer must store aligned words atomically too.
func NewReader(page []byte) (*Reader, error) {
	if len(page) < MinSize {
		return nil, &ShortPageError{Len: len(page), Need: MinSize}
	}
	if uintptr(unsafe.Pointer(&page[0]))%8 != 0 {
		return nil, errors.New("vmclock: page memory is not 8-byte aligned")
	}
	return &Reader{mem: wordMemory(page), maxAttempts: DefaultMaxAttempts}, nil
}

// newFileReader returns a Reader over a regular file holding a page image,
// and the function that closes it.
func newFileReader(path string, f *os.File) (*Reader, func() error) {
	m := &fileMemory{path: path, f: f}
	return &Reader{mem: m, maxAttempts: DefaultMaxAttempts}, m.close
}

// Read returns a consistent snapshot of the page: the header is validated
// (magic, size, version) and the seqlock-protected fields come from one
// update of the hypervisor's, never a mix of two. It retries while an
// update is in progress and gives up with a *SeqlockError after a bounded
// number of attempts.
func (r *Reader) Read() (Page, error) {
	buf := r.buf[:]
	var seq uint32
	attempts := r.maxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	for attempt := 1; attempt <= attempts; attempt++ {
		mapped, err := r.mem.size()
		if err != nil {
			return Page{}, err
		}
		if mapped < MinSize {
			return Page{}, &ShortPageError{Len: mapped, Need: MinSize}
		}
		img := buf[:min(mapped, ABISize)]
		if err := r.mem.load(img, 0); err != nil {
			return Page{}, err
		}
		if err := CheckHeader(img, mapped); err != nil {
			return Page{}, err
		}
		seq = binary.LittleEndian.Uint32(buf[OffSeqCount:])
		if seq&1 == 0 {
			if r.betweenReads != nil {
				r.betweenReads(attempt)
			}
			again, err := r.mem.loadSeq()
			if err != nil {
				return Page{}, err
			}
			if again == seq {
				return decode(img), nil
			}
			seq = again
		}
		backOff(attempt)
	}
	return Page{}, &SeqlockError{Attempts: attempts, LastSeq: seq}
}

// backOff waits a little before the next seqlock attempt: first by
// yielding (an update takes microseconds), then by sleeping up to 1 ms.
func backOff(attempt int) {
	if attempt < 16 {
		runtime.Gosched()
		return
	}
	d := time.Duration(attempt) * 10 * time.Microsecond
	if d > time.Millisecond {
		d = time.Millisecond
	}
	time.Sleep(d)
}

// wordMemory is live memory read with atomic loads of aligned words.
type wordMemory []byte

func (m wordMemory) size() (int, error) { return len(m), nil }

func (m wordMemory) load(p []byte, off int) error {
	if off < 0 || off > len(m) || len(p) > len(m)-off {
		return &ShortPageError{Len: len(m), Need: off + len(p)}
	}
	for i := 0; i < len(p); {
		a := off + i
		switch {
		case a%8 == 0 && len(p)-i >= 8:
			v := atomic.LoadUint64((*uint64)(unsafe.Pointer(&m[a])))
			binary.NativeEndian.PutUint64(p[i:], v)
			i += 8
		case a%4 == 0 && len(p)-i >= 4:
			v := atomic.LoadUint32((*uint32)(unsafe.Pointer(&m[a])))
			binary.NativeEndian.PutUint32(p[i:], v)
			i += 4
		default:
			// Only reached for unaligned ranges, which Read never asks for.
			p[i] = m[a]
			i++
		}
	}
	return nil
}

func (m wordMemory) loadSeq() (uint32, error) {
	var b [4]byte
	if err := m.load(b[:], OffSeqCount); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}

// fileMemory is a regular file holding a page image, read with pread. A
// writer that wants readers to see consistent snapshots updates it like a
// hypervisor: seq_count odd, the fields, seq_count even, each in place. A
// writer may also replace the file atomically (write a new file, rename it
// over the old one): the path is then reopened.
type fileMemory struct {
	path string
	f    *os.File
}

// size checks whether the path now names another file, switches to it if
// so, and returns the file's size.
func (m *fileMemory) size() (int, error) {
	fi, err := os.Stat(m.path)
	if err != nil {
		return 0, fmt.Errorf("vmclock: %w", err)
	}
	if cur, err := m.f.Stat(); err != nil || !os.SameFile(fi, cur) {
		f, err := os.Open(m.path)
		if err != nil {
			return 0, fmt.Errorf("vmclock: reopening replaced page file: %w", err)
		}
		m.f.Close()
		m.f = f
		if fi, err = f.Stat(); err != nil {
			return 0, fmt.Errorf("vmclock: %w", err)
		}
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("vmclock: %s is no longer a regular file", m.path)
	}
	if fi.Size() > 1<<30 {
		return 1 << 30, nil // the size field is 32 bits; any larger file is "big enough"
	}
	return int(fi.Size()), nil
}

func (m *fileMemory) close() error { return m.f.Close() }

func (m *fileMemory) load(p []byte, off int) error {
	n, err := m.f.ReadAt(p, int64(off))
	if n == len(p) {
		return nil
	}
	if errors.Is(err, io.EOF) || err == nil {
		return &ShortPageError{Len: off + n, Need: off + len(p)}
	}
	return fmt.Errorf("vmclock: reading %s at offset %d: %w", m.f.Name(), off, err)
}

func (m *fileMemory) loadSeq() (uint32, error) {
	var b [4]byte
	if err := m.load(b[:], OffSeqCount); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}
