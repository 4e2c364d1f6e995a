package daemon

import (
	"fmt"
	"strings"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/detect"
	"github.com/vmgenid/vmgenid/internal/state"
)

// Decider applies the rules of the package doc and nothing else: an
// Observation goes in (the ID or why it could not be read, the change
// counts, the time), a Decision comes out (advance or not, and why). It
// does no I/O; what the rules remember between checks (the counts at the
// last check, the change the last advance stood for) is its state. The
// Daemon reads, publishes and logs around it.
type Decider struct {
	names  []string      // the change counts' names, for Why
	window time.Duration // coalescing window; negative: never coalesce
	idMode bool          // the ID was readable at Start: it decides
	last   []detect.Count
	group  changeGroup
}

// changeGroup is the change the last advance stood for: which counts have
// grown for it, and when it was first seen (see "One change, several
// counts" in the package doc).
type changeGroup struct {
	start time.Time
	grown []bool // by count index; nil: no group
}

// NewDecider returns a decider over the change counts named names (the
// order of Observation.Counts). window is the coalescing window: 0 means
// DefaultCoalesceWindow, negative means never coalesce.
func NewDecider(names []string, window time.Duration) *Decider {
	if window == 0 {
		window = DefaultCoalesceWindow
	}
	return &Decider{names: names, window: window}
}

// Observation is what a check saw.
type Observation struct {
	// Now is when the check ran.
	Now time.Time
	// ID is the ID read; meaningful only when IDErr is nil.
	ID genid.ID
	// IDErr says why the ID could not be read (no device, a failing
	// read); nil when ID holds it.
	IDErr error
	// Counts are the change counts, in the order of NewDecider's names.
	Counts []detect.Count
}

// Saved is the kernel count saved with the published record (continuity.go):
// the count the published epoch accounts for.
type Saved struct {
	Epoch uint64 // the published epoch it belongs to
	N     uint64
}

// Decision is what the decider concluded.
type Decision struct {
	// Advance says whether to advance the epoch.
	Advance bool
	// IDKnown says whether the record to publish carries the observed ID.
	IDKnown bool
	// Why says which rule decided, with what it compared.
	Why Why
}

// Rule names the rule of the package doc that decided.
type Rule uint8

// The rules. Those of a check come first, then those of a start.
const (
	// RuleIDChanged: the ID read differs from the one published.
	RuleIDChanged Rule = iota + 1
	// RuleSameID: the ID read is the one published.
	RuleSameID
	// RuleKernelReseeded: a KernelReseeds count grew.
	RuleKernelReseeded
	// RuleCountGrew: no ID, and a change count grew.
	RuleCountGrew
	// RuleNoCountGrew: no ID, and no change count grew.
	RuleNoCountGrew
	// RuleSameChange: counts grew that stand for the change the last
	// advance stood for, reported late (the coalescing window).
	RuleSameChange
	// RuleNoEvidence: no ID and no change count: every signal may be a
	// change.
	RuleNoEvidence
	// RuleWaitForID: the ID decides but could not be read, and there is
	// no change count: the next good read decides.
	RuleWaitForID

	// RuleFresh: nothing was published before: start at epoch 1.
	RuleFresh
	// RuleIDChangedWhileDown: the ID read differs from the published one.
	RuleIDChangedWhileDown
	// RuleSameIDWhileDown: the ID read is the published one.
	RuleSameIDWhileDown
	// RuleCountLost: kernel log records were lost, which may hide a fork.
	RuleCountLost
	// RuleKernelCountMoved: the kernel's count differs from the one saved
	// with the published epoch.
	RuleKernelCountMoved
	// RuleKernelCountSame: the kernel's count is the one saved with the
	// published epoch.
	RuleKernelCountSame
	// RuleChangesDiffer: no saved count; the kernel's count differs from
	// the state file's change count.
	RuleChangesDiffer
	// RuleChangesMatch: no saved count; the kernel's count equals the
	// state file's change count.
	RuleChangesMatch
	// RuleNoComparison: neither IDs nor a kernel count can be compared.
	RuleNoComparison
)

// Why says why a decision was taken: the rule, and what it compared.
type Why struct {
	Rule Rule
	// Count names the change counts concerned (comma-separated), and Kind
	// is the kind of the first.
	Count string
	Kind  detect.CountKind
	// From and To are the compared values: a count before and now, or
	// the state file's change count and the kernel's count.
	From, To uint64
	// Epoch is the published epoch a saved count belongs to.
	Epoch uint64
	// Was and Is are the published and the read ID.
	Was, Is genid.ID
}

