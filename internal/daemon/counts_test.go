package daemon

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/internal/detect"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/vmclock"
)

// fakeCount is a change counter the test moves by hand; it never signals
// (the test calls Check).
type fakeCount struct {
	name string
	kind detect.CountKind // zero: detect.Changes
	n    atomic.Uint64
	lost atomic.Uint64
}

func (c *fakeCount) Name() string { return c.name }
func (c *fakeCount) Run(ctx context.Context, _ func(detect.Signal)) error {
	<-ctx.Done()
	return nil
}

func (c *fakeCount) Count() detect.Count {
	k := c.kind
	if k == 0 {
		k = detect.Changes
	}
	return detect.Count{Kind: k, N: c.n.Load(), Lost: c.lost.Load()}
}

// idleDetector never signals and counts nothing.
type idleDetector struct{}

func (idleDetector) Name() string { return "idle" }
func (idleDetector) Run(ctx context.Context, _ func(detect.Signal)) error {
	<-ctx.Done()
	return nil
}

// fakeClock is a Config.Now the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// The counts decide without the ID, one change one advance: steps run in
// order on one daemon, each moving counts and the clock, then one check.
func TestCountsDecideOncePerChange(t *testing.T) {
	kmsg := &fakeCount{name: "kmsg", kind: detect.KernelForks}
	clock := &fakeCount{name: "vmclock"}
	steps := []struct {
		what          string
		kmsg, vmclock uint64 // the counts after the step
		kmsgLost      uint64
		after         time.Duration // clock moves this much before the check
		wantEpoch     uint64
		wantCoalesced uint64
	}{
		{"nothing grew", 0, 0, 0, 0, 1, 0},
		// A guest whose kernel logs no fork (VMClock but no vmgenid
		// device): the VMClock counter alone must advance.
		{"VMClock counter alone", 0, 1, 0, 0, 2, 0},
		{"VMClock counter again, 10 ms later: a second restore", 0, 2, 0, 10 * time.Millisecond, 3, 0},
		{"fork line for the same restore, 300 ms later", 1, 2, 0, 300 * time.Millisecond, 3, 1},
		{"next restore seen by both in one check", 2, 3, 0, 5 * time.Second, 4, 1},
		{"next restore: fork line first", 3, 3, 0, 5 * time.Second, 5, 1},
		{"its VMClock counter 100 ms later", 3, 4, 0, 100 * time.Millisecond, 5, 2},
		{"a spurious check", 3, 4, 0, 10 * time.Millisecond, 5, 2},
		{"next restore: VMClock first", 3, 5, 0, 5 * time.Second, 6, 2},
		{"its fork line after the window: counted again (the safe side)", 4, 5, 0, 2 * time.Second, 7, 2},
		{"kernel log records lost", 4, 5, 1, 5 * time.Second, 8, 2},
	}
	f := newFixture(t, testID(1))
	now := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	log := &logBuf{}
	cfg := f.config(0, &recordingMixer{}, log)
	cfg.Sources = []source.Source{source.NewACPI(tablesDir, filepath.Join(t.TempDir(), "no-such-mem"))}
	cfg.Detectors = []detect.Detector{kmsg, clock}
	cfg.Now = now.Now
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !strings.Contains(log.String(), "running on the change counts of kmsg, vmclock alone") {
		t.Errorf("log does not say what decides:\n%s", log)
	}
	for _, s := range steps {
		kmsg.n.Store(s.kmsg)
		kmsg.lost.Store(s.kmsgLost)
		clock.n.Store(s.vmclock)
		now.add(s.after)
		if err := d.Check(s.what); err != nil {
			t.Fatal(err)
		}
		st := d.Status()
		if st.Record.Epoch != s.wantEpoch || st.Coalesced != s.wantCoalesced {
			t.Errorf("%s: epoch %d, %d coalesced; want %d, %d", s.what, st.Record.Epoch, st.Coalesced, s.wantEpoch, s.wantCoalesced)
		}
		if st.Record.Changes != st.Record.Epoch-1 || st.Record.IDKnown() {
			t.Errorf("%s: record %+v, want changes = epoch-1, ID unknown", s.what, st.Record)
		}
		want := []Count{{"kmsg", detect.Count{Kind: detect.KernelForks, N: s.kmsg, Lost: s.kmsgLost}}, {"vmclock", detect.Count{Kind: detect.Changes, N: s.vmclock}}}
		if len(st.Counts) != 2 || st.Counts[0] != want[0] || st.Counts[1] != want[1] {
			t.Errorf("%s: Status.Counts %+v, want %+v", s.what, st.Counts, want)
		}
	}
}

