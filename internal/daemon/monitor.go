package daemon

import (
	"time"

	"github.com/vmgenid/vmgenid/internal/state"
)

// Monitor is told what the daemon does, for monitoring (internal/metrics).
// The daemon calls it from its own goroutines, so a Monitor must be safe
// for concurrent use and return quickly. Published receives the whole
// record, but a Monitor must not expose rec.ID.
type Monitor interface {
	// DetectorRunning says a detector started (true) or stopped (false).
	DetectorRunning(name string, running bool)
	// Signal says a detector signalled "maybe changed".
	Signal(detector string)
	// Checked says a check (one per burst of signals) took d.
	Checked(d time.Duration)
	// Published says the daemon published rec: at start and at every
	// advance.
	Published(rec state.Record)
}

// nopMonitor is the Monitor of a Config without one.
type nopMonitor struct{}

func (nopMonitor) DetectorRunning(string, bool) {}
func (nopMonitor) Signal(string)                {}
func (nopMonitor) Checked(time.Duration)        {}
func (nopMonitor) Published(state.Record)       {}

// monitor returns the configured Monitor, or one that does nothing.
func (d *Daemon) monitor() Monitor {
	if d.cfg.Monitor == nil {
		return nopMonitor{}
	}
	return d.cfg.Monitor
}

// monitorCheck reports the duration of a check that started at start;
// check defers it.
func (d *Daemon) monitorCheck(start time.Time) {
	d.monitor().Checked(time.Since(start))
}
