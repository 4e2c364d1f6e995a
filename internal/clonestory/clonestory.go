// Package clonestory runs the clone scenario shared by the end-to-end tests
// and the demo: boot a guest with a VM generation ID on an engine (QEMU or
// libvirt: Host), let it start the vmgenid daemon, save the running VM to a
// file, restore it into clones with new generation IDs, and collect what
// each clone saw: its ID, its entropy epoch, numbers from clonesafe and from
// a plain generator seeded at boot, and the delays from the VM fork to the
// epoch advance. On an engine that can also revert to a snapshot (libvirt),
// one clone is paused and resumed, then reverted.
//
// Run gathers the facts; Check judges them; Story tells them in words.
package clonestory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/host"
	"github.com/vmgenid/vmgenid/internal/guest"
)

// Options configure Run.
type Options struct {
	Host     Host      // the engine; QEMU() when nil
	Clones   int       // number of clones, 2 to MaxClones; 2 when 0
	CacheDir string    // kernel cache; guest.CacheDir() when empty
	WorkDir  string    // scratch space: binaries, initramfs, sockets, the saved VM (required)
	Progress io.Writer // one line per step; nil discards
	Console  io.Writer // every console line of every VM, prefixed with its name; nil discards
}

// Boot is what the source VM showed before it was saved.
type Boot struct {
	GUID        genid.ID // the ID the engine gave it (QEMU: its guid=; libvirt: its <genid>)
	HostID      genid.ID // the ID the engine reports once the guest is ready (vmgenid host id)
	Kernel      string   // guest kernel release
	GuestUUID   genid.ID // "vmgenid id --uuid" in the guest
	SysctlPAddr uint64   // hw.acpivmgenid0.paddr from "vmgenid sysctl"
	ACPIPAddr   uint64   // QEMU's VGIA from the guest's SSDT + 0x28
	MemoryID    genid.ID // guest memory at SysctlPAddr, read by the engine
	Epoch       uint64   // the epoch the daemon published
	DaemonID    genid.ID // the ID the daemon published
	DaemonKnown bool     // whether the daemon published the ID
	// DaemonWithheld says that the daemon knows the ID but keeps it out of
	// the public state file (its default since the ID is secret): DaemonID
	// is then not compared.
	DaemonWithheld bool
	Protected      bool // clonesafe.Protected() in the guest
	UserSpace      time.Duration
	Ready          time.Duration // the engine's start to the guest's "ready"
}

// Clone is what one clone showed after its restore.
type Clone struct {
	Name        string   // "A", "B", ...
	GUID        genid.ID // the ID the engine said it gave the clone (QEMU: its guid=; libvirt: what host clone printed)
	HostID      genid.ID // the ID the engine reports after the guest saw the change
	Restore     time.Duration
	EpochBefore uint64 // the epoch the guest had seen before (reported by the guest)
	EpochAfter  uint64 // the first new epoch it saw
	Settled     uint64 // the epoch a moment later (a second advance would show here)
	PublishedID genid.ID
	IDKnown     bool
	IDWithheld  bool     // as Boot.DaemonWithheld
	GuestUUID   genid.ID // "vmgenid id --uuid" after the change
	Clonesafe   []uint64 // clonesafe.Uint64 draws after the change
	Control     []uint64 // plain ChaCha8 (seeded at boot) draws after the change
	ForkLine    bool     // the kernel logged "crng reseeded due to virtual machine fork"
	// Delays measured in the guest on its monotonic clock.
	ForkToPublish, ForkToObserve, PublishToObserve time.Duration
	// ResumeToObserve is measured on the host: from asking the engine to
	// resume the clone to reading the guest's "epoch moved" line.
	ResumeToObserve time.Duration
	// Problems the guest reported while measuring (missing fields etc.).
	Notes []string
}

// Result is everything Run found.
type Result struct {
	Host      string // the engine's name
	Boot      Boot
	SaveBytes int64
	SaveTime  time.Duration
	Clones    []Clone
	Revert    *Revert // engines with snapshots only
	Total     time.Duration
}

// MaxClones is the most clones Run restores: they are named A to Z.
const MaxClones = 26

// Timeouts for each phase; generous for TCG on busy 2-core machines.
const (
	bootTimeout   = 120 * time.Second
	changeTimeout = 60 * time.Second
)

