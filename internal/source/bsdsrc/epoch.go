package bsdsrc

import (
	"fmt"

	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// EpochWatcher turns NetBSD's kern.entropy.epoch into change notifications.
//
// On NetBSD the kernel does the work the daemon does on Linux: when
// the host signals a new VM generation ID, acpivmgenid(4) mixes the ID into
// the entropy pool (with zero entropy credit), reseeds, and advances
// kern.entropy.epoch. The daemon therefore takes the kernel's epoch as its
// source of changes: every advance of kern.entropy.epoch advances the
// published epoch, whether or not the ID changed.
//
// What that means for readers: NetBSD's epoch also advances on ordinary
// entropy consolidation, not only on VM clones — when the pool first
// reaches full entropy at boot, at most once a minute afterwards while new
// entropy keeps arriving (discretionary consolidation), and whenever an
// operator runs sysctl -w kern.entropy.consolidate=1. Readers of the state
// file on NetBSD thus see some advances that are not clones. They are
// harmless: a reader that reseeds from the system RNG on every advance just
// reseeds a little more often than strictly needed, and never misses a
// clone. Readers must not treat an advance as proof of a clone; the ID
// (State.ID) says whether the VM generation itself changed.
type EpochWatcher struct {
	r      sysctl.Reader
	last   KernelEpoch
	primed bool
}

// NewEpochWatcher returns a watcher reading through r. Its first Poll only
// records the current epoch.
func NewEpochWatcher(r sysctl.Reader) *EpochWatcher { return &EpochWatcher{r: r} }

// EpochChange is one observed movement of the kernel epoch.
type EpochChange struct {
	From, To KernelEpoch
}

// Reason describes the change for logs and event records.
func (c EpochChange) Reason() string {
	if !c.From.Ready {
		return fmt.Sprintf("%s became ready (%d)", NetBSDEpochNode, c.To.Value)
	}
	return fmt.Sprintf("%s advanced %d -> %d", NetBSDEpochNode, c.From.Value, c.To.Value)
}

// Poll reads the kernel epoch and reports whether it differs from the last
// successful Poll. Any difference counts, including a wrap to 1: the kernel
// never moves its epoch back, so a smaller value means it went round. The
// first successful Poll records the value and reports no change.
func (w *EpochWatcher) Poll() (EpochChange, bool, error) {
	e, err := ReadKernelEpoch(w.r)
	if err != nil {
		return EpochChange{}, false, err
	}
	if !w.primed {
		w.last, w.primed = e, true
		return EpochChange{}, false, nil
	}
	if e == w.last {
		return EpochChange{}, false, nil
	}
	c := EpochChange{From: w.last, To: e}
	w.last = e
	return c, true, nil
}

// Last returns the epoch the last successful Poll saw, and false before any.
func (w *EpochWatcher) Last() (KernelEpoch, bool) { return w.last, w.primed }

// Advances returns how many consolidations a change spans. The kernel's
// epoch runs 1, 2, …, then wraps from the value below all ones back to 1.
func (c EpochChange) Advances() uint64 {
	switch {
	case !c.To.Ready:
		return 0 // cannot happen on a real kernel: it never unreadies
	case !c.From.Ready:
		return c.To.Value
	case c.To.Value > c.From.Value:
		return c.To.Value - c.From.Value
	}
	// Wrapped: from From up to the top (all ones minus one), then 1..To.
	top := uint64(1)<<32 - 2
	if c.From.Value > top {
		top = ^uint64(0) - 1
	}
	return top - c.From.Value + c.To.Value
}
