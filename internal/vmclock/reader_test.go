package vmclock

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// livePage is page memory a test changes the way a hypervisor does, with
// atomic stores of aligned words, so that readers may run concurrently
// under the race detector.
type livePage []byte

func newLivePage(t testing.TB, p Page) livePage {
	t.Helper()
	words := make([]uint64, 4096/8) // 8-byte aligned backing store
	b := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), 4096)
	if err := Encode(b, p); err != nil {
		t.Fatal(err)
	}
	return b
}

func (l livePage) store32(off int, v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&l[off])), binary.NativeEndian.Uint32(b[:]))
}

func (l livePage) store64(off int, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	atomic.StoreUint64((*uint64)(unsafe.Pointer(&l[off])), binary.NativeEndian.Uint64(b[:]))
}

func (l livePage) seq() uint32 {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], atomic.LoadUint32((*uint32)(unsafe.Pointer(&l[OffSeqCount]))))
	return binary.LittleEndian.Uint32(b[:])
}

// update changes the page as a hypervisor does: seq_count odd, the fields,
// seq_count even again.
func (l livePage) update(counter, marker uint64) {
	s := l.seq()
	l.store32(OffSeqCount, s+1)
	l.store64(OffVMGenerationCounter, counter)
	l.store64(OffDisruptionMarker, marker)
	l.store32(OffSeqCount, s+2)
}

func TestReaderReadsPage(t *testing.T) {
	want := testPage()
	r, err := NewReader(newLivePage(t, want))
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Read = %+v, want %+v", got, want)
	}
}

func TestReaderCounterChangesBetweenSeqlockReads(t *testing.T) {
	page := newLivePage(t, testPage())
	r, err := NewReader(page)
	if err != nil {
		t.Fatal(err)
	}
	var calls []int
	r.betweenReads = func(attempt int) {
		calls = append(calls, attempt)
		if attempt == 1 {
			// The fields were copied with counter 3; the hypervisor now
			// restores the VM: the copy is stale and must be thrown away.
			page.update(4, 8)
		}
	}
	got, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if got.VMGenerationCounter != 4 || got.DisruptionMarker != 8 || got.SeqCount != 4 {
		t.Errorf("Read = counter %d, marker %d, seq %d; want 4, 8, 4 (the update, not the stale copy)",
			got.VMGenerationCounter, got.DisruptionMarker, got.SeqCount)
	}
	if len(calls) != 2 {
		t.Errorf("second seqlock read ran on attempts %v, want [1 2]", calls)
	}
}

func TestReaderStuckOdd(t *testing.T) {
	p := testPage()
	p.SeqCount = 5
	r, err := NewReader(newLivePage(t, p))
	if err != nil {
		t.Fatal(err)
	}
	r.maxAttempts = 20
	_, err = r.Read()
	var se *SeqlockError
	if !errors.As(err, &se) {
		t.Fatalf("Read of a page stuck odd = %v, want *SeqlockError", err)
	}
	if se.Attempts != 20 || se.LastSeq != 5 {
		t.Errorf("SeqlockError = %+v, want 20 attempts, last seq 5", se)
	}
	if want := "vmclock seq_count at offset 12 stuck mid-update (odd) after 20 attempts (last 0x5)"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestReaderKeepsChanging(t *testing.T) {
	page := newLivePage(t, testPage())
	r, err := NewReader(page)
	if err != nil {
		t.Fatal(err)
	}
	r.maxAttempts = 10
	n := uint64(3)
	r.betweenReads = func(int) { n++; page.update(n, n) }
	_, err = r.Read()
	var se *SeqlockError
	if !errors.As(err, &se) || se.LastSeq&1 != 0 {
		t.Fatalf("Read of a page that changes on every attempt = %v, want *SeqlockError with an even seq", err)
	}
}

func TestReaderBadHeaderIsNotRetried(t *testing.T) {
	page := newLivePage(t, testPage())
	copy(page, "XXXX")
	r, err := NewReader(page)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	r.betweenReads = func(int) { calls++ }
	if _, err := r.Read(); !isErr[*MagicError](err) {
		t.Errorf("Read = %v, want *MagicError", err)
	}
	if calls != 0 {
		t.Errorf("a bad header went on to the seqlock (%d calls)", calls)
	}
}

func TestNewReaderRejectsShortAndMisaligned(t *testing.T) {
	if _, err := NewReader(make([]byte, MinSize-1)); !isErr[*ShortPageError](err) {
		t.Errorf("NewReader(short) = %v, want *ShortPageError", err)
	}
	page := newLivePage(t, testPage())
	if _, err := NewReader(page[1:]); err == nil {
		t.Error("NewReader accepted misaligned memory")
	}
}

// TestReaderConcurrentWriter runs readers against a writer that keeps
// setting the counter and the marker to the same new value: a torn read
// would show them differing.
func TestReaderConcurrentWriter(t *testing.T) {
	page := newLivePage(t, testPage())
	page.update(3, 3)
	const updates = 20000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := NewReader(page)
			if err != nil {
				t.Error(err)
				return
			}
			last := uint64(0)
			for {
				select {
				case <-stop:
					return
				default:
				}
				p, err := r.Read()
				if err != nil {
					t.Error(err)
					return
				}
				if p.VMGenerationCounter != p.DisruptionMarker {
					t.Errorf("torn read: counter %d, marker %d", p.VMGenerationCounter, p.DisruptionMarker)
					return
				}
				if p.VMGenerationCounter < last {
					t.Errorf("counter went back from %d to %d", last, p.VMGenerationCounter)
					return
				}
				last = p.VMGenerationCounter
			}
		}()
	}
	for i := uint64(4); i < 4+updates; i++ {
		page.update(i, i)
	}
	close(stop)
	wg.Wait()
}

func TestFileReader(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := pageImage(t, testPage(), 4096)
	t.Run("good", func(t *testing.T) {
		c, err := Open(write("good", good))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		p, err := c.Read()
		if err != nil || p != testPage() {
			t.Errorf("Read = %+v, %v; want %+v", p, err, testPage())
		}
		if c.IsDevice() || c.EventDriven() {
			t.Error("a file claims to be an event-driven device")
		}
	})
	t.Run("short file", func(t *testing.T) {
		path := write("short", good[:100])
		_, err := Open(path)
		if !isErr[*ShortPageError](err) {
			t.Fatalf("Open(short file) = %v, want *ShortPageError", err)
		}
		if want := "vmclock " + path + ": vmclock page too short: 100 bytes, the structure needs 112"; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
	})
	t.Run("size past end of file", func(t *testing.T) {
		if _, err := Open(write("half", good[:2048])); !isErr[*SizeError](err) {
			t.Errorf("Open = %v, want *SizeError", err)
		}
	})
	t.Run("bad magic", func(t *testing.T) {
		b := append([]byte(nil), good...)
		b[0] = 0
		if _, err := Open(write("magic", b)); !isErr[*MagicError](err) {
			t.Errorf("Open = %v, want *MagicError", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		if _, err := Open(filepath.Join(dir, "nope")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(missing) = %v, want not-exist", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		if _, err := Open(dir); err == nil {
			t.Error("Open(directory) succeeded")
		}
	})
}

func BenchmarkReaderRead(b *testing.B) {
	r, err := NewReader(newLivePage(b, testPage()))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := r.Read(); err != nil {
			b.Fatal(err)
		}
	}
}