// String says why in words, for the log.
func (w Why) String() string {
	switch w.Rule {
	case RuleIDChanged:
		return "the ID changed"
	case RuleSameID:
		return "same ID, nothing changed"
	case RuleKernelReseeded:
		return fmt.Sprintf("the kernel reseeded (%d -> %d reseeds since boot)", w.From, w.To)
	case RuleCountGrew:
		return fmt.Sprintf("%s count %d -> %d", w.Count, w.From, w.To)
	case RuleNoCountGrew:
		return "no change count grew, nothing changed"
	case RuleSameChange:
		return "the same change as the last advance, reported late by " + w.Count
	case RuleNoEvidence:
		return "no ID and no change count: every signal may be a change"
	case RuleWaitForID:
		return "the ID cannot be read and there is no change count: waiting for a good read"
	case RuleFresh:
		return "nothing published yet"
	case RuleIDChangedWhileDown:
		// No IDs: this goes to the log and into events for every
		// subscriber (the ID is root's, see docs/state-file.md).
		return "the ID is not the one published"
	case RuleSameIDWhileDown:
		return "same ID"
	case RuleCountLost:
		return "kernel log records were lost, so a VM fork notice may be hidden"
	case RuleKernelCountMoved:
		if w.To < w.From {
			return fmt.Sprintf("%s, but %d when epoch %d was published (is the state from an earlier boot?)", sinceBoot(w.Kind, w.Count, w.To), w.From, w.Epoch)
		}
		return fmt.Sprintf("%s, %d when epoch %d was published", sinceBoot(w.Kind, w.Count, w.To), w.From, w.Epoch)
	case RuleKernelCountSame:
		return fmt.Sprintf("%s, as when epoch %d was published", sinceBoot(w.Kind, w.Count, w.To), w.Epoch)
	case RuleChangesDiffer:
		if w.To < w.From {
			return fmt.Sprintf("the state file counted %d changes but %s (is it from an earlier boot?)", w.From, sinceBoot(w.Kind, w.Count, w.To))
		}
		return fmt.Sprintf("%s, the state file had counted %d", sinceBoot(w.Kind, w.Count, w.To), w.From)
	case RuleChangesMatch:
		return sinceBoot(w.Kind, w.Count, w.To) + ", as counted"
	case RuleNoComparison:
		return "the ID cannot be compared and there is no kernel fork count"
	}
	return fmt.Sprintf("Rule(%d)", uint8(w.Rule))
}

// sinceBoot says what a since-boot count n counts.
func sinceBoot(kind detect.CountKind, name string, n uint64) string {
	if kind == detect.KernelReseeds {
		return fmt.Sprintf("the kernel reseeded %d times since boot (%s)", n, name)
	}
	return fmt.Sprintf("the kernel logged %d VM forks since boot", n)
}

// IDMode reports whether the ID decides (it was readable at Start).
func (d *Decider) IDMode() bool { return d.idMode }

// Kernel returns the index of the first count that reaches back to boot
// (the kernel's fork or reseed count), or -1.
func (d *Decider) Kernel() int { return kernelIndex(d.last) }

func kernelIndex(counts []detect.Count) int {
	for i, c := range counts {
		if c.Kind.SinceBoot() {
			return i
		}
	}
	return -1
}

// Start applies the restart rule: given the first observation, the record
// already published (ok false when there is none or its epoch is not
// valid) and the kernel count saved with it (nil when none), it decides
// whether a change may have happened while no daemon ran. Decision.Advance
// false with RuleFresh means: publish a fresh epoch 1.
func (d *Decider) Start(o Observation, last state.Record, ok bool, saved *Saved) Decision {
	d.idMode = o.IDErr == nil
	d.last = append([]detect.Count(nil), o.Counts...)
	dec := Decision{IDKnown: d.idMode}
	if !ok {
		dec.Why.Rule = RuleFresh
		return dec
	}
	k := kernelIndex(o.Counts)
	var kc detect.Count
	if k >= 0 {
		kc = o.Counts[k]
	}
	compareSaved := func() (Why, bool) {
		if saved == nil || saved.Epoch != last.Epoch {
			return Why{}, false
		}
		w := Why{Count: d.names[k], Kind: kc.Kind, From: saved.N, To: kc.N, Epoch: last.Epoch, Rule: RuleKernelCountSame}
		if kc.N != saved.N {
			w.Rule = RuleKernelCountMoved
		}
		return w, true
	}
	if d.idMode && last.IDKnown() {
		if o.ID != last.ID {
			dec.Advance, dec.Why = true, Why{Rule: RuleIDChangedWhileDown, Was: last.ID, Is: o.ID}
			return dec
		}
		// The kernel's reseeds count even with the same ID.
		if k >= 0 && kc.Kind == detect.KernelReseeds {
			if w, ok := compareSaved(); ok && w.Rule == RuleKernelCountMoved {
				dec.Advance, dec.Why = true, w
				return dec
			}
		}
		dec.Why = Why{Rule: RuleSameIDWhileDown, Is: o.ID}
		return dec
	}
	if k < 0 {
		dec.Advance, dec.Why = true, Why{Rule: RuleNoComparison}
		return dec
	}
	if !kc.Exact() {
		dec.Advance, dec.Why = true, Why{Rule: RuleCountLost, Count: d.names[k], Kind: kc.Kind}
		return dec
	}
	if w, ok := compareSaved(); ok {
		dec.Advance, dec.Why = w.Rule == RuleKernelCountMoved, w
		return dec
	}
	// No count saved with this record (a daemon that could not write
	// it): the state file's change count is the best guess; it errs
	// towards advancing, except when it ran ahead of the kernel's count
	// and forks while down brought them level.
	dec.Why = Why{Rule: RuleChangesMatch, Count: d.names[k], Kind: kc.Kind, From: last.Changes, To: kc.N}
	if kc.N != last.Changes {
		dec.Advance, dec.Why.Rule = true, RuleChangesDiffer
	}
	return dec
}

