package clonestory

import (
	"context"
	"io"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/host"
	"github.com/vmgenid/vmgenid/internal/guest"
)

// Host is the engine the story runs on: QEMU() or Libvirt(...). The guest,
// the clones' checks and the story are the same for every engine.
type Host interface {
	// Name names the engine in the story ("QEMU", "libvirt").
	Name() string
	// Boot starts the source VM on img, its console lines copied to log.
	Boot(ctx context.Context, img *guest.Image, dir string, log io.Writer) (*Booted, error)
	// Clone restores the state file written by the source VM's Save into
	// len(consoles) clones, each with its own generation ID, feeding clone
	// i's console into consoles[i], and resumes them.
	Clone(ctx context.Context, state, dir string, consoles []*guest.Console, progress func(i int, step string)) ([]Cloned, error)
}

// VM is one VM of the story as its engine drives it.
type VM interface {
	host.VM
	// ReadPhys reads guest physical memory.
	ReadPhys(ctx context.Context, addr uint64, p []byte) error
	// Stop ends the VM and removes what the story made for it alone.
	Stop(ctx context.Context)
}

// Booted is the source VM just started.
type Booted struct {
	VM      VM
	GUID    genid.ID // the generation ID it was given (QEMU: its guid=; libvirt: its <genid>)
	Console *guest.Console
	Started time.Time // when the engine was asked to start it
}

// Cloned is one clone just resumed.
type Cloned struct {
	VM       VM
	GUID     genid.ID      // the generation ID the engine says it gave the clone
	Restored time.Duration // from the start of the restores to the end of this one
	Resumed  time.Time     // just before the engine was asked to resume it
}

// snapshotVM is a VM whose engine can also pause it and revert it to an
// internal snapshot (libvirt): the story then checks that a revert advances
// the epoch once more and that a pause does not.
type snapshotVM interface {
	VM
	Suspend(ctx context.Context) error
	Resume(ctx context.Context) error
	Snapshot(ctx context.Context, name string) error
	Revert(ctx context.Context, snapshot string) (genid.ID, error)
}
