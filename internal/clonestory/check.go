package clonestory

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vmgenid/vmgenid/genid"
)

// Check judges a result against what must hold, and returns every failure
// (none when all holds).
func (r *Result) Check() []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	b := r.Boot
	if b.HostID != b.GUID {
		fail("source: the engine reports generation ID %s, it was given %s", b.HostID.GUID(), b.GUID.GUID())
	}
	if b.GuestUUID != b.HostID {
		fail("source: vmgenid id --uuid in the guest says %s, the engine says %s", b.GuestUUID.GUID(), b.HostID.GUID())
	}
	if b.SysctlPAddr != b.ACPIPAddr {
		fail("source: vmgenid sysctl says paddr %#x, the SSDT's VGIA + 0x28 is %#x", b.SysctlPAddr, b.ACPIPAddr)
	}
	if b.MemoryID != b.GUID {
		fail("source: guest memory at paddr %#x holds %s (read by the engine), want the guid %s", b.SysctlPAddr, b.MemoryID.GUID(), b.GUID.GUID())
	}
	if b.Epoch == 0 {
		fail("source: the daemon published epoch 0")
	}
	if !b.DaemonWithheld && (!b.DaemonKnown || b.DaemonID != b.GUID) {
		fail("source: the daemon published ID %s (known: %v), want %s", b.DaemonID.GUID(), b.DaemonKnown, b.GUID.GUID())
	}
	if !b.Protected {
		fail("source: clonesafe says clone detection is inactive in the guest")
	}

	seen := map[genid.ID]string{b.GUID: "the source"}
	for _, c := range r.Clones {
		who := "clone " + c.Name
		if other, dup := seen[c.GUID]; dup {
			fail("%s: generation ID %s is the same as %s's", who, c.GUID.GUID(), other)
		}
		seen[c.GUID] = who
		if c.HostID != c.GUID {
			fail("%s: the engine reports generation ID %s, it gave the clone %s", who, c.HostID.GUID(), c.GUID.GUID())
		}
		if c.GuestUUID != c.GUID {
			fail("%s: vmgenid id --uuid says %s, want its guid %s", who, c.GuestUUID.GUID(), c.GUID.GUID())
		}
		if !c.IDWithheld && (!c.IDKnown || c.PublishedID != c.GUID) {
			fail("%s: the daemon published ID %s (known: %v), want %s", who, c.PublishedID.GUID(), c.IDKnown, c.GUID.GUID())
		}
		if c.EpochBefore != b.Epoch {
			fail("%s: the guest's last epoch before the change was %d, the source published %d", who, c.EpochBefore, b.Epoch)
		}
		if c.EpochAfter != b.Epoch+1 {
			fail("%s: epoch went %d → %d, want exactly one step to %d", who, b.Epoch, c.EpochAfter, b.Epoch+1)
		}
		if c.Settled != c.EpochAfter {
			fail("%s: the epoch moved again, to %d, without a new change", who, c.Settled)
		}
		if !c.ForkLine {
			fail("%s: the guest kernel logged no \"virtual machine fork\" line", who)
		}
		if len(c.Clonesafe) == 0 || len(c.Control) == 0 {
			fail("%s: no numbers drawn", who)
		}
		for _, n := range c.Notes {
			fail("%s: %s", who, n)
		}
	}
	for i := range r.Clones {
		for j := i + 1; j < len(r.Clones); j++ {
			a, c := r.Clones[i], r.Clones[j]
			for _, v := range a.Clonesafe {
				if slices.Contains(c.Clonesafe, v) {
					fail("clonesafe gave %016x in both clone %s and clone %s", v, a.Name, c.Name)
				}
			}
			if !slices.Equal(a.Control, c.Control) {
				fail("the plain ChaCha8 control differs between clone %s (%s) and clone %s (%s): they are not clones of one VM",
					a.Name, short(a.Control), c.Name, short(c.Control))
			}
		}
	}
	if len(r.Clones) < 2 {
		fail("%d clones: the comparison needs at least 2", len(r.Clones))
	}
	if r.Revert != nil {
		r.Revert.check(r.Clones, fail)
	}
	return errs
}

