// Package physmem reads bytes at physical addresses.
//
// The bytes come from a physical-memory file: /dev/mem (or another
// character device), which is mapped page by page, read-only and shared,
// or a regular file whose offsets stand for physical addresses, which is
// read with pread (tests and recorded memory images).
//
// /dev/mem is mapped rather than read because in a real QEMU guest pread
// fails with EFAULT when no RAM lies above the address, and it is mapped
// without O_SYNC because the kernel's own vmgenid driver already maps the
// page write-back: an uncached mapping conflicts with it and mmap fails
// with EAGAIN (x86 PAT).
//
// It knows nothing of ACPI or of the ID: the sources (internal/source,
// internal/source/bsdsrc, for the ID and for tables in memory) and the
// ACPI inspector (internal/acpiinspect, for regions) say which bytes to read.
package physmem

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"sync"

	"golang.org/x/sys/unix"
)

// MaxReadLen bounds one ReadPhys call: nothing here needs more than a page
// or two, and the bound keeps a hostile AML field from mapping gigabytes.
const MaxReadLen = 1 << 16

// maxMappings bounds the cache of mapped windows; when it is full the cache
// is emptied and refilled.
const maxMappings = 16

// Reader reads len(p) bytes at physical address addr. It has the same
// method set as aml.MemoryReader, so that AML SystemMemory regions and the
// ID reader share one implementation.
type Reader interface {
	ReadPhys(addr uint64, p []byte) error
}

// Mem is an open physical-memory file. It is safe for concurrent use.
type Mem struct {
	path string
	f    *os.File
	// mapped is true for character devices, which are read by mmap.
	mapped bool
	// size is the length of a regular file; reads past it are errors.
	size     int64
	pageSize uint64

	mu      sync.Mutex
	windows []window
	closed  bool
}

// window is one read-only mapping of the file.
type window struct {
	base uint64 // physical address of data[0], page aligned
	data []byte
}

// Open opens a physical-memory file: a character device such as /dev/mem
// is mapped on demand, a regular file is read with pread. The errors name
// the real situation: no /dev/mem (a kernel without CONFIG_DEVMEM),
// permission denied (root or CAP_SYS_RAWIO needed).
func Open(path string) (*Mem, error) {
	return open(path, false)
}

// open is Open with a switch that maps regular files too, so that tests
// exercise the mapping code without /dev/mem.
func open(path string, mapRegular bool) (*Mem, error) {
	// O_NONBLOCK: a FIFO given as --mem would block the open until a
	// writer came (and the daemon holds its state lock meanwhile). The
	// type is checked right after; reads of devices and regular files
	// ignore the flag.
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, explainOpen(path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("physmem: %s: %w", path, err)
	}
	m := &Mem{path: path, f: f, pageSize: uint64(os.Getpagesize())}
	switch mode := st.Mode(); {
	case mode&os.ModeCharDevice != 0:
		m.mapped = true
		m.size = -1
	case mode.IsRegular():
		m.mapped = mapRegular
		m.size = st.Size()
	default:
		f.Close()
		return nil, fmt.Errorf("physmem: %s is neither a character device nor a regular file (mode %v)", path, mode)
	}
	return m, nil
}

// Path returns the file Open was given.
func (m *Mem) Path() string { return m.path }

// Method says how reads are done, for status output: "mmap /dev/mem" or
// "pread FILE".
func (m *Mem) Method() string {
	if m.mapped {
		return "mmap " + m.path
	}
	return "pread " + m.path
}

// ReadPhys fills p with the bytes at physical address addr. It implements
// aml.MemoryReader.
func (m *Mem) ReadPhys(addr uint64, p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if len(p) > MaxReadLen {
		return fmt.Errorf("physmem: %s: read of %d bytes at %#x: more than the %d-byte limit", m.path, len(p), addr, MaxReadLen)
	}
	end := addr + uint64(len(p))
	if end < addr || end > math.MaxInt64 {
		return fmt.Errorf("physmem: %s: address %#x+%d is beyond any file offset", m.path, addr, len(p))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("physmem: %s: read at %#x after Close", m.path, addr)
	}
	if !m.mapped {
		return m.pread(addr, p)
	}
	return m.readMapped(addr, p)
}

