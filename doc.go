// Package vmgenid tells Go programs when the virtual machine they run in
// was cloned or restored from a snapshot, so that they can reseed random
// generators and renew anything else that must be unique per machine.
//
// The hypervisor marks every clone and restore by changing the VM
// Generation ID, a 128-bit value in guest memory. The vmgenid daemon
// watches it, mixes each new ID into the kernel's entropy pool, advances an
// "entropy epoch" (as NetBSD's kern.entropy.epoch) and publishes both in a
// one-page state file, DefaultStatePath, and on an event socket,
// DefaultSocketPath. This package reads them:
//
//   - Epoch is the cheap check: after the first call it is one atomic
//     memory load of the mapped state file, with no system call, so it can
//     run before every use of a random generator. When it differs from the
//     value seen at the last reseed, reseed.
//   - Current returns a consistent copy of the whole record (epoch, ID,
//     change count, time of the last change).
//   - Watch delivers a State for each change, from the event socket when
//     the daemon serves one, otherwise by polling the epoch; before the
//     first publish it waits for it.
//   - StateFile is all three for one state file and its socket: the
//     functions above use the one at DefaultStatePath, and Open and
//     NewStateFile give one at another path (a daemon run with --state).
//
// The package reads only what the daemon publishes (and, on NetBSD
// without a daemon, the kernel's kern.entropy.epoch): it neither runs nor
// imports the daemon, so a program that imports it links no detector and
// no ACPI code. Its callers are Go programs, clonesafe (which reseeds on
// its Epoch) and the vmgenid watch command.
//
// Epoch rules: 0 means that no valid state is published (no daemon has
// run since boot, or the program cannot read the file). A published epoch
// is never 0 nor all ones, starts at 1, only grows, and wraps to 1. It
// survives daemon restarts, and a change that happens while the daemon is
// down is counted when it starts again. Compare epochs for equality, not
// order, so that the wrap (after 2^64-2 changes) does no harm.
//
// The file format is a documented ABI (docs/state-file.md), so that
// programs in C, Rust or Python can make the same one-load check.
package vmgenid