// Check applies the rule of a check: given what it observed and the
// record published now, it decides whether to advance.
func (d *Decider) Check(o Observation, published state.Record) Decision {
	// The baselines move at every check, also when the ID decides: a
	// fallback to the counts after a failed read compares with the last
	// check, not with older news.
	var grown []int
	reseed := -1 // a kernel reseed count that grew
	for i, c := range o.Counts {
		if i < len(d.last) && c == d.last[i] {
			continue
		}
		grown = append(grown, i)
		if reseed < 0 && c.Kind == detect.KernelReseeds {
			reseed = i
		}
	}
	var why Why
	if len(grown) > 0 {
		i := grown[0]
		why = Why{Rule: RuleCountGrew, Count: d.countNames(grown), Kind: o.Counts[i].Kind, To: o.Counts[i].N}
		if i < len(d.last) {
			why.From = d.last[i].N
		}
	}
	if reseed >= 0 {
		why = Why{Rule: RuleKernelReseeded, Count: d.names[reseed], Kind: detect.KernelReseeds, To: o.Counts[reseed].N}
		if reseed < len(d.last) {
			why.From = d.last[reseed].N
		}
	}
	d.last = append(d.last[:0], o.Counts...)

	if d.idMode && o.IDErr == nil {
		if reseed < 0 {
			if published.IDKnown() && o.ID == published.ID {
				return Decision{Why: Why{Rule: RuleSameID, Is: o.ID}}
			}
			why = Why{Rule: RuleIDChanged, Was: published.ID, Is: o.ID}
		}
		d.openGroup(o.Now, grown)
		return Decision{Advance: true, IDKnown: true, Why: why}
	}
	switch {
	case len(o.Counts) == 0 && d.idMode:
		return Decision{Why: Why{Rule: RuleWaitForID}}
	case len(o.Counts) == 0:
		return Decision{Advance: true, Why: Why{Rule: RuleNoEvidence}}
	case len(grown) == 0:
		return Decision{Why: Why{Rule: RuleNoCountGrew}}
	case reseed < 0 && d.sameChange(o.Now, grown):
		why.Rule = RuleSameChange
		return Decision{Why: why}
	}
	d.openGroup(o.Now, grown)
	return Decision{Advance: true, Why: why}
}

// openGroup makes the counts that grew for an advance the change it
// stands for; with none, the last group stays.
func (d *Decider) openGroup(now time.Time, grown []int) {
	if len(grown) == 0 {
		return
	}
	g := changeGroup{start: now, grown: make([]bool, len(d.last))}
	for _, i := range grown {
		g.grown[i] = true
	}
	d.group = g
}

// sameChange reports whether counts that grew stand for the change the
// last advance stood for, reported late: the window has not passed and
// none of them grew for that change already. If so it adds them to it.
func (d *Decider) sameChange(now time.Time, grown []int) bool {
	g := &d.group
	if g.grown == nil || d.window < 0 {
		return false
	}
	if age := now.Sub(g.start); age < 0 || age > d.window {
		return false
	}
	for _, i := range grown {
		if i >= len(g.grown) || g.grown[i] {
			return false
		}
	}
	for _, i := range grown {
		g.grown[i] = true
	}
	return true
}

func (d *Decider) countNames(idx []int) string {
	var s []string
	for _, i := range idx {
		if i < len(d.names) {
			s = append(s, d.names[i])
		}
	}
	return strings.Join(s, ", ")
}
