// Package detect holds the things that say "the VM generation ID may have
// changed": a poll timer, the kernel log (/dev/kmsg), ACPI interrupt
// counters (GPE, GED), the kernel's NEW_VMGENID uevent, NetBSD's
// kern.entropy.epoch and FreeBSD's devd (bsd.go). The daemon chooses
// among them (internal/daemon's select.go); the sources
// (internal/source) only read IDs and know nothing of detectors.
//
// A detector knows nothing of what to do about a change. It only calls its
// notify function; the daemon then checks (reads the ID, compares) and
// decides. Detectors may fire spuriously (QEMU notifies after every
// restore, counters move for unrelated events, a poll fires every tick),
// and several may fire for the same change: the daemon's check, not the
// detector, decides whether anything changed.
//
// Some detectors also count the changes an authority recognised (Counter):
// the kernel log counts the VM forks the kernel itself recognised since
// boot (KernelForks), the VMClock detector the moves of the hypervisor's
// generation counter since it started (Changes), NetBSD's
// kern.entropy.epoch the kernel's reseeds (KernelReseeds). Those counts are
// the only change evidence on guests where the ID cannot be read
// (Firecracker has no /dev/mem).
//
// The BSD detectors (BSD: NetBSD's kern.entropy.epoch, FreeBSD's devd)
// are here too; the kernel data they read is parsed by
// internal/source/bsdsrc, which imports no detector. The VMClock detector
// lives with its device (internal/vmclock) and implements Detector and
// Counter. The daemon chooses which detectors run (internal/daemon's
// select.go) and is their only caller.
package detect

import (
	"context"
	"errors"
	"fmt"
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
	// Tick marks a periodic tick: it carries no evidence of its own, it
	// only makes the daemon look.
	Tick bool
}

// CountKind says what a Counter's count counts. The daemon's rules (its
// package doc) differ by kind, so the kind is part of the count.
type CountKind uint8

const (
	// KernelForks counts the VM forks the kernel itself recognised since
	// boot (it compared the old and new IDs): the kernel log's fork
	// notices. The count rises exactly when the ID changed, and reaches
	// back to boot, so it also tells a restarted daemon what happened
	// while it was down.
	KernelForks CountKind = iota + 1
	// Changes counts the changes something authoritative recognised since
	// the detector started, such as the moves of a VMClock page's VM
	// generation counter (the hypervisor moves it at every snapshot
	// restore). It says nothing about changes before the start.
	Changes
	// KernelReseeds counts the times the kernel reseeded its random number
	// generator since boot, such as NetBSD's kern.entropy.epoch: the
	// kernel advances it on every VM generation change and also on
	// ordinary entropy consolidations. Every growth is a change by itself:
	// the daemon advances for it even when the ID reads the same, so that
	// a program that reseeds at the advance draws from the kernel's
	// reseeded generator.
	KernelReseeds
)

// SinceBoot reports whether the count reaches back to boot (and so
// survives a restart of the daemon).
func (k CountKind) SinceBoot() bool { return k == KernelForks || k == KernelReseeds }

// String names the kind for messages.
func (k CountKind) String() string {
	switch k {
	case KernelForks:
		return "kernel VM forks since boot"
	case Changes:
		return "changes since start"
	case KernelReseeds:
		return "kernel reseeds since boot"
	}
	return fmt.Sprintf("CountKind(%d)", uint8(k))
}

// Count is a Counter's count.
type Count struct {
	// Kind says what N counts.
	Kind CountKind
	// N is the count.
	N uint64
	// Lost counts the times records were lost before they could be read
	// (the kernel log ring buffer wrapped or overflowed): each loss may
	// have hidden a change. Zero means N is exact.
	Lost uint64
}

// Exact reports whether N is the exact count.
func (c Count) Exact() bool { return c.Lost == 0 }

// Counter is implemented by detectors that count the changes an
// authority recognised (the kernel, the hypervisor). Those counts decide
// when the ID cannot be read (see the daemon's package doc).
type Counter interface {
	Detector
	// Count returns the count so far. It only grows, and is safe to call
	// concurrently with Run.
	Count() Count
}

// Reader is implemented by detectors that read their source on their own
// schedule and signal only when it changed (the VMClock page), so that an
// unchanged source leaves no trace a test could wait for.
type Reader interface {
	Detector
	// Reads returns how many reads of the source Run has compared, each
	// counted after its signal, if any, was sent. Once it has grown by two
	// since a change to the source, a read made after the change has been
	// compared. Safe to call concurrently with Run.
	Reads() uint64
}

// ErrUnsupported is returned by constructors of detectors that do not exist
// on this operating system. It wraps errors.ErrUnsupported, the one error
// every package here uses for "not on this operating system".
var ErrUnsupported = fmt.Errorf("detector not supported on this operating system: %w", errors.ErrUnsupported)
