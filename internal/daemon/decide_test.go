package daemon

import (
	"errors"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/detect"
	"github.com/vmgenid/vmgenid/internal/state"
)

// Shorthands for the decider's table: counts of each kind.
func forks(n uint64) detect.Count   { return detect.Count{Kind: detect.KernelForks, N: n} }
func changes(n uint64) detect.Count { return detect.Count{Kind: detect.Changes, N: n} }
func reseeds(n uint64) detect.Count { return detect.Count{Kind: detect.KernelReseeds, N: n} }
func lostForks(n, lost uint64) detect.Count {
	return detect.Count{Kind: detect.KernelForks, N: n, Lost: lost}
}

var errRead = errors.New("read failed")

// step is one observation and the decision wanted for it.
type step struct {
	after  time.Duration // the clock moves this much first
	id     int           // the ID read (testID(id)); 0: not readable
	counts []detect.Count
	want   Rule
	adv    bool
	known  bool // the advance publishes the ID
}

func (s step) observation(now time.Time) Observation {
	o := Observation{Now: now, Counts: s.counts, IDErr: errRead}
	if s.id != 0 {
		o.ID, o.IDErr = testID(byte(s.id)), nil
	}
	return o
}

// Every rule of the package doc, as a table: a start (the restart rule)
// then checks on the same decider, each an observation in and a decision
// out. The published record follows the decisions the way the Daemon
// applies them.
func TestDecider(t *testing.T) {
	rec := func(epoch, changes uint64, id int) state.Record {
		r := state.Record{Epoch: epoch, Changes: changes}
		if id != 0 {
			r.Flags, r.ID = state.FlagIDKnown, testID(byte(id))
		}
		return r
	}
	tests := []struct {
		name   string
		counts []string // the counts' names
		window time.Duration
		last   *state.Record // published before the start; nil: none
		saved  *Saved
		start  step
		checks []step
	}{
		// The ID decides.
		{name: "fresh start, then the ID decides",
			start: step{id: 1, want: RuleFresh, known: true},
			checks: []step{
				{id: 1, want: RuleSameID},
				{id: 2, want: RuleIDChanged, adv: true, known: true},
				{id: 2, want: RuleSameID},
			}},
		{name: "a second detector for the same change finds the same ID",
			counts: []string{"kmsg"},
			start:  step{id: 1, counts: []detect.Count{forks(0)}, want: RuleFresh, known: true},
			checks: []step{
				{id: 2, counts: []detect.Count{forks(0)}, want: RuleIDChanged, adv: true, known: true},
				{id: 2, counts: []detect.Count{forks(1)}, want: RuleSameID},
			}},
		{name: "a failing read falls back to the counts, then the ID decides again",
			counts: []string{"kmsg"},
			start:  step{id: 1, counts: []detect.Count{forks(0)}, want: RuleFresh, known: true},
			checks: []step{
				{counts: []detect.Count{forks(0)}, want: RuleNoCountGrew},
				{counts: []detect.Count{forks(1)}, want: RuleCountGrew, adv: true},
				{id: 1, counts: []detect.Count{forks(1)}, want: RuleIDChanged, adv: true, known: true}, // the record lost its ID
				{id: 1, counts: []detect.Count{forks(1)}, want: RuleSameID},
			}},
		{name: "a failing read with no count waits for a good read",
			start: step{id: 1, want: RuleFresh, known: true},
			checks: []step{
				{want: RuleWaitForID},
				{id: 1, want: RuleSameID},
			}},

		// No ID: the change counts decide.
		{name: "counts decide without the ID",
			counts: []string{"kmsg", "vmclock"},
			start:  step{counts: []detect.Count{forks(0), changes(0)}, want: RuleFresh},
			checks: []step{
				{counts: []detect.Count{forks(0), changes(0)}, want: RuleNoCountGrew},
				{counts: []detect.Count{forks(0), changes(1)}, want: RuleCountGrew, adv: true},
				{after: 5 * time.Second, counts: []detect.Count{forks(1), changes(1)}, want: RuleCountGrew, adv: true},
			}},
		{name: "lost kernel log records count as growth",
			counts: []string{"kmsg"},
			start:  step{counts: []detect.Count{forks(2)}, want: RuleFresh},
			checks: []step{
				{counts: []detect.Count{lostForks(2, 1)}, want: RuleCountGrew, adv: true},
			}},
		{name: "no ID and no count: every signal advances",
			start: step{want: RuleFresh},
			checks: []step{
				{want: RuleNoEvidence, adv: true},
				{want: RuleNoEvidence, adv: true},
			}},

		// Coalescing.
		{name: "another count's late growth within the window is the same change",
			counts: []string{"kmsg", "vmclock"},
			start:  step{counts: []detect.Count{forks(0), changes(0)}, want: RuleFresh},
			checks: []step{
				{counts: []detect.Count{forks(1), changes(0)}, want: RuleCountGrew, adv: true},
				{after: 500 * time.Millisecond, counts: []detect.Count{forks(1), changes(1)}, want: RuleSameChange},
				// Both have grown for that change: a growth is new.
				{after: 100 * time.Millisecond, counts: []detect.Count{forks(1), changes(2)}, want: RuleCountGrew, adv: true},
			}},
		{name: "a count that grows twice is two changes",
			counts: []string{"kmsg", "vmclock"},
			start:  step{counts: []detect.Count{forks(0), changes(0)}, want: RuleFresh},
			checks: []step{
				{counts: []detect.Count{forks(1), changes(0)}, want: RuleCountGrew, adv: true},
				{after: time.Millisecond, counts: []detect.Count{forks(2), changes(0)}, want: RuleCountGrew, adv: true},
			}},
		{name: "a late growth after the window advances again",
			counts: []string{"kmsg", "vmclock"},
			start:  step{counts: []detect.Count{forks(0), changes(0)}, want: RuleFresh},
			checks: []step{
				{counts: []detect.Count{forks(1), changes(0)}, want: RuleCountGrew, adv: true},
				{after: 1500 * time.Millisecond, counts: []detect.Count{forks(1), changes(1)}, want: RuleCountGrew, adv: true},
			}},
		{name: "a clock going back does not coalesce",
			counts: []string{"kmsg", "vmclock"},
			start:  step{counts: []detect.Count{forks(0), changes(0)}, want: RuleFresh},
			checks: []step{
				{counts: []detect.Count{forks(1), changes(0)}, want: RuleCountGrew, adv: true},
				{after: -time.Second, counts: []detect.Count{forks(1), changes(1)}, want: RuleCountGrew, adv: true},
			}},
		{name: "a negative window never coalesces",
			counts: []string{"kmsg", "vmclock"}, window: -1,
			start: step{counts: []detect.Count{forks(0), changes(0)}, want: RuleFresh},
			checks: []step{
				{counts: []detect.Count{forks(1), changes(0)}, want: RuleCountGrew, adv: true},
				{after: time.Millisecond, counts: []detect.Count{forks(1), changes(1)}, want: RuleCountGrew, adv: true},
			}},
		{name: "an ID advance opens the group the counts join",
			counts: []string{"kmsg", "vmclock"},
			start:  step{id: 1, counts: []detect.Count{forks(0), changes(0)}, want: RuleFresh, known: true},
			checks: []step{
				{id: 2, counts: []detect.Count{forks(1), changes(0)}, want: RuleIDChanged, adv: true, known: true},
				// The read fails; the counts decide, and the VMClock
				// move is the same change the ID showed.
				{after: 10 * time.Millisecond, counts: []detect.Count{forks(1), changes(1)}, want: RuleSameChange},
			}},

		// The kernel's reseed count.
		{name: "a kernel reseed advances with the same ID",
			counts: []string{"kern.entropy.epoch"},
			start:  step{id: 1, counts: []detect.Count{reseeds(7)}, want: RuleFresh, known: true},
			checks: []step{
				{id: 1, counts: []detect.Count{reseeds(8)}, want: RuleKernelReseeded, adv: true, known: true},
				{id: 1, counts: []detect.Count{reseeds(8)}, want: RuleSameID},
			}},
		{name: "a kernel reseed is never coalesced",
			counts: []string{"kern.entropy.epoch", "kmsg"},
			start:  step{counts: []detect.Count{reseeds(7), forks(0)}, want: RuleFresh},
			checks: []step{
				{counts: []detect.Count{reseeds(7), forks(1)}, want: RuleCountGrew, adv: true},
				{after: time.Millisecond, counts: []detect.Count{reseeds(8), forks(1)}, want: RuleKernelReseeded, adv: true},
			}},
		{name: "a reseed with a new ID advances once, as the reseed",
			counts: []string{"kern.entropy.epoch"},
			start:  step{id: 1, counts: []detect.Count{reseeds(7)}, want: RuleFresh, known: true},
			checks: []step{
				{id: 2, counts: []detect.Count{reseeds(8)}, want: RuleKernelReseeded, adv: true, known: true},
				{id: 2, counts: []detect.Count{reseeds(8)}, want: RuleSameID},
			}},

		// Restart continuity.
		{name: "restart: the ID changed while down",
			last:  &state.Record{Epoch: 5, Changes: 2, Flags: state.FlagIDKnown, ID: testID(1)},
			start: step{id: 2, want: RuleIDChangedWhileDown, adv: true, known: true}},
		{name: "restart: same ID",
			last:  &state.Record{Epoch: 5, Changes: 2, Flags: state.FlagIDKnown, ID: testID(1)},
			start: step{id: 1, want: RuleSameIDWhileDown, known: true}},
		{name: "restart: same ID but the kernel reseeded while down",
			counts: []string{"kern.entropy.epoch"},
			last:   &state.Record{Epoch: 5, Changes: 9, Flags: state.FlagIDKnown, ID: testID(1)},
			saved:  &Saved{Epoch: 5, N: 9},
			start:  step{id: 1, counts: []detect.Count{reseeds(10)}, want: RuleKernelCountMoved, adv: true, known: true}},
		{name: "restart: same ID, the kernel did not reseed",
			counts: []string{"kern.entropy.epoch"},
			last:   &state.Record{Epoch: 5, Changes: 9, Flags: state.FlagIDKnown, ID: testID(1)},
			saved:  &Saved{Epoch: 5, N: 10},
			start:  step{id: 1, counts: []detect.Count{reseeds(10)}, want: RuleSameIDWhileDown, known: true}},
		{name: "restart: kernel forks since the saved count",
			counts: []string{"kmsg"},
			last:   &state.Record{Epoch: 5, Changes: 4},
			saved:  &Saved{Epoch: 5, N: 3},
			start:  step{counts: []detect.Count{forks(4)}, want: RuleKernelCountMoved, adv: true}},
		{name: "restart: fewer kernel forks than saved (an earlier boot's state)",
			counts: []string{"kmsg"},
			last:   &state.Record{Epoch: 5, Changes: 4},
			saved:  &Saved{Epoch: 5, N: 3},
			start:  step{counts: []detect.Count{forks(1)}, want: RuleKernelCountMoved, adv: true}},
		{name: "restart: the kernel count is as saved",
			counts: []string{"kmsg"},
			last:   &state.Record{Epoch: 5, Changes: 4},
			saved:  &Saved{Epoch: 5, N: 3},
			start:  step{counts: []detect.Count{forks(3)}, want: RuleKernelCountSame}},
		{name: "restart: a count saved with another epoch is not used",
			counts: []string{"kmsg"},
			last:   &state.Record{Epoch: 5, Changes: 3},
			saved:  &Saved{Epoch: 4, N: 2},
			start:  step{counts: []detect.Count{forks(3)}, want: RuleChangesMatch}},
		{name: "restart: no saved count, the kernel counted more than the state file",
			counts: []string{"kmsg"},
			last:   &state.Record{Epoch: 5, Changes: 3},
			start:  step{counts: []detect.Count{forks(4)}, want: RuleChangesDiffer, adv: true}},
		{name: "restart: no saved count, the state file counted more than the kernel",
			counts: []string{"kmsg"},
			last:   &state.Record{Epoch: 5, Changes: 3},
			start:  step{counts: []detect.Count{forks(2)}, want: RuleChangesDiffer, adv: true}},
		{name: "restart: lost kernel log records",
			counts: []string{"kmsg"},
			last:   &state.Record{Epoch: 5, Changes: 3},
			saved:  &Saved{Epoch: 5, N: 3},
			start:  step{counts: []detect.Count{lostForks(3, 1)}, want: RuleCountLost, adv: true}},
		{name: "restart: a VMClock count does not reach back",
			counts: []string{"vmclock"},
			last:   &state.Record{Epoch: 5, Changes: 3},
			start:  step{counts: []detect.Count{changes(0)}, want: RuleNoComparison, adv: true}},
		{name: "restart: the published ID is unknown, the kernel count decides",
			counts: []string{"kmsg"},
			last:   &state.Record{Epoch: 5, Changes: 3},
			saved:  &Saved{Epoch: 5, N: 3},
			start:  step{id: 1, counts: []detect.Count{forks(3)}, want: RuleKernelCountSame, known: true}},
		{name: "restart: the ID is unreadable, the published one is known",
			last:  &state.Record{Epoch: 5, Changes: 3, Flags: state.FlagIDKnown, ID: testID(1)},
			start: step{want: RuleNoComparison, adv: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecider(tt.counts, tt.window)
			now := time.Unix(1_800_000_000, 0)
			var pub state.Record
			ok := tt.last != nil
			if ok {
				pub = *tt.last
			}
			apply := func(what string, s step, dec Decision) {
				t.Helper()
				if dec.Why.Rule != s.want || dec.Advance != s.adv || (dec.Advance || s.want == RuleFresh) && dec.IDKnown != s.known {
					t.Fatalf("%s: %+v (%s); want rule %d, advance %v, ID known %v", what, dec, dec.Why, s.want, s.adv, s.known)
				}
				if dec.Advance || s.want == RuleFresh {
					id := 0
					if dec.IDKnown {
						id = s.id
					}
					pub = rec(pub.Epoch+1, pub.Changes+1, id)
				}
			}
			apply("start", tt.start, d.Start(tt.start.observation(now), pub, ok, tt.saved))
			if d.IDMode() != (tt.start.id != 0) {
				t.Errorf("IDMode = %v after a start with ID %d", d.IDMode(), tt.start.id)
			}
			for i, s := range tt.checks {
				now = now.Add(s.after)
				apply("check "+string(rune('1'+i)), s, d.Check(s.observation(now), pub))
			}
		})
	}
}

// Why says in words what the rule compared; every rule has its words.
func TestWhyString(t *testing.T) {
	for r := RuleIDChanged; r <= RuleNoComparison; r++ {
		w := Why{Rule: r, Count: "kmsg", Kind: detect.KernelForks, From: 1, To: 2, Epoch: 3, Is: genid.ID{1}}
		if s := w.String(); s == "" || s[:4] == "Rule" {
			t.Errorf("rule %d: %q", r, s)
		}
	}
}
