package physmem

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// memFile writes a sparse file with data at physical address addr.
func memFile(t *testing.T, size int64, addr int64, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mem")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(data, addr); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

var idBytes = []byte{0xdd, 0xcc, 0xbb, 0xaa, 0xff, 0xee, 0x11, 0x00, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99}

func TestReadPhys(t *testing.T) {
	const addr = 0xdfff0
	path := memFile(t, 1<<20, addr, idBytes)
	for _, mapped := range []bool{false, true} {
		m, err := open(path, mapped)
		if err != nil {
			t.Fatal(err)
		}
		wantMethod := "pread " + path
		if mapped {
			wantMethod = "mmap " + path
		}
		if got := m.Method(); got != wantMethod {
			t.Errorf("Method() = %q, want %q", got, wantMethod)
		}
		tests := []struct {
			name    string
			addr    uint64
			n       int
			want    []byte
			wantErr string
		}{
			{"id", addr, 16, idBytes, ""},
			{"first half", addr, 8, idBytes[:8], ""},
			{"crossing a page", addr - 4, 8, append(make([]byte, 4), idBytes[:4]...), ""},
			{"last byte", 1<<20 - 1, 1, []byte{0}, ""},
			{"empty", 1 << 40, 0, []byte{}, ""},
			{"past the end", 1<<20 - 8, 16, nil, "beyond the end of the file"},
			{"far past the end", 1 << 40, 16, nil, "beyond the end of the file"},
			{"wrapping", ^uint64(0) - 4, 16, nil, "beyond any file offset"},
			{"too long", 0, MaxReadLen + 1, nil, "limit"},
		}
		for _, tt := range tests {
			p := make([]byte, tt.n)
			err := m.ReadPhys(tt.addr, p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("mapped=%v %s: err = %v, want one containing %q", mapped, tt.name, err, tt.wantErr)
				}
				continue
			}
			if err != nil {
				t.Errorf("mapped=%v %s: %v", mapped, tt.name, err)
				continue
			}
			if !bytes.Equal(p, tt.want) {
				t.Errorf("mapped=%v %s: got % x, want % x", mapped, tt.name, p, tt.want)
			}
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if err := m.ReadPhys(addr, make([]byte, 16)); err == nil {
			t.Errorf("mapped=%v: ReadPhys after Close succeeded", mapped)
		}
		if err := m.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
}

// TestMappingCache reads more distinct pages than the cache holds, so that
// it is emptied and refilled, and checks every value.
func TestMappingCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mem")
	const pages = 3 * maxMappings
	ps := os.Getpagesize()
	data := make([]byte, pages*ps)
	for i := range pages {
		data[i*ps+7] = byte(i + 1)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for round := range 2 {
		for i := range pages {
			var b [1]byte
			if err := m.ReadPhys(uint64(i*ps+7), b[:]); err != nil {
				t.Fatal(err)
			}
			if b[0] != byte(i+1) {
				t.Fatalf("round %d page %d: got %d, want %d", round, i, b[0], i+1)
			}
		}
	}
	if len(m.windows) > maxMappings {
		t.Errorf("%d windows mapped, limit %d", len(m.windows), maxMappings)
	}
}

// TestCharDevice maps /dev/zero, the one character device every Linux and
// BSD test machine has, through the same path /dev/mem takes.
func TestCharDevice(t *testing.T) {
	m, err := Open("/dev/zero")
	if err != nil {
		t.Skipf("no /dev/zero: %v", err)
	}
	defer m.Close()
	if !strings.HasPrefix(m.Method(), "mmap ") {
		t.Errorf("Method() = %q, want mmap", m.Method())
	}
	p := bytes.Repeat([]byte{0xff}, 16)
	if err := m.ReadPhys(0x1000, p); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p, make([]byte, 16)) {
		t.Errorf("read % x from /dev/zero", p)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want ErrNotExist", err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "neither a character device nor a regular file") {
		t.Errorf("directory: err = %v", err)
	}
	unreadable := filepath.Join(dir, "unreadable")
	if err := os.WriteFile(unreadable, nil, 0); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		_, err := Open(unreadable)
		var oe *OpenError
		if !errors.As(err, &oe) || !errors.Is(err, fs.ErrPermission) || oe.Hint == "" {
			t.Errorf("unreadable file: err = %v, want a permission OpenError with a hint", err)
		}
	}
}

func TestOpenHints(t *testing.T) {
	if _, err := os.Stat("/dev/mem"); err == nil {
		t.Skip("this machine has /dev/mem")
	}
	_, err := Open("/dev/mem")
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open(/dev/mem) = %v, want ErrNotExist", err)
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "/dev/mem") || strings.HasSuffix(err.Error(), "no such file or directory") {
		t.Errorf("Open(/dev/mem) error has no hint: %v", err)
	}
}

// BenchmarkReadPhysMapped measures one 16-byte read through a mapping
// (a stable read of the ID, genid.ReadStable, makes two).
func BenchmarkReadPhysMapped(b *testing.B) {
	path := filepath.Join(b.TempDir(), "mem")
	if err := os.WriteFile(path, make([]byte, 1<<16), 0o600); err != nil {
		b.Fatal(err)
	}
	m, err := open(path, true)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	p := make([]byte, 16)
	for b.Loop() {
		if err := m.ReadPhys(0x1028, p); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMappingFault maps a page of a file, truncates the file under the
// mapping and reads again: the access faults (SIGBUS), which must come
// back as an error rather than crash the program.
func TestMappingFault(t *testing.T) {
	ps := os.Getpagesize()
	path := filepath.Join(t.TempDir(), "mem")
	if err := os.WriteFile(path, bytes.Repeat([]byte{0xab}, 2*ps), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p := make([]byte, 16)
	if err := m.ReadPhys(uint64(ps), p); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	err = m.ReadPhys(uint64(ps), p)
	if err == nil || !strings.Contains(err.Error(), "faulted") {
		t.Errorf("read of a truncated mapping: err = %v, want a fault error", err)
	}
}

// TestOpenFIFO: a FIFO given as the memory file is
// refused at once; the open used to block until a writer came, with the
// daemon holding its state lock.
func TestOpenFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if _, err := Open(fifo); err == nil || !strings.Contains(err.Error(), "neither a character device nor a regular file") {
		t.Errorf("FIFO: err = %v", err)
	}
}