// Run runs the scenario. Every VM it starts is gone when it returns. An error means the scenario could not be run to the end (a
// failing check is not an error: see Result.Check); errors that mean this
// machine cannot run a guest at all wrap guest.ErrUnavailable.
func Run(ctx context.Context, opts Options) (*Result, error) {
	began := time.Now()
	if opts.Clones == 0 {
		opts.Clones = 2
	}
	if opts.Clones < 2 || opts.Clones > MaxClones {
		// Checked before the guest boots: Check needs two clones to
		// compare, and the clones are named by one letter.
		return nil, fmt.Errorf("clonestory: %d clones: want 2 to %d", opts.Clones, MaxClones)
	}
	if opts.WorkDir == "" {
		return nil, errors.New("clonestory: no work directory")
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	say := func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }

	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // kills every QEMU process still running

	img, err := guest.Prepare(ctx, guest.PrepareOptions{CacheDir: opts.CacheDir, WorkDir: opts.WorkDir, Progress: progress})
	if err != nil {
		return nil, err
	}

	h := opts.Host
	if h == nil {
		h = QEMU()
	}
	res := &Result{Host: h.Name()}
	b := &res.Boot
	say("boot: starting the source VM on %s (TCG)...", h.Name())
	src, err := h.Boot(ctx, img, opts.WorkDir, opts.Console)
	if err != nil {
		return nil, err
	}
	defer src.VM.Stop(ctx)
	defer src.VM.Close()
	b.GUID = src.GUID
	say("boot: generation ID %s", b.GUID.GUID())
	if err := readBoot(ctx, src, b, say); err != nil {
		return nil, err
	}

	// Save the running VM.
	state := filepath.Join(opts.WorkDir, "source.state")
	say("save: writing the running VM's state to %s...", state)
	start := time.Now()
	lastShown := time.Time{}
	err = src.VM.Save(ctx, state, func(s host.SaveProgress) {
		if time.Since(lastShown) > 500*time.Millisecond && s.Total > 0 {
			say("save: %s, %d of %d MiB sent", s.State, s.Transferred>>20, s.Total>>20)
			lastShown = time.Now()
		}
	})
	if err != nil {
		return nil, err
	}
	res.SaveTime = time.Since(start)
	if fi, err := os.Stat(state); err == nil {
		res.SaveBytes = fi.Size()
	}
	defer os.Remove(state)
	say("save: %d MB in %v", res.SaveBytes/1e6, res.SaveTime.Round(10*time.Millisecond))
	src.VM.Stop(ctx) // QEMU keeps a saved VM paused; libvirt has stopped it

	// Restore the clones, each with its own generation ID.
	consoles := make([]*guest.Console, opts.Clones)
	for i := range consoles {
		consoles[i] = guest.NewConsole("clone "+name(i), opts.Console)
	}
	say("clone: restoring %d clones from the saved state, each with a new generation ID...", opts.Clones)
	clones, err := h.Clone(ctx, state, opts.WorkDir, consoles, func(i int, step string) {
		say("clone %s: %s", name(i), step)
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, c := range clones {
			c.VM.Stop(ctx)
			c.VM.Close()
		}
	}()
	for i, c := range clones {
		cr, err := readClone(ctx, c, consoles[i])
		if err != nil {
			return nil, err
		}
		cr.Name = name(i)
		res.Clones = append(res.Clones, cr)
		say("clone %s: epoch %d → %d, %v after its resume", cr.Name, cr.EpochBefore, cr.EpochAfter, cr.ResumeToObserve.Round(time.Millisecond))
	}
	if vm, ok := clones[0].VM.(snapshotVM); ok {
		if res.Revert, err = revert(ctx, vm, &res.Clones[0], consoles[0], say); err != nil {
			return nil, err
		}
	}
	res.Total = time.Since(began)
	return res, nil
}

func name(i int) string { return string(rune('A' + i)) }

// readBoot waits for the source guest's reports up to "ready".
func readBoot(ctx context.Context, vm *Booted, b *Boot, say func(string, ...any)) error {
	ctx, cancel := context.WithTimeout(ctx, bootTimeout)
	defer cancel()
	// TCG boots take seconds (more on a busy machine): show that it moves.
	tickCtx, stopTicking := context.WithCancel(ctx)
	defer stopTicking()
	go func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-tickCtx.Done():
				return
			case <-tick.C:
				say("boot: still booting (%v)...", time.Since(vm.Started).Round(time.Second))
			}
		}
	}()
	r, err := vm.Console.Next(ctx, "boot")
	if err != nil {
		return err
	}
	b.Kernel = r.Fields["kernel"]
	ms, _ := r.Int("uptime_ms")
	b.UserSpace = time.Duration(ms) * time.Millisecond
	say("boot: Linux %s started /init %v after boot", b.Kernel, b.UserSpace.Round(10*time.Millisecond))

	if r, err = vm.Console.Next(ctx, "id"); err != nil {
		return err
	}
	if b.GuestUUID, err = r.GUID("uuid"); err != nil {
		return err
	}
	if b.SysctlPAddr, err = r.Uint("paddr"); err != nil {
		return err
	}
	vgia, err := r.Uint("acpi_vgia")
	if err != nil {
		return err
	}
	b.ACPIPAddr = vgia + 0x28 // QEMU's ADDR method: Package {VGIA + 0x28, 0}

	if r, err = vm.Console.Next(ctx, "daemon"); err != nil {
		return err
	}
	if b.Epoch, err = r.Uint("epoch"); err != nil {
		return err
	}
	b.DaemonKnown = r.Fields["id_known"] == "true"
	b.DaemonWithheld = r.Fields["id_withheld"] == "true"
	if b.DaemonKnown {
		if b.DaemonID, err = r.GUID("id"); err != nil {
			return err
		}
	}
	if r, err = vm.Console.Next(ctx, "ready"); err != nil {
		return err
	}
	b.Ready = r.At.Sub(vm.Started)
	b.Protected = r.Fields["protected"] == "true"
	stopTicking()
	say("boot: guest ready %v after the engine started it; daemon published epoch %d", b.Ready.Round(10*time.Millisecond), b.Epoch)

	if b.HostID, err = vm.VM.ID(ctx); err != nil {
		return err
	}
	if b.SysctlPAddr != 0 {
		if err := vm.VM.ReadPhys(ctx, b.SysctlPAddr, b.MemoryID[:]); err != nil {
			return err
		}
	}
	return nil
}