// clonesafeShared reports whether two clones drew a common clonesafe value.
func clonesafeShared(clones []Clone) bool {
	for i := range clones {
		for j := i + 1; j < len(clones); j++ {
			for _, v := range clones[i].Clonesafe {
				if slices.Contains(clones[j].Clonesafe, v) {
					return true
				}
			}
		}
	}
	return false
}

// Delays formats the measured delays, one line per clone: from the kernel's
// VM-fork log line (guest clock) and from the engine's resume (host clock:
// the resume request sent to the guest's console line read) to the daemon publishing the new
// epoch and to the guest program seeing it.
func (r *Result) Delays() []string {
	var lines []string
	for _, c := range r.Clones {
		fork := "no kernel fork line"
		if c.ForkLine {
			fork = fmt.Sprintf("kernel fork line → epoch published %s (program saw it at %s)", ms(c.ForkToPublish), ms(c.ForkToObserve))
		}
		lines = append(lines, fmt.Sprintf("clone %s: %s; resume → epoch published %s (program saw it at %s)",
			c.Name, fork, ms(c.ResumeToObserve-c.PublishToObserve), ms(c.ResumeToObserve)))
	}
	return lines
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// short shows the first numbers of a draw.
func short(v []uint64) string {
	var parts []string
	for i, n := range v {
		if i == 2 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%016x", n))
	}
	return strings.Join(parts, " ")
}

// Story tells the result in words, ending with the verdict of Check.
func (r *Result) Story(w io.Writer) {
	b := r.Boot
	fmt.Fprintf(w, "\nThe source VM (%s, Linux %s) booted with generation ID %s.\n", r.Host, b.Kernel, b.GUID.GUID())
	fmt.Fprintf(w, "  In the guest, vmgenid id --uuid says %s; the ID sits at paddr %#x, where the ACPI tables put it.\n", b.GuestUUID.GUID(), b.SysctlPAddr)
	fmt.Fprintf(w, "  The vmgenid daemon published entropy epoch %d; a program drew from clonesafe and from a plain\n", b.Epoch)
	fmt.Fprintf(w, "  math/rand/v2 ChaCha8 seeded at boot, then waited. The VM was saved while running (%d MB, %v)\n",
		r.SaveBytes/1e6, r.SaveTime.Round(10*time.Millisecond))
	fmt.Fprintf(w, "  and restored %d times, each clone with a new generation ID:\n\n", len(r.Clones))
	for _, c := range r.Clones {
		fmt.Fprintf(w, "  clone %s: generation ID %s, epoch %d → %d, clonesafe %s\n", c.Name, c.GuestUUID.GUID(), c.EpochBefore, c.EpochAfter, short(c.Clonesafe))
	}
	if len(r.Clones) > 1 {
		same := true
		for _, c := range r.Clones[1:] {
			same = same && slices.Equal(c.Control, r.Clones[0].Control)
		}
		fmt.Fprintln(w)
		if same {
			fmt.Fprintf(w, "  plain math/rand: identical in every clone (%s) — this is the bug clonesafe fixes.\n", short(r.Clones[0].Control))
		} else {
			fmt.Fprintf(w, "  plain math/rand: differs between clones (unexpected: they should be identical copies).\n")
		}
		if clonesafeShared(r.Clones) {
			fmt.Fprintf(w, "  clonesafe: repeated output across clones — see the failed checks below.\n")
		} else {
			fmt.Fprintf(w, "  clonesafe: different in every clone — each reseeded when the epoch moved.\n")
		}
	}
	if r.Revert != nil {
		fmt.Fprintf(w, "\n%s", r.Revert.story())
	}
	fmt.Fprintf(w, "\nDelays until the epoch moved (fork line: guest clock; resume: host clock):\n")
	for _, l := range r.Delays() {
		fmt.Fprintf(w, "  %s\n", l)
	}
	fmt.Fprintf(w, "\nWhole cycle: %v (guest ready %v after the engine started it).\n", r.Total.Round(100*time.Millisecond), b.Ready.Round(100*time.Millisecond))
	if errs := r.Check(); len(errs) > 0 {
		fmt.Fprintf(w, "\n%d check(s) FAILED:\n", len(errs))
		for _, e := range errs {
			fmt.Fprintf(w, "  - %v\n", e)
		}
	} else {
		fmt.Fprintf(w, "All checks passed.\n")
	}
}
