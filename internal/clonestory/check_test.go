package clonestory

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/genid"
)

func goodResult() *Result {
	src, a, b := genid.ID{1}, genid.ID{2}, genid.ID{3}
	clone := func(name string, id genid.ID, safe uint64) Clone {
		return Clone{Name: name, GUID: id, HostID: id, GuestUUID: id, PublishedID: id, IDKnown: true,
			EpochBefore: 1, EpochAfter: 2, Settled: 2, ForkLine: true,
			Clonesafe: []uint64{safe, safe + 1}, Control: []uint64{7, 8},
			ForkToPublish: 3 * time.Millisecond, ResumeToObserve: 40 * time.Millisecond}
	}
	return &Result{
		Boot: Boot{GUID: src, HostID: src, GuestUUID: src, MemoryID: src, DaemonID: src, DaemonKnown: true,
			SysctlPAddr: 0xffff028, ACPIPAddr: 0xffff028, Epoch: 1, Protected: true, Kernel: "6.12"},
		Clones: []Clone{clone("A", a, 100), clone("B", b, 200)},
	}
}

// goodRevert is clone A paused and reverted as it should be.
func goodRevert() *Revert {
	a, r := genid.ID{2}, genid.ID{4}
	return &Revert{Clone: "A", IDBeforePause: a, IDAfterPause: a, ID: r, GuestUUID: r, EpochBefore: 2, EpochAfter: 3, Settled: 3}
}

func TestCheck(t *testing.T) {
	if errs := goodResult().Check(); len(errs) != 0 {
		t.Fatalf("a good result fails: %v", errs)
	}
	withheld := goodResult()
	withheld.Boot.DaemonKnown, withheld.Boot.DaemonWithheld, withheld.Boot.DaemonID = false, true, genid.ID{}
	for i := range withheld.Clones {
		withheld.Clones[i].IDKnown, withheld.Clones[i].IDWithheld, withheld.Clones[i].PublishedID = false, true, genid.ID{}
	}
	if errs := withheld.Check(); len(errs) != 0 {
		t.Fatalf("a good result whose daemon withholds the ID fails: %v", errs)
	}
	withRevert := goodResult()
	withRevert.Revert = goodRevert()
	if errs := withRevert.Check(); len(errs) != 0 {
		t.Fatalf("a good result with a revert fails: %v", errs)
	}
	tests := []struct {
		name   string
		mutate func(r *Result)
		want   string
	}{
		{"guest reads another ID", func(r *Result) { r.Boot.GuestUUID = genid.ID{9} }, "vmgenid id --uuid in the guest"},
		{"paddr differs from ACPI", func(r *Result) { r.Boot.SysctlPAddr = 0x1000 }, "VGIA"},
		{"memory holds another ID", func(r *Result) { r.Boot.MemoryID = genid.ID{9} }, "guest memory"},
		{"clone keeps the old ID", func(r *Result) { r.Clones[0].GuestUUID = r.Boot.GUID }, "want its guid"},
		{"epoch jumps by two", func(r *Result) { r.Clones[1].EpochAfter = 3 }, "exactly one step"},
		{"epoch moves again", func(r *Result) { r.Clones[1].Settled = 3 }, "moved again"},
		{"clonesafe repeats", func(r *Result) { r.Clones[1].Clonesafe[1] = r.Clones[0].Clonesafe[0] }, "in both clone A and clone B"},
		{"control differs", func(r *Result) { r.Clones[1].Control = []uint64{1, 2} }, "not clones"},
		{"no fork line", func(r *Result) { r.Clones[0].ForkLine = false }, "virtual machine fork"},
		{"same guid twice", func(r *Result) {
			r.Clones[1].GUID, r.Clones[1].HostID, r.Clones[1].GuestUUID, r.Clones[1].PublishedID = r.Clones[0].GUID, r.Clones[0].GUID, r.Clones[0].GUID, r.Clones[0].GUID
		}, "same as clone A"},
		{"guest note", func(r *Result) { r.Clones[0].Notes = []string{"timing_error: no kmsg"} }, "no kmsg"},
		{"one clone", func(r *Result) { r.Clones = r.Clones[:1] }, "at least 2"},
		{"daemon publishes another ID", func(r *Result) { r.Clones[0].PublishedID = genid.ID{9} }, "the daemon published ID"},
		{"daemon withholds nothing but knows nothing", func(r *Result) { r.Boot.DaemonKnown = false }, "the daemon published ID"},
		{"pause changes the ID", func(r *Result) { r.Revert = goodRevert(); r.Revert.IDAfterPause = genid.ID{7} }, "suspend and resume changed"},
		{"pause advances the epoch", func(r *Result) {
			r.Revert = goodRevert()
			r.Revert.EpochBefore, r.Revert.EpochAfter, r.Revert.Settled = 3, 4, 4
		}, "a pause must not advance it"},
		{"revert does not advance", func(r *Result) { r.Revert = goodRevert(); r.Revert.EpochAfter, r.Revert.Settled = 2, 2 }, "the revert moved the epoch 2 → 2"},
		{"revert keeps the ID", func(r *Result) { r.Revert = goodRevert(); r.Revert.ID, r.Revert.GuestUUID = genid.ID{2}, genid.ID{2} }, "kept the generation ID"},
		{"guest misses the revert ID", func(r *Result) { r.Revert = goodRevert(); r.Revert.GuestUUID = genid.ID{2} }, "after the revert vmgenid id --uuid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := goodResult()
			tc.mutate(r)
			errs := r.Check()
			var all []string
			for _, e := range errs {
				all = append(all, e.Error())
			}
			if !strings.Contains(strings.Join(all, "\n"), tc.want) {
				t.Errorf("Check() = %q, want a failure mentioning %q", all, tc.want)
			}
		})
	}
}

func TestStory(t *testing.T) {
	var b strings.Builder
	goodResult().Story(&b)
	for _, want := range []string{"clone A: generation ID 00000002-", "epoch 1 → 2", "identical in every clone", "this is the bug clonesafe fixes",
		"kernel fork line → epoch published 3.0 ms (program saw it at 0.0 ms)", "All checks passed."} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("story lacks %q:\n%s", want, b.String())
		}
	}
	r := goodResult()
	r.Clones[1].Control = []uint64{1}
	b.Reset()
	r.Story(&b)
	if !strings.Contains(b.String(), "FAILED") {
		t.Errorf("story of a failing result does not say so:\n%s", b.String())
	}

	// The verdict on clonesafe follows the numbers, not the script.
	r = goodResult()
	r.Clones[1].Clonesafe = append([]uint64(nil), r.Clones[0].Clonesafe...)
	b.Reset()
	r.Story(&b)
	if strings.Contains(b.String(), "different in every clone") || !strings.Contains(b.String(), "repeated output across clones") {
		t.Errorf("story of clones that drew the same clonesafe numbers claims otherwise:\n%s", b.String())
	}
	b.Reset()
	goodResult().Story(&b)
	if !strings.Contains(b.String(), "clonesafe: different in every clone") {
		t.Errorf("story of a good result lacks the clonesafe verdict:\n%s", b.String())
	}
}

// TestRunRefusesCloneCount checks that a clone count Check cannot judge (or
// names cannot label) is refused before anything boots: the context is
// already cancelled, so any other error means Run went on to prepare a guest.
func TestRunRefusesCloneCount(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, n := range []int{-1, 1, MaxClones + 1} {
		_, err := Run(ctx, Options{Clones: n, WorkDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), "clones: want 2 to") {
			t.Errorf("Clones %d: err = %v, want a refusal of the count", n, err)
		}
	}
}
