package vmclock

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/vmgenid/vmgenid/internal/detect"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// pageFile is a page-image file a test updates in place the way a
// hypervisor updates the page: seq_count odd, the fields, seq_count even.
type pageFile struct {
	t    testing.TB
	path string
	f    *os.File
	seq  uint32
}

func newPageFile(t testing.TB, p Page) *pageFile {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vmclock.page")
	if err := os.WriteFile(path, pageImage(t, p, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &pageFile{t: t, path: path, f: f, seq: p.SeqCount}
}

func (pf *pageFile) put32(off int, v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	if _, err := pf.f.WriteAt(b[:], int64(off)); err != nil {
		pf.t.Fatal(err)
	}
}

func (pf *pageFile) put64(off int, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	if _, err := pf.f.WriteAt(b[:], int64(off)); err != nil {
		pf.t.Fatal(err)
	}
}

// update sets the counter and the marker under the seqlock.
func (pf *pageFile) update(counter, marker uint64) {
	pf.put32(OffSeqCount, pf.seq+1)
	pf.put64(OffVMGenerationCounter, counter)
	pf.put64(OffDisruptionMarker, marker)
	pf.seq += 2
	pf.put32(OffSeqCount, pf.seq)
}

// runDetector starts d and returns the reasons it reports, a function that
// stops it and returns Run's error, and waits until d has read its baseline.
func runDetector(t *testing.T, d *Detector) (<-chan string, func() error) {
	t.Helper()
	ready := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var logs []string
	d.Logf = func(format string, args ...any) {
		mu.Lock()
		logs = append(logs, fmt.Sprintf(format, args...))
		mu.Unlock()
		once.Do(func() { close(ready) })
	}
	reasons := make(chan string, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, func(s detect.Signal) { reasons <- s.Reason }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Run ended before it started watching: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("detector did not start")
	}
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			mu.Lock()
			t.Logf("detector log: %q", logs)
			mu.Unlock()
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
			return nil
		}
	}
	t.Cleanup(func() { cancel() })
	return reasons, stop
}

func expectReason(t *testing.T, reasons <-chan string, want string) {
	t.Helper()
	select {
	case got := <-reasons:
		if got != want {
			t.Errorf("reason %q, want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no notification, want %q", want)
	}
}

func expectNone(t *testing.T, reasons <-chan string, wait time.Duration) {
	t.Helper()
	select {
	case got := <-reasons:
		t.Errorf("unexpected notification %q", got)
	case <-time.After(wait):
	}
}

func TestDetectorOverPageFile(t *testing.T) {
	pf := newPageFile(t, testPage())
	d := &Detector{Path: pf.path, Interval: 2 * time.Millisecond}
	reasons, stop := runDetector(t, d)
	if n := d.Count().N; n != 0 {
		t.Errorf("Count at start = %d, want 0 (the page at start is the baseline)", n)
	}

	pf.update(4, 8)
	expectReason(t, reasons, "vmclock generation counter 3 → 4")

	// Neither a live migration (marker only) nor a rewrite of the same
	// counter is a restore.
	pf.update(4, 9)
	pf.update(4, 9)
	expectNone(t, reasons, 50*time.Millisecond)

	pf.update(5, 10)
	expectReason(t, reasons, "vmclock generation counter 4 → 5")
	if n := d.Count().N; n != 2 {
		t.Errorf("Count after two restores = %d, want 2", n)
	}

	if err := stop(); err != nil {
		t.Errorf("Run after cancel = %v, want nil (a clean stop)", err)
	}
	expectNone(t, reasons, 0)
}

func TestDetectorWithoutGenerationCounter(t *testing.T) {
	p := testPage()
	p.Flags = 0
	pf := newPageFile(t, p)
	reasons, stop := runDetector(t, &Detector{Path: pf.path, Interval: 2 * time.Millisecond})
	pf.update(0, 8)
	expectReason(t, reasons, "vmclock disruption marker 0x7 → 0x8 (no generation counter)")
	stop()
}

func TestDetectorStopsOnPersistentReadErrors(t *testing.T) {
	pf := newPageFile(t, testPage())
	d := &Detector{Path: pf.path, Interval: time.Millisecond}
	ready := make(chan struct{})
	var once sync.Once
	d.Logf = func(string, ...any) { once.Do(func() { close(ready) }) }
	done := make(chan error, 1)
	go func() { done <- d.Run(context.Background(), func(detect.Signal) {}) }()
	<-ready
	pf.put32(OffMagic, 0)
	select {
	case err := <-done:
		if !isErr[*MagicError](err) || !strings.Contains(err.Error(), "10 reads in a row failed") {
			t.Errorf("Run = %v, want 10 failed reads ending in a *MagicError", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept going over a page with a bad magic")
	}
}

func TestDetectorNoDevice(t *testing.T) {
	d := &Detector{Path: filepath.Join(t.TempDir(), "vmclock0")}
	if err := d.Run(context.Background(), func(detect.Signal) {}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Run on a missing path = %v, want not-exist", err)
	}
}

func ExampleDetector() {
	// A page-image file stands in for /dev/vmclock0.
	dir, _ := os.MkdirTemp("", "vmclock")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "page")
	page := make([]byte, 4096)
	Encode(page, Page{Size: 4096, Version: 1, Flags: FlagVMGenCounterPresent, VMGenerationCounter: 1})
	os.WriteFile(path, page, 0o644)

	ctx, cancel := context.WithCancel(context.Background())
	d := &Detector{Path: path, Interval: time.Millisecond}
	d.Logf = func(string, ...any) {
		// Run has read its baseline: restore the "VM" (replace the file).
		Encode(page, Page{Size: 4096, Version: 1, Flags: FlagVMGenCounterPresent, VMGenerationCounter: 2})
		os.WriteFile(path+".new", page, 0o644)
		os.Rename(path+".new", path)
	}
	d.Run(ctx, func(s detect.Signal) {
		fmt.Println(s.Reason)
		cancel()
	})
	// Output: vmclock generation counter 1 → 2
}
