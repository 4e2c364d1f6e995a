package daemon

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/internal/detect"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/source/bsdsrc"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// Every growth of the kernel's reseed count advances, with the ID read or
// not, and is never coalesced; the other counts keep one change, one
// advance. Steps run in order on one daemon, each then one check.
func TestReseedCountAlwaysAdvances(t *testing.T) {
	type step struct {
		what      string
		id        byte   // the ID in memory after the step; 0: unchanged
		reseeds   uint64 // the kernel's reseed count after the step
		kmsg      uint64 // another fork count after the step
		after     time.Duration
		wantEpoch uint64
	}
	tests := []struct {
		name     string
		readable bool
		steps    []step
	}{
		{"ID read", true, []step{
			{"nothing", 0, 0, 0, 0, 1},
			{"ordinary consolidation, same ID", 0, 1, 0, time.Second, 2},
			{"a spurious check", 0, 1, 0, time.Second, 2},
			{"clone, its ID read before the kernel reseeds", 2, 1, 0, time.Second, 3},
			{"the kernel's reseed for it, 10 ms later", 0, 2, 0, 10 * time.Millisecond, 4},
			{"clone and the kernel's reseed in one check", 3, 3, 0, time.Second, 5},
			{"another fork count alone: the ID decides", 0, 3, 1, time.Second, 5},
		}},
		{"ID unknown", false, []step{
			{"nothing", 0, 0, 0, 0, 1},
			{"ordinary consolidation", 0, 1, 0, time.Second, 2},
			{"a spurious check", 0, 1, 0, time.Second, 2},
			{"fork line", 0, 1, 1, 5 * time.Second, 3},
			{"the kernel's reseed 100 ms later: not coalesced", 0, 2, 1, 100 * time.Millisecond, 4},
			{"next change: the kernel's reseed first", 0, 3, 1, 5 * time.Second, 5},
			{"its fork line 100 ms later: coalesced", 0, 3, 2, 100 * time.Millisecond, 5},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, testID(1))
			reseeds := &fakeCount{name: "kern.entropy.epoch", kind: detect.KernelReseeds}
			kmsg := &fakeCount{name: "kmsg", kind: detect.KernelForks}
			now := &fakeClock{now: time.Unix(1_800_000_000, 0)}
			log := &logBuf{}
			cfg := f.config(0, &recordingMixer{}, log)
			if !tt.readable {
				cfg.Sources = []source.Source{source.NewACPI(tablesDir, filepath.Join(t.TempDir(), "no-such-mem"))}
			}
			cfg.Detectors = []detect.Detector{reseeds, kmsg}
			cfg.Now = now.Now
			d, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if st := d.Status(); st.IDMode != tt.readable {
				t.Fatalf("IDMode %v, want %v", st.IDMode, tt.readable)
			}
			id := testID(1)
			for _, s := range tt.steps {
				if s.id != 0 {
					id = testID(s.id)
					f.writeID(t, id)
				}
				reseeds.n.Store(s.reseeds)
				kmsg.n.Store(s.kmsg)
				now.add(s.after)
				if err := d.Check(s.what); err != nil {
					t.Fatal(err)
				}
				rec := d.Status().Record
				if rec.Epoch != s.wantEpoch {
					t.Errorf("%s: epoch %d, want %d", s.what, rec.Epoch, s.wantEpoch)
				}
				if tt.readable && rec.ID != id {
					t.Errorf("%s: ID %s, want %s", s.what, rec.ID, id)
				}
			}
			if !strings.Contains(log.String(), "kern.entropy.epoch: the kernel reseeded (0 -> 1 reseeds since boot)") {
				t.Errorf("the log does not name the kernel's reseed:\n%s", log)
			}
		})
	}
}

// A restart with the same ID advances once when the kernel reseeded while
// no daemon ran, and continues otherwise.
func TestReseedWhileDown(t *testing.T) {
	f := newFixture(t, testID(1))
	reseeds := &fakeCount{name: "kern.entropy.epoch", kind: detect.KernelReseeds}
	reseeds.n.Store(5)
	log := &logBuf{}
	open := func() *Daemon {
		t.Helper()
		cfg := f.config(0, &recordingMixer{}, log)
		cfg.Detectors = []detect.Detector{reseeds}
		d, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	steps := []struct {
		what      string
		reseeds   uint64
		wantEpoch uint64
	}{
		{"first start", 5, 1},
		{"nothing while down", 5, 1},
		{"the kernel reseeded twice while down", 7, 2},
		{"nothing while down again", 7, 2},
	}
	for _, s := range steps {
		reseeds.n.Store(s.reseeds)
		d := open()
		st := d.Status()
		d.Close()
		if st.Record.Epoch != s.wantEpoch || st.Record.ID != testID(1) {
			t.Errorf("%s: %+v, want epoch %d with the same ID", s.what, st.Record, s.wantEpoch)
		}
	}
	if !strings.Contains(log.String(), "the kernel reseeded 7 times since boot (kern.entropy.epoch), 5 when epoch 1 was published") {
		t.Errorf("the log does not say why it advanced:\n%s", log)
	}
}

// TestKernelEpochIsAChange runs NetBSD's kern.entropy.epoch detector on
// recorded values: every advance of the kernel's epoch (the kernel
// reseeded) advances the published epoch, even with the same ID; a clone
// the poll and the kernel both see in one check counts once.
func TestKernelEpochIsAChange(t *testing.T) {
	f := newFixture(t, testID(1))
	kern := sysctl.NewMap(map[string][]byte{bsdsrc.NetBSDEpochNode: binary.NativeEndian.AppendUint32(nil, 7)})
	ed, err := detect.NewEpochDetector(kern, 2*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// An hour's poll never ticks: the kernel's epoch detector alone
	// triggers checks.
	cfg := f.config(time.Hour, &recordingMixer{}, &logBuf{})
	cfg.Detectors = []detect.Detector{ed}
	r := start(t, cfg)
	m := mapState(t, f.statePath)
	if e := m.Epoch(); e != 1 {
		t.Fatalf("first epoch %d", e)
	}
	kern.SetUint32(bsdsrc.NetBSDEpochNode, 8) // ordinary consolidation
	waitEpoch(t, m, 2)
	// A clone: the new ID, then the kernel consolidates. Only the
	// kernel's epoch triggers a check, which reads the new ID.
	f.writeID(t, testID(2))
	kern.SetUint32(bsdsrc.NetBSDEpochNode, 9)
	waitEpoch(t, m, 3)
	if err := r.d.Check("test"); err != nil {
		t.Fatal(err)
	}
	if rec, _ := m.Read(); rec.Epoch != 3 || rec.ID != testID(2) {
		t.Errorf("after a consolidation and a clone: %+v, want epoch 3 with the new ID", rec)
	}
	if st := r.d.Status(); st.Kernel.N != 9 || st.Record.ID != testID(2) {
		t.Errorf("Status %+v, want 9 kernel reseeds and the new ID", st)
	}
}
