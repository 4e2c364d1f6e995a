// Package host is the hypervisor's side of the VM generation ID, as the
// "vmgenid-host" commands see it: one running virtual machine whose
// generation ID the engine reports, and which it can save to a file. Each
// engine is a package of its own that implements VM (host/qemu over QMP,
// host/libvirt over libvirt's RPC socket), so a third engine is one more
// package; cloning a saved VM takes engine-specific options and stays in each
// engine's package.
//
// Its callers are cmd/vmgenid-host and the test scenario
// (internal/clonestory). Nothing on the guest side imports it or its
// engines, so the vmgenid binary that runs in guests links no QMP or libvirt
// client.
package host

import (
	"context"

	"github.com/vmgenid/vmgenid/genid"
)

// VM is one running virtual machine, reached through its engine.
type VM interface {
	// ID returns the VM's generation ID as the engine reports it.
	ID(ctx context.Context) (genid.ID, error)
	// Save writes the VM's whole state to the file at path, calling
	// progress (if not nil) with each reading while it runs. Afterwards
	// the VM no longer runs: QEMU keeps it paused, libvirt stops it.
	Save(ctx context.Context, path string, progress func(SaveProgress)) error
	// Close ends the connection to the engine; it does not stop the VM.
	Close() error
}

// Reverter is a VM whose engine can revert it to a named snapshot, which
// gives it a new generation ID.
type Reverter interface {
	VM
	// Revert reverts the VM to the snapshot and returns its new generation ID.
	Revert(ctx context.Context, snapshot string) (genid.ID, error)
}

// SaveProgress is one reading of a running save.
type SaveProgress struct {
	State string // the engine's word for the save's state ("active", "completed", ...)
	// Transferred and Total are bytes of guest memory written so far and in
	// all; Total is 0 while the engine does not know it.
	Transferred, Total uint64
	Done               bool // the save has ended (completed or failed)
}
