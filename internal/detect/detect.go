// Package detect holds the things that say "the VM generation ID may have
// changed": a poll timer, the kernel log (/dev/kmsg), ACPI interrupt
// counters (GPE, GED) and the kernel's NEW_VMGENID uevent.
//
// A detector knows nothing of what to do about a change. It only calls its
// notify function; the daemon then checks (reads the ID, compares) and
// decides. Detectors may fire spuriously (QEMU notifies after every
// restore, counters move for unrelated events, a poll fires every tick),
// and several may fire for the same change: the daemon's check, not the
// detector, decides whether anything changed.
//
// Some detectors also count the changes an authority recognised: the
// kernel log counts the VM forks the kernel itself recognised since boot
// (ForkCounter), the VMClock detector the moves of the hypervisor's
// generation counter since it started (ChangeCounter), NetBSD's
// kern.entropy.epoch the kernel's reseeds (ReseedCounter). Those counts are
// the only change evidence on guests where the ID cannot be read
// (Firecracker has no /dev/mem).
package detect

import (
	"context"
	"errors"
	"time"
)

// Detector is one source of "maybe changed" signals.
type Detector interface {
	// Name names the detector for messages: "poll", "kmsg", "gpe05", …
	Name() string
	// Run watches until ctx is done or the detector cannot go on, calling
	// notify for every possible change. notify must not block for long;
	// Run never calls it concurrently with itself. Run returns nil when
	// ctx is done, and an error when it had to stop for another reason.
	Run(ctx context.Context, notify func(Signal)) error
}

// Signal is one "maybe changed" notification.
type Signal struct {
	// Detector is the Name of the detector that fired.
	Detector string
	// Reason says what it saw, for logs and events ("gpe05 count 3 -> 4").
	Reason string
	// KernelTime is when the kernel recorded the event, as time since
	// boot (the kmsg timestamp); zero when the detector has no such time.
	KernelTime time.Duration
}

// ForkCount is a count of the VM forks the kernel recognised since boot.
type ForkCount struct {
	// Forks is the number of fork notices seen since boot.
	Forks uint64
	// Lost counts the times records were lost before they could be read
	// (the kernel log ring buffer wrapped or overflowed): each loss may
	// have hidden a fork. Zero means Forks is exact.
	Lost uint64
}

// Exact reports whether Forks is the exact number of forks since boot.
func (c ForkCount) Exact() bool { return c.Lost == 0 }

// ForkCounter is implemented by detectors that count the VM forks the
// kernel itself recognised (it compared the old and new IDs). The count
// rises exactly when the ID changed, so the daemon uses it to decide when
// it cannot read the ID.
type ForkCounter interface {
	Detector
	// ForkCount returns the count so far. It is safe to call concurrently
	// with Run.
	ForkCount() ForkCount
}

// ChangeCounter is implemented by detectors that count the changes
// something authoritative recognised, such as the moves of a VMClock
// page's VM generation counter, which the hypervisor changes at every
// snapshot restore. Unlike a ForkCounter's, the count starts at zero when
// the detector starts (it says nothing about changes before), so it helps
// the daemon decide while it runs but not across its restarts.
type ChangeCounter interface {
	Detector
	// ChangeCount returns how many changes the detector has seen so far.
	// It only grows, and is safe to call concurrently with Run.
	ChangeCount() uint64
}

// ReseedCounter is implemented by fork counters whose count is the number
// of times the kernel reseeded its random number generator, such as
// NetBSD's kern.entropy.epoch: the kernel advances it on every VM
// generation change, and also on ordinary entropy consolidations. Every
// growth is a change by itself: the daemon advances for it even when the
// ID reads the same, and never takes it for a change already advanced for,
// so that a program that reseeds at the advance draws from the kernel's
// reseeded generator (the ID can change before the kernel reseeds).
type ReseedCounter interface {
	ForkCounter
	// KernelReseeds marks the counter; it does nothing.
	KernelReseeds()
}

// ErrUnsupported is returned by constructors of detectors that do not exist
// on this operating system.
var ErrUnsupported = errors.New("detector not supported on this operating system")