// A negative CoalesceWindow turns coalescing off: every check in which a
// count grew advances.
func TestCoalesceWindowOff(t *testing.T) {
	kmsg := &fakeCount{name: "kmsg", kind: detect.KernelForks}
	clock := &fakeCount{name: "vmclock"}
	f := newFixture(t, testID(1))
	cfg := f.config(0, &recordingMixer{}, &logBuf{})
	cfg.Sources = nil
	cfg.Detectors = []detect.Detector{kmsg, clock}
	cfg.CoalesceWindow = -1
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	kmsg.n.Store(1)
	d.Check("fork line")
	clock.n.Store(1)
	d.Check("VMClock counter")
	if st := d.Status(); st.Record.Epoch != 3 || st.Coalesced != 0 {
		t.Errorf("epoch %d, %d coalesced; want 3, 0", st.Record.Epoch, st.Coalesced)
	}
}

// vmclockPage is a page-image file standing in for /dev/vmclock0, updated
// the way the hypervisor updates the page.
type vmclockPage struct {
	t    *testing.T
	path string
	seq  uint32
}

func newVMClockPage(t *testing.T, counter uint64) *vmclockPage {
	t.Helper()
	b := make([]byte, 4096)
	err := vmclock.Encode(b, vmclock.Page{
		Size: 4096, Version: vmclock.Version, CounterID: vmclock.CounterInvalid, SeqCount: 2,
		Flags: vmclock.FlagVMGenCounterPresent, VMGenerationCounter: counter,
	})
	if err != nil {
		t.Fatal(err)
	}
	p := &vmclockPage{t: t, path: filepath.Join(t.TempDir(), "vmclock0"), seq: 2}
	if err := os.WriteFile(p.path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *vmclockPage) setCounter(counter uint64) {
	f, err := os.OpenFile(p.path, os.O_WRONLY, 0)
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	put := func(off int, b []byte) {
		if _, err := f.WriteAt(b, int64(off)); err != nil {
			p.t.Fatal(err)
		}
	}
	put(vmclock.OffSeqCount, binary.LittleEndian.AppendUint32(nil, p.seq+1))
	put(vmclock.OffVMGenerationCounter, binary.LittleEndian.AppendUint64(nil, counter))
	p.seq += 2
	put(vmclock.OffSeqCount, binary.LittleEndian.AppendUint32(nil, p.seq))
}

// The real detectors: without a readable ID, with the kernel log (no fork
// line in it) and a VMClock page. A counter change without a fork line
// advances once; a restore that shows as both a fork line and a counter
// change advances once, whichever comes first; a restart with nothing
// new continues. The clock moves 5 s between restores, past the
// coalescing window (two restores within it, the first seen only by one
// detector and the second only by the other, would advance once: the
// documented limit).
func TestVMClockAndKmsgWithoutID(t *testing.T) {
	f := newFixture(t, testID(1))
	page := newVMClockPage(t, 3)
	log := &logBuf{}
	now := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	backlog := []string{kmsgLine(0, "Linux version")}
	startDaemon := func() (*running, *os.File, *vmclock.Detector) {
		k, w := pipeKmsg(t, backlog...)
		watching := make(chan struct{})
		var once sync.Once
		vc := &vmclock.Detector{Path: page.path, Interval: 2 * time.Millisecond,
			Logf: func(string, ...any) { once.Do(func() { close(watching) }) }}
		cfg := f.config(0, &recordingMixer{}, log)
		cfg.Sources = []source.Source{source.NewACPI(tablesDir, filepath.Join(t.TempDir(), "no-such-mem"))}
		cfg.Detectors = []detect.Detector{k, vc}
		cfg.Now = now.Now
		r := start(t, cfg)
		select {
		case <-watching:
		case <-time.After(10 * time.Second):
			t.Fatal("the VMClock detector did not start")
		}
		return r, w, vc
	}
	r, w, vc := startDaemon()
	m := mapState(t, f.statePath)
	// settled waits until the detectors have reported what the test did
	// and the daemon has checked it, then checks once more: a second
	// advance for one change would show.
	settled := func(forks, vmclockChanges uint64, wantEpoch uint64, what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			st := r.d.Status()
			if len(st.Counts) == 2 && st.Counts[0].Count.N == forks && st.Counts[1].Count.N == vmclockChanges {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: counts %+v, want kmsg %d, vmclock %d", what, st.Counts, forks, vmclockChanges)
			}
			time.Sleep(time.Millisecond)
		}
		r.settle(t)
		r.d.Check("test")
		if rec, _ := m.Read(); rec.Epoch != wantEpoch || rec.Changes != wantEpoch-1 {
			t.Errorf("%s: %+v, want epoch %d, %d changes", what, rec, wantEpoch, wantEpoch-1)
		}
	}
	nextRestore := func() { now.add(5 * time.Second) }
	fork := func(seq int) {
		line := kmsgLine(seq, forkLine)
		backlog = append(backlog, line)
		w.WriteString(line + "\n")
	}

	// A restore the kernel does not log (no vmgenid driver, say).
	page.setCounter(4)
	waitEpoch(t, m, 2)
	settled(0, 1, 2, "counter 3 → 4 without a fork line")
	if !strings.Contains(log.String(), "vmclock generation counter 3 → 4") {
		t.Errorf("log does not give the VMClock reason:\n%s", log)
	}

	// A restore both see, the kernel log first.
	nextRestore()
	fork(1)
	waitEpoch(t, m, 3)
	page.setCounter(5)
	settled(1, 2, 3, "fork line, then counter 4 → 5")

	// A restore both see, the page first.
	nextRestore()
	page.setCounter(6)
	waitEpoch(t, m, 4)
	fork(2)
	settled(2, 3, 4, "counter 5 → 6, then fork line")
	if st := r.d.Status(); st.Coalesced != 2 {
		t.Errorf("%d growths coalesced, want 2", st.Coalesced)
	}
	if n := vc.Count().N; n != 3 {
		t.Errorf("VMClock detector counted %d changes, want 3", n)
	}
	r.stop(t)

	// The state file counts 3 changes, the kernel logged 2 forks: the
	// fork count saved with epoch 4 says nothing is new.
	r, w, _ = startDaemon()
	if rec, _ := m.Read(); rec.Epoch != 4 || rec.Changes != 3 {
		t.Errorf("restart with nothing new: %+v, want epoch 4, 3 changes", rec)
	}
	nextRestore()
	fork(3)
	waitEpoch(t, m, 5)
	page.setCounter(7)
	settled(3, 1, 5, "after the restart: fork line, then counter 6 → 7")
	r.stop(t)

	// One fork while down brings the kernel's count (4) level with the
	// state file's change count (4): only the saved fork count (3) shows
	// that it is new.
	backlog = append(backlog, kmsgLine(4, forkLine))
	r, _, _ = startDaemon()
	if rec, _ := m.Read(); rec.Epoch != 6 || rec.Changes != 5 {
		t.Errorf("restart after a fork while down: %+v, want epoch 6 (one advance), 5 changes", rec)
	}
	if !strings.Contains(log.String(), "the kernel logged 4 VM forks since boot, 3 when epoch 5 was published") {
		t.Errorf("log does not say why it advanced:\n%s", log)
	}
	r.stop(t)
	r, _, _ = startDaemon()
	if rec, _ := m.Read(); rec.Epoch != 6 || rec.Changes != 5 {
		t.Errorf("restart with nothing new: %+v, want epoch 6, 5 changes", rec)
	}
	r.stop(t)

	// Without the saved count (a daemon that could not write it), the
	// change count is the guess: 5 changes, 4 forks, so it advances.
	if err := os.Remove(ForksPath(f.statePath)); err != nil {
		t.Fatal(err)
	}
	startDaemon()
	if rec, _ := m.Read(); rec.Epoch != 7 {
		t.Errorf("restart without the saved fork count: %+v, want epoch 7", rec)
	}
}