func (m *Mem) pread(addr uint64, p []byte) error {
	if m.size >= 0 && addr+uint64(len(p)) > uint64(m.size) {
		return fmt.Errorf("physmem: %s: %d bytes at %#x lie beyond the end of the file (%d bytes)", m.path, len(p), addr, m.size)
	}
	n, err := m.f.ReadAt(p, int64(addr))
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("physmem: %s: short read at %#x: %d of %d bytes", m.path, addr, n, len(p))
	}
	return explainRead(m.path, addr, "pread", err)
}

func (m *Mem) readMapped(addr uint64, p []byte) error {
	end := addr + uint64(len(p))
	var w *window
	for i := range m.windows {
		c := &m.windows[i]
		if c.base <= addr && end <= c.base+uint64(len(c.data)) {
			w = c
			break
		}
	}
	if w == nil {
		base := addr &^ (m.pageSize - 1)
		length := (end - base + m.pageSize - 1) &^ (m.pageSize - 1)
		if m.size >= 0 && base+length > uint64(m.size) {
			if end > uint64(m.size) {
				return fmt.Errorf("physmem: %s: %d bytes at %#x lie beyond the end of the file (%d bytes)", m.path, len(p), addr, m.size)
			}
			// Mapping past the end of a regular file would fault on
			// the tail; map only what is there.
			length = uint64(m.size) - base
		}
		data, err := unix.Mmap(int(m.f.Fd()), int64(base), int(length), unix.PROT_READ, unix.MAP_SHARED)
		if err != nil {
			return explainRead(m.path, base, "mmap", err)
		}
		if len(m.windows) >= maxMappings {
			m.unmapAll()
		}
		m.windows = append(m.windows, window{base: base, data: data})
		w = &m.windows[len(m.windows)-1]
	}
	return copyGuarded(p, w.data[addr-w.base:], m.path, addr)
}

// copyGuarded copies from a mapping, turning a fault (SIGBUS: no memory
// behind the address) into an error instead of a crash.
func copyGuarded(dst, src []byte, path string, addr uint64) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			err = fmt.Errorf("physmem: %s: reading the mapping at %#x faulted (no memory behind the address?): %v", path, addr, r)
		}
	}()
	copy(dst, src)
	return nil
}

func (m *Mem) unmapAll() {
	for _, w := range m.windows {
		// An unmap error leaves nothing to do: the range stays
		// mapped read-only until exit.
		_ = unix.Munmap(w.data)
	}
	m.windows = nil
}

// Close unmaps every window and closes the file.
func (m *Mem) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.unmapAll()
	return m.f.Close()
}

// OpenError is the error Open returns; Hint, when set, names the real
// situation behind Err.
type OpenError struct {
	Path string
	Err  error
	Hint string
}

// Error says what failed and, when known, why.
func (e *OpenError) Error() string {
	if e.Hint == "" {
		return fmt.Sprintf("physmem: open %s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("physmem: open %s: %v: %s", e.Path, e.Err, e.Hint)
}

// Unwrap returns the system error, for errors.Is(err, fs.ErrNotExist) and the like.
func (e *OpenError) Unwrap() error { return e.Err }

// explainOpen wraps an open error with what it means on this OS.
func explainOpen(path string, err error) error {
	var errno unix.Errno
	if pe := (*os.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err
	}
	errors.As(err, &errno)
	return &OpenError{Path: path, Err: err, Hint: openHint(path, errno)}
}

// ReadError is the error a failed read of the mapping or file returns.
type ReadError struct {
	Path string
	Addr uint64
	Op   string // "mmap" or "pread"
	Err  error
	Hint string
}

// Error names the operation, the file and the address, and why it failed.
func (e *ReadError) Error() string {
	s := fmt.Sprintf("physmem: %s %s at %#x: %v", e.Op, e.Path, e.Addr, e.Err)
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// Unwrap returns the system error.
func (e *ReadError) Unwrap() error { return e.Err }

func explainRead(path string, addr uint64, op string, err error) error {
	var errno unix.Errno
	if pe := (*os.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err
	}
	errors.As(err, &errno)
	return &ReadError{Path: path, Addr: addr, Op: op, Err: err, Hint: readHint(op, errno)}
}
