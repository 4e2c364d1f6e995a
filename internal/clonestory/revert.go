package clonestory

import (
	"context"
	"fmt"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/guest"
)

// Revert is what one clone showed around a pause (suspend and resume) and a
// revert to an internal snapshot taken after the pause.
type Revert struct {
	Clone           string
	IDBeforePause   genid.ID // the engine's ID of the clone before it was suspended
	IDAfterPause    genid.ID // and after it was resumed
	SnapshotTime    time.Duration
	RevertTime      time.Duration
	ID              genid.ID      // the new ID the engine reported after the revert (vmgenid host revert)
	GuestUUID       genid.ID      // "vmgenid id --uuid" in the guest after the revert
	EpochBefore     uint64        // the epoch the guest had seen at the snapshot
	EpochAfter      uint64        // the first new epoch it saw after the revert
	Settled         uint64        // the epoch a moment later
	RevertToObserve time.Duration // from asking for the revert to the guest's "epoch moved" line
	Notes           []string
}

// pauseSettle is how long a resumed clone runs before the snapshot: ten of
// the guest daemon's 100 ms polls, so that an advance the pause wrongly
// caused would be published, seen by the guest and caught in the snapshot.
const pauseSettle = time.Second

// revert pauses and resumes the clone c (which the engine must not count as
// a change), takes an internal snapshot, reverts to it (which gives the clone
// a new ID) and reads the guest's report of that change.
func revert(ctx context.Context, vm snapshotVM, c *Clone, console *guest.Console, say func(string, ...any)) (*Revert, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*changeTimeout) // a snapshot, a revert and a change
	defer cancel()
	r := &Revert{Clone: c.Name}
	var err error
	if r.IDBeforePause, err = vm.ID(ctx); err != nil {
		return nil, err
	}
	if err := vm.Suspend(ctx); err != nil {
		return nil, err
	}
	if err := vm.Resume(ctx); err != nil {
		return nil, err
	}
	if r.IDAfterPause, err = vm.ID(ctx); err != nil {
		return nil, err
	}
	say("pause: clone %s suspended and resumed; generation ID %s before, %s after", c.Name, r.IDBeforePause.GUID(), r.IDAfterPause.GUID())
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(pauseSettle):
	}
	const snap = "vmgenid-story"
	start := time.Now()
	if err := vm.Snapshot(ctx, snap); err != nil {
		return nil, err
	}
	r.SnapshotTime = time.Since(start)
	say("snapshot: clone %s, internal snapshot %q in %v", c.Name, snap, r.SnapshotTime.Round(10*time.Millisecond))
	start = time.Now()
	if r.ID, err = vm.Revert(ctx, snap); err != nil {
		return nil, err
	}
	r.RevertTime = time.Since(start)
	say("revert: clone %s reverted in %v; new generation ID %s", c.Name, r.RevertTime.Round(10*time.Millisecond), r.ID.GUID())
	moved, err := console.Next(ctx, "epoch")
	if err != nil {
		return nil, err
	}
	// From the revert request: the guest may report before the request
	// returns (host revert also reads the new ID, then exits).
	r.RevertToObserve = moved.At.Sub(start)
	rep, err := console.Next(ctx, "change")
	if err != nil {
		return nil, err
	}
	get := func(f func() error) {
		if err := f(); err != nil {
			r.Notes = append(r.Notes, err.Error())
		}
	}
	get(func() (err error) { r.EpochBefore, err = rep.Uint("prev"); return })
	get(func() (err error) { r.EpochAfter, err = rep.Uint("epoch"); return })
	get(func() (err error) { r.Settled, err = rep.Uint("settled_epoch"); return })
	get(func() (err error) { r.GuestUUID, err = rep.GUID("uuid"); return })
	say("revert: clone %s epoch %d → %d", c.Name, r.EpochBefore, r.EpochAfter)
	return r, nil
}

// check adds the revert's failures to fail.
func (r *Revert) check(clones []Clone, fail func(string, ...any)) {
	who := "clone " + r.Clone
	var c *Clone
	for i := range clones {
		if clones[i].Name == r.Clone {
			c = &clones[i]
		}
	}
	if c == nil {
		fail("%s: reverted, but not among the clones", who)
		return
	}
	if r.IDAfterPause != r.IDBeforePause {
		fail("%s: suspend and resume changed the generation ID from %s to %s", who, r.IDBeforePause.GUID(), r.IDAfterPause.GUID())
	}
	if r.EpochBefore != c.EpochAfter {
		fail("%s: the epoch moved from %d to %d between its clone change and the snapshot (a pause must not advance it)", who, c.EpochAfter, r.EpochBefore)
	}
	if r.EpochAfter != r.EpochBefore+1 {
		fail("%s: the revert moved the epoch %d → %d, want exactly one step", who, r.EpochBefore, r.EpochAfter)
	}
	if r.Settled != r.EpochAfter {
		fail("%s: the epoch moved again after the revert, to %d", who, r.Settled)
	}
	if r.ID == c.GUID {
		fail("%s: the revert kept the generation ID %s", who, r.ID.GUID())
	}
	if r.GuestUUID != r.ID {
		fail("%s: after the revert vmgenid id --uuid says %s, the engine says %s", who, r.GuestUUID.GUID(), r.ID.GUID())
	}
	for _, n := range r.Notes {
		fail("%s (revert): %s", who, n)
	}
}

func (r *Revert) story() string {
	return fmt.Sprintf("  clone %s, suspended and resumed: generation ID unchanged (%v), epoch unchanged (%v).\n"+
		"  Then an internal snapshot (%v) and a revert to it (%v): generation ID %s, epoch %d → %d, seen %v after the revert was asked for.\n",
		r.Clone, r.IDAfterPause == r.IDBeforePause, r.EpochBefore, r.SnapshotTime.Round(10*time.Millisecond),
		r.RevertTime.Round(10*time.Millisecond), r.ID.GUID(), r.EpochBefore, r.EpochAfter, r.RevertToObserve.Round(time.Millisecond))
}
