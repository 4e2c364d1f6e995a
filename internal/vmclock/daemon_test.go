package vmclock_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/internal/daemon"
	"github.com/vmgenid/vmgenid/internal/detect"
	"github.com/vmgenid/vmgenid/internal/state"
	"github.com/vmgenid/vmgenid/internal/vmclock"
)

// The daemon takes the VMClock detector as a detect.Counter.
var _ detect.Counter = (*vmclock.Detector)(nil)

// nopMixer keeps the test away from the real kernel pool.
type nopMixer struct{}

func (nopMixer) Mix([]byte) error { return nil }
func (nopMixer) Reseed() error    { return nil }

// fakeVMClock is a page-image file updated in place like a hypervisor
// updates the page: seq_count odd, the fields, seq_count even.
type fakeVMClock struct {
	t    *testing.T
	path string
	f    *os.File
	seq  uint32
}

func newFakeVMClock(t *testing.T, counter uint64) *fakeVMClock {
	t.Helper()
	page := make([]byte, 4096)
	err := vmclock.Encode(page, vmclock.Page{
		Size: 4096, Version: vmclock.Version, CounterID: vmclock.CounterInvalid, SeqCount: 2,
		Flags:               vmclock.FlagVMGenCounterPresent,
		VMGenerationCounter: counter,
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vmclock0.page")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &fakeVMClock{t: t, path: path, f: f, seq: 2}
}

func (c *fakeVMClock) write(off int, b []byte) {
	if _, err := c.f.WriteAt(b, int64(off)); err != nil {
		c.t.Fatal(err)
	}
}

// update sets the generation counter and the disruption marker.
func (c *fakeVMClock) update(counter, marker uint64) {
	c.write(vmclock.OffSeqCount, binary.LittleEndian.AppendUint32(nil, c.seq+1))
	c.write(vmclock.OffVMGenerationCounter, binary.LittleEndian.AppendUint64(nil, counter))
	c.write(vmclock.OffDisruptionMarker, binary.LittleEndian.AppendUint64(nil, marker))
	c.seq += 2
	c.write(vmclock.OffSeqCount, binary.LittleEndian.AppendUint32(nil, c.seq))
}

// TestDaemonAdvancesOncePerCounterChange runs the daemon with the VMClock
// detector as its only detector, over a fake page file: every change of
// the generation counter advances the epoch by exactly one; rewrites of the
// same counter and disruption-marker-only updates (live migration) do not.
func TestDaemonAdvancesOncePerCounterChange(t *testing.T) {
	clock := newFakeVMClock(t, 3)
	statePath := filepath.Join(t.TempDir(), "state")

	watching := make(chan struct{})
	var once sync.Once
	det := &vmclock.Detector{
		Path:     clock.path,
		Interval: 2 * time.Millisecond,
		Logf:     func(string, ...any) { once.Do(func() { close(watching) }) },
	}
	var logMu sync.Mutex
	var log strings.Builder
	d, err := daemon.New(daemon.Config{
		StatePath: statePath,
		Detectors: []detect.Detector{det},
		Mixer:     nopMixer{},
		Logf: func(format string, args ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			log.WriteString(strings.TrimSpace(fmt.Sprintf(format, args...)) + "\n")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon Run: %v", err)
		}
		logMu.Lock()
		t.Logf("daemon log:\n%s", log.String())
		logMu.Unlock()
	}()

	m, err := state.Map(statePath)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	select {
	case <-watching:
	case <-time.After(10 * time.Second):
		t.Fatal("the VMClock detector did not start")
	}
	if e := m.Epoch(); e != 1 {
		t.Fatalf("epoch at start %d, want 1", e)
	}

	steps := []struct {
		what           string
		counter, mark  uint64
		wantEpoch      uint64
		wantReasonPart string
	}{
		{"restore: counter 3 → 4", 4, 1, 2, "vmclock generation counter 3 → 4"},
		{"same counter rewritten", 4, 1, 2, ""},
		{"live migration: marker only", 4, 2, 2, ""},
		{"restore: counter 4 → 5", 5, 3, 3, "vmclock generation counter 4 → 5"},
		{"two restores between reads: 5 → 7", 7, 4, 4, "vmclock generation counter 5 → 7"},
	}
	for _, s := range steps {
		clock.update(s.counter, s.mark)
		// Settled once the detector has compared a read made after the
		// update (two more reads) and the daemon has checked every signal
		// sent until then: a second advance for one change would show.
		deadline := time.Now().Add(10 * time.Second)
		reads := det.Reads()
		for det.Reads() < reads+2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		signals := d.Status().Signals
		for d.Status().SignalsChecked < signals && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if e := m.Epoch(); e != s.wantEpoch {
			t.Fatalf("%s: epoch %d, want %d", s.what, e, s.wantEpoch)
		}
		rec, err := m.Read()
		if err != nil {
			t.Fatal(err)
		}
		if rec.Changes != s.wantEpoch-1 {
			t.Errorf("%s: state file counts %d changes, want %d", s.what, rec.Changes, s.wantEpoch-1)
		}
		if s.wantReasonPart != "" {
			logMu.Lock()
			l := log.String()
			logMu.Unlock()
			if !strings.Contains(l, s.wantReasonPart) {
				t.Errorf("%s: daemon log does not give the reason %q", s.what, s.wantReasonPart)
			}
		}
	}
}
