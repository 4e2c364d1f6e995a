package vmclock

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/vmgenid/vmgenid/internal/detect"
)

// DefaultInterval is how often a Detector reads the page when nothing
// notifies it: a read of the mapping costs nanoseconds, of a file one pread.
const DefaultInterval = 100 * time.Millisecond

// maxReadFailures is how many reads in a row may fail before Run gives up:
// a page-image file being rewritten can be briefly short, a device cannot.
const maxReadFailures = 10

// Detector watches a VMClock page and reports changes of its VM generation
// counter (or, on hypervisors without the counter, of its disruption
// marker) as "maybe changed" signals. It decides nothing: the daemon it
// reports to checks the ID and advances the epoch once per check that
// finds a change.
type Detector struct {
	// Path is the VMClock device or page-image file; empty means the first
	// device FindDevices lists.
	Path string
	// Interval is how often the page is read when the device does not
	// notify (or is a file); zero means DefaultInterval.
	Interval time.Duration
	// Logf, if set, receives one line about how the detector watches
	// (event-driven or polling) when it starts.
	Logf func(format string, args ...any)

	// openClock, if set, replaces open: tests hand in clocks with fake
	// notifiers.
	openClock func() (*Clock, error)

	// changes counts the changes Run has reported; reads the reads of the
	// page it has compared.
	changes, reads atomic.Uint64
}

// Count returns how many changes Run has reported so far (one per notify
// call), a detect.Changes count. The daemon uses it as a count of VM
// restores the hypervisor recognised, next to the kernel's fork notices,
// when it cannot read the VM generation ID. Safe to call while Run runs.
func (d *Detector) Count() detect.Count {
	return detect.Count{Kind: detect.Changes, N: d.changes.Load()}
}

// Reads implements detect.Reader: the reads of the page Run has compared
// (the first, the baseline, included).
func (d *Detector) Reads() uint64 { return d.reads.Load() }

// Name names the detector in the daemon's messages.
func (d *Detector) Name() string { return "vmclock" }

// open opens the detector's clock, finding the device when Path is empty.
func (d *Detector) open() (*Clock, error) {
	if d.openClock != nil {
		return d.openClock()
	}
	path := d.Path
	if path == "" {
		devs, err := FindDevices()
		if err != nil {
			return nil, err
		}
		if len(devs) == 0 {
			return nil, fmt.Errorf("vmclock: no device matches %s (the kernel needs CONFIG_PTP_1588_CLOCK_VMCLOCK and a hypervisor that offers VMClock)", DevicePattern)
		}
		path = devs[0]
	}
	return Open(path)
}

// Run watches the page until ctx is done (then it returns nil) or the page
// cannot be read any more. It calls notify once per observed change, from
// Run's goroutine, with a reason such as "vmclock generation counter 3 →
// 4". The page's state when Run starts is the baseline: Run
// itself does not report changes made before it started.
func (d *Detector) Run(ctx context.Context, notify func(detect.Signal)) error {
	c, err := d.open()
	if err != nil {
		return err
	}
	defer c.Close()
	prev, err := c.Read()
	if err != nil {
		return err
	}
	d.reads.Add(1)
	if !prev.HasGenerationCounter() && d.Logf != nil {
		d.Logf("%s: no VM generation counter (flag VM_GEN_COUNTER_PRESENT unset); watching the disruption marker", c.Path())
	}
	interval := d.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	eventDriven := c.EventDriven()
	if d.Logf != nil {
		if eventDriven {
			d.Logf("%s: waiting for device notifications (poll)", c.Path())
		} else {
			d.Logf("%s: reading the page every %v", c.Path(), interval)
		}
	}
	failures := 0
	for {
		timeout := interval
		if c.EventDriven() {
			// No deadline, so that at rest the daemon does not wake up at
			// all; the device's notifications wake it.
			timeout = 0
		}
		if _, err := c.Wait(ctx, timeout); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if eventDriven && !c.EventDriven() {
			eventDriven = false
			if d.Logf != nil {
				d.Logf("%s: device does not notify after all; reading the page every %v", c.Path(), interval)
			}
		}
		cur, err := c.Read()
		if err != nil {
			if failures++; failures >= maxReadFailures {
				return fmt.Errorf("%d reads in a row failed, last: %w", failures, err)
			}
			continue
		}
		failures = 0
		if reason, changed := Compare(prev, cur); changed {
			// Counted before notify, so that the check notify triggers
			// sees the new count.
			d.changes.Add(1)
			notify(detect.Signal{Detector: d.Name(), Reason: reason})
		}
		prev = cur
		d.reads.Add(1)
	}
}

// Compare says whether the VM may have been restored or cloned between two
// snapshots of the page, and why. With the generation counter present on
// both, only a counter change counts: the disruption marker also changes on
// live migration, which does not duplicate the VM. Without the counter,
// the disruption marker is all there is, and any change of it counts. The
// counter appearing or vanishing counts too (the VM moved to another host).
func Compare(prev, cur Page) (reason string, changed bool) {
	switch pg, cg := prev.HasGenerationCounter(), cur.HasGenerationCounter(); {
	case pg && cg:
		if prev.VMGenerationCounter != cur.VMGenerationCounter {
			return fmt.Sprintf("vmclock generation counter %d → %d", prev.VMGenerationCounter, cur.VMGenerationCounter), true
		}
		return "", false
	case !pg && cg:
		return fmt.Sprintf("vmclock generation counter appeared (%d)", cur.VMGenerationCounter), true
	case pg && !cg:
		return fmt.Sprintf("vmclock generation counter vanished (was %d)", prev.VMGenerationCounter), true
	}
	if prev.DisruptionMarker != cur.DisruptionMarker {
		return fmt.Sprintf("vmclock disruption marker %#x → %#x (no generation counter)", prev.DisruptionMarker, cur.DisruptionMarker), true
	}
	return "", false
}
