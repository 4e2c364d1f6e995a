package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/vmgenid/vmgenid/internal/safefs"
)

// forksRecord is what a restarted daemon needs beyond the state file when
// it cannot compare IDs: the kernel's fork count that the published epoch
// accounts for. The state file's Changes cannot serve: it also counts
// changes the kernel did not log (a VMClock counter move, a restart
// advance), so a fork count that catches up with it later would look
// like "nothing happened". The daemon keeps it in a small file of its own
// next to the state file (ForksPath), written after each publish and after
// each check that saw the count move without advancing; only the daemon
// holding the state file's lock writes it.
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

// saveKernelCount records the kernel count the published epoch accounts
// for, when it differs from what was saved last. Call it only after the
// epoch that accounts for the last observed count has been published:
// saving first would let a crash hide a change.
func (d *Daemon) saveKernelCount() {
	if d.kernel < 0 {
		return
	}
	d.mu.Lock()
	kc := d.kernelCount(d.lastCounts)
	r := forksRecord{Epoch: d.rec.Epoch, Forks: kc.N, Lost: kc.Lost}
	d.mu.Unlock()
	if d.savedForks != nil && *d.savedForks == r {
		return
	}
	if err := writeForks(ForksPath(d.cfg.StatePath), r); err != nil {
		if !d.forksSaveBad {
			d.cfg.Logf("%v (a restart will compare the fork count with the state file's change count instead)", err)
			d.forksSaveBad = true
		}
		return
	}
	d.forksSaveBad = false
	d.savedForks = &r
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
