package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/vmgenid/vmgenid/internal/safefs"
)

// forksRecord is what a restarted daemon needs beyond the state file when
// it cannot compare IDs: the kernel's fork count that the published epoch
// accounts for. The state file's Changes cannot serve: it also counts
// changes the kernel did not log (a VMClock counter move, a restart
// advance), so a fork count that catches up with it later would look
// like "nothing happened". The daemon keeps it in a small file of its own
// next to the state file (ForksPath), written after each publish and after
// each check that saw the count move without advancing (by forksSaver,
// off the check path); only the daemon holding the state file's lock
// writes it.
type forksRecord struct {
	// Epoch is the published epoch this count belongs to; a record whose
	// epoch is not the state file's (a crash between the two writes) is
	// ignored.
	Epoch uint64 `json:"epoch"`
	Forks uint64 `json:"kernel_forks"`
	Lost  uint64 `json:"kernel_lost"`
}

// maxForksFile bounds what is read of the forks file.
const maxForksFile = 4096

// ForksPath is where a daemon publishing statePath keeps the kernel fork
// count its epoch accounts for (see the package doc, "Restart
// continuity").
func ForksPath(statePath string) string { return statePath + ".forks" }

// readForks reads the forks file; ok is false when there is none or it
// cannot be trusted. It is opened as every file in the state directory
// is (safefs.ReadFile): no link followed, no FIFO waited on, bounded.
func readForks(path string) (forksRecord, bool, error) {
	b, err := safefs.ReadFile(path, maxForksFile)
	if errors.Is(err, fs.ErrNotExist) {
		return forksRecord{}, false, nil
	}
	if err != nil {
		return forksRecord{}, false, fmt.Errorf("daemon: reading the fork count of the last run: %w", err)
	}
	var r forksRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return forksRecord{}, false, fmt.Errorf("daemon: %s: %w", path, err)
	}
	return r, true, nil
}

// writeForks replaces the forks file atomically (a temporary file renamed
// into place, which state.Create removes if a crash leaves it), so a crash
// leaves the old record or the new one.
func writeForks(path string, r forksRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := safefs.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("daemon: saving the fork count: %w", err)
	}
	return nil
}

// saveKernelCount hands the kernel count the published epoch accounts for
// to the forks saver. Call it only after the epoch that accounts for the
// last observed count has been published: saving first would let a crash
// hide a change. The record is taken here, in the check that published,
// because d.rec and d.lastCounts belong together only until the next
// check observes.
func (d *Daemon) saveKernelCount() {
	if d.kernel < 0 {
		return
	}
	d.mu.Lock()
	kc := d.kernelCount(d.lastCounts)
	r := forksRecord{Epoch: d.rec.Epoch, Forks: kc.N, Lost: kc.Lost}
	d.mu.Unlock()
	d.saver.save(r)
}

// forksSaver writes the forks file. Until Run starts it (start-up, and
// checks run without Run) it writes each record at once; from then on a
// goroutine of its own writes them. Writing is a file synced and renamed
// into place, which takes milliseconds on a busy disk; done in the check
// that published, it held up the next check, so a fork notice arriving
// meanwhile was published that much later. Nothing needs the file before
// a restart, and a record is only ever handed over after its epoch is
// published, so writing it later keeps the rule above: a crash before the
// write leaves the previous record, whose epoch is not the state file's,
// and the restart ignores it (a spurious advance at worst, never a missed
// one), as a crash between the publish and the write did before. Records
// are written in the order handed over (only the latest when several
// wait), and close writes the last one before the daemon gives up the
// state file's lock (only its holder writes the file).
type forksSaver struct {
	path  string
	logf  func(format string, args ...any)
	write func(path string, r forksRecord) error
	bad   bool // the last write failed (logged once per streak)

	mu      sync.Mutex
	pending *forksRecord // handed over, not yet being written
	last    *forksRecord // the last record handed over; a failed write clears it
	running bool         // the goroutine writes
	closed  bool
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

func newForksSaver(path string, logf func(string, ...any), write func(string, forksRecord) error) *forksSaver {
	if write == nil {
		write = writeForks
	}
	return &forksSaver{path: path, logf: logf, write: write,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// start hands the writing to a goroutine of the saver's own.
func (s *forksSaver) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running || s.closed {
		return
	}
	s.running = true
	go s.run()
}

// save writes r, or hands it over to the saver's goroutine once it runs,
// unless r is the record handed over last or the saver is closed (the
// daemon no longer holds the lock).
func (s *forksSaver) save(r forksRecord) {
	s.mu.Lock()
	if s.closed || (s.last != nil && *s.last == r) {
		s.mu.Unlock()
		return
	}
	s.last = &r
	if !s.running {
		s.mu.Unlock()
		s.writeOne(r)
		return
	}
	s.pending = &r
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is queued already; it takes the latest record
	}
}

func (s *forksSaver) run() {
	defer close(s.done)
	for {
		stopping := false
		select {
		case <-s.wake:
		case <-s.stop:
			stopping = true
		}
		s.mu.Lock()
		r := s.pending
		s.pending = nil
		s.mu.Unlock()
		if r != nil {
			s.writeOne(*r)
		}
		if stopping {
			return
		}
	}
}

// writeOne writes r; when that fails, the next save of the same record
// tries again.
func (s *forksSaver) writeOne(r forksRecord) {
	err := s.write(s.path, r)
	switch {
	case err != nil && !s.bad:
		s.logf("%v (a restart will compare the fork count with the state file's change count instead)", err)
		s.bad = true
	case err == nil:
		s.bad = false
	}
	if err != nil {
		s.mu.Lock()
		if s.last != nil && *s.last == r {
			s.last = nil
		}
		s.mu.Unlock()
	}
}

// close writes the record still pending and stops the saver; later
// calls do nothing.
func (s *forksSaver) close() {
	s.mu.Lock()
	first, running := !s.closed, s.running
	s.closed = true
	s.mu.Unlock()
	if !running {
		return
	}
	if first {
		close(s.stop)
	}
	<-s.done
}

// readSaved reads the kernel count saved with the published record, for
// the restart rule; nil when there is none or it cannot be read.
func (d *Daemon) readSaved() *Saved {
	r, ok, err := readForks(ForksPath(d.cfg.StatePath))
	if err != nil {
		d.cfg.Logf("%v", err)
	}
	if !ok {
		return nil
	}
	return &Saved{Epoch: r.Epoch, N: r.Forks}
}