// readClone waits for a clone's reports of its epoch change.
func readClone(ctx context.Context, c Cloned, console *guest.Console) (Clone, error) {
	ctx, cancel := context.WithTimeout(ctx, changeTimeout)
	defer cancel()
	cr := Clone{GUID: c.GUID, Restore: c.Restored}
	moved, err := console.Next(ctx, "epoch")
	if err != nil {
		return cr, err
	}
	cr.ResumeToObserve = moved.At.Sub(c.Resumed)
	r, err := console.Next(ctx, "change")
	if err != nil {
		return cr, err
	}
	if cr.HostID, err = c.VM.ID(ctx); err != nil {
		return cr, err
	}
	get := func(f func() error) {
		if err := f(); err != nil {
			cr.Notes = append(cr.Notes, err.Error())
		}
	}
	get(func() (err error) { cr.EpochBefore, err = r.Uint("prev"); return })
	get(func() (err error) { cr.EpochAfter, err = r.Uint("epoch"); return })
	get(func() (err error) { cr.Settled, err = r.Uint("settled_epoch"); return })
	get(func() (err error) { cr.Clonesafe, err = r.Uints("clonesafe"); return })
	get(func() (err error) { cr.Control, err = r.Uints("control"); return })
	get(func() (err error) { cr.GuestUUID, err = r.GUID("uuid"); return })
	cr.IDKnown = r.Fields["id_known"] == "true"
	cr.IDWithheld = r.Fields["id_withheld"] == "true"
	if cr.IDKnown {
		get(func() (err error) { cr.PublishedID, err = r.GUID("id"); return })
	}
	cr.ForkLine = r.Fields["fork_line"] == "true"
	us := func(key string, d *time.Duration) {
		get(func() error {
			v, err := r.Int(key)
			*d = time.Duration(v) * time.Microsecond
			return err
		})
	}
	us("publish_to_observe_us", &cr.PublishToObserve)
	if cr.ForkLine {
		us("fork_to_publish_us", &cr.ForkToPublish)
		us("fork_to_observe_us", &cr.ForkToObserve)
	}
	for _, k := range []string{"state_error", "uuid_error", "timing_error"} {
		if v, ok := r.Fields[k]; ok {
			cr.Notes = append(cr.Notes, k+": "+v)
		}
	}
	return cr, nil
}