// The saved fork count is read back as written, and a damaged file is
// ignored with a message, never trusted. (Which saved count counts for
// which record is the Decider's restart rule: decide_test.go.)
func TestForksFile(t *testing.T) {
	dir := t.TempDir()
	statePath := filepath.Join(dir, "state")
	log := &logBuf{}
	d := &Daemon{cfg: Config{StatePath: statePath, Logf: log.logf}}
	if s := d.readSaved(); s != nil {
		t.Errorf("no file, yet a saved count %+v", *s)
	}
	if err := writeForks(ForksPath(statePath), forksRecord{Epoch: 3, Forks: 2}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(ForksPath(statePath)); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("forks file: %v, %v; want mode 0644", fi, err)
	}
	if s := d.readSaved(); s == nil || *s != (Saved{Epoch: 3, N: 2}) {
		t.Errorf("readSaved = %v, want epoch 3, 2 forks", s)
	}
	for _, bad := range []string{"", "{", `{"epoch":"x"}`, strings.Repeat(" ", maxForksFile+1)} {
		os.WriteFile(ForksPath(statePath), []byte(bad), 0o644)
		if s := d.readSaved(); s != nil {
			t.Errorf("forks file %.20q trusted: %+v", bad, *s)
		}
	}
	if !strings.Contains(log.String(), ForksPath(statePath)) {
		t.Errorf("a damaged file is not reported by name:\n%s", log)
	}
}

// Writing the fork count (a synced file) never holds up the next change:
// with the write of the first fork's count stuck, a second fork notice is
// still published, and the daemon's stop writes the last count before it
// lets go of the state file.
func TestForksSaveDoesNotHoldUpChecks(t *testing.T) {
	f := newFixture(t, testID(1))
	k, w := pipeKmsg(t, kmsgLine(0, "Linux version"))
	writing := make(chan forksRecord, 16)
	release := make(chan struct{})
	var releaseOnce sync.Once
	cfg := f.config(0, &recordingMixer{}, &logBuf{})
	cfg.Sources = []source.Source{source.NewACPI(tablesDir, filepath.Join(t.TempDir(), "no-such-mem"))}
	cfg.Detectors = []detect.Detector{k}
	cfg.writeForks = func(path string, r forksRecord) error {
		if r.Forks > 0 {
			writing <- r
			<-release
		}
		return writeForks(path, r)
	}
	r := start(t, cfg)
	// Registered after start's, so run before it: a failing test stops
	// the daemon only once the write is let go.
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
	m := mapState(t, f.statePath)

	w.WriteString(kmsgLine(1, forkLine) + "\n")
	waitEpoch(t, m, 2)
	select {
	case got := <-writing:
		if want := (forksRecord{Epoch: 2, Forks: 1}); got != want {
			t.Errorf("first record written: %+v, want %+v", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the fork count of epoch 2 is not written")
	}
	// That write is stuck; the next fork is published all the same.
	w.WriteString(kmsgLine(2, forkLine) + "\n")
	waitEpoch(t, m, 3)
	releaseOnce.Do(func() { close(release) })
	r.stop(t)
	got, ok, err := readForks(ForksPath(f.statePath))
	if want := (forksRecord{Epoch: 3, Forks: 2}); !ok || err != nil || got != want {
		t.Errorf("forks file after stop: %+v, %v, %v; want %+v", got, ok, err, want)
	}
}

// The forks file is the daemon's own, but a damaged one must never crash
// a restart: any content is a record or an error.
func FuzzReadForks(f *testing.F) {
	f.Add([]byte(`{"epoch":1,"kernel_forks":1,"kernel_lost":0}` + "\n"))
	f.Add([]byte(`{"epoch":18446744073709551615}`))
	f.Add([]byte(`[]`))
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "state.forks")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, ok, err := readForks(path)
		if ok == (err != nil) {
			t.Fatalf("readForks = %+v, %v, %v: want a record or an error", r, ok, err)
		}
		if err != nil && !strings.Contains(err.Error(), path) {
			t.Errorf("error does not name the file: %v", err)
		}
	})
}
