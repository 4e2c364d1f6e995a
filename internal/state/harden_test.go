//go:build linux || netbsd || freebsd || openbsd || dragonfly || darwin

package state

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/safefs"
	"golang.org/x/sys/unix"
)

func readPage(t *testing.T, path string) header {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != Size {
		t.Fatalf("%s is %d bytes", path, len(b))
	}
	var h header
	for i := range h {
		h[i] = le64(b[8*i:])
	}
	return h
}

// TestLockFileNotTrusted: a lock file others can open
// is replaced, so that a user holding a flock on it cannot keep the
// daemon from starting; the new one is 0600.
func TestLockFileNotTrusted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	lp := LockPath(path)
	if err := os.WriteFile(lp, []byte("999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The attacker: any user may open a 0644 file read-only and flock it.
	f, err := os.Open(lp)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatalf("Create with a foreign flock on a 0644 lock file: %v", err)
	}
	defer w.Close()
	fi, err := os.Stat(lp)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file after Create: %v, %v; want mode 0600", fi, err)
	}
	if !slices.ContainsFunc(w.Repairs(), func(s string) bool { return strings.Contains(s, "replaced the lock file") }) {
		t.Errorf("Repairs %q do not say the lock file was replaced", w.Repairs())
	}
}

// TestLockHolderNamed: the "held by" message names the
// process that really holds the lock, not a PID left in the file.
func TestLockHolderNamed(t *testing.T) {
	if _, err := os.Stat("/proc/locks"); err != nil {
		t.Skip("needs /proc/locks (Linux) to name the holder")
	}
	w, path := newWriter(t)
	_ = w
	// A stale PID in the file, as a dead daemon's would be.
	if err := os.WriteFile(LockPath(path), []byte("999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Create(path, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Create: %v", err)
	}
	if want := "pid " + strconv.Itoa(os.Getpid()); !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "999999") {
		t.Errorf("error %q: want the real holder, %s", err, want)
	}
}

// TestStickyDirectoryRefused: a directory others can
// write to is refused even with the sticky bit (1777, like /tmp): they
// could take the names first.
func TestStickyDirectoryRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	_, err := Create(filepath.Join(dir, "state"), Options{})
	var ue *safefs.UnsafeDirError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "sticky or not") {
		t.Fatalf("Create in a 1777 directory: %v", err)
	}
}

// TestStaleTemporariesRemoved: temporaries a killed
// writer left (our name pattern only) are removed at start.
func TestStaleTemporariesRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	ours := []string{".state.tmp-0123456789ab", ".state.id.tmp-abcdef012345", ".state.forks.tmp-00ff00ff00ff"}
	others := []string{".other.tmp-0123456789ab", ".state.tmp-notours", "state.tmp-0123456789ab"}
	for _, n := range append(slices.Clone(ours), others...) {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, n := range ours {
		if _, err := os.Lstat(filepath.Join(dir, n)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", n, err)
		}
	}
	for _, n := range others {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s, not ours, removed: %v", n, err)
		}
	}
}

// TestFIFOsInStateDir: a FIFO at the state path,
// at the ID file or at the lock file hangs nothing: it is replaced, and a
// reader's Map refuses it at once.
func TestFIFOsInStateDir(t *testing.T) {
	for _, name := range []string{"state", "state.id", "state.lock"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "state")
			if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			if name == "state" {
				var nr *safefs.NotRegularError
				if _, err := Map(path); !errors.As(err, &nr) {
					t.Errorf("Map(FIFO) = %v, want a not-a-regular-file error", err)
				}
			}
			w, err := Create(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if err := w.Publish(sampleRecord()); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(filepath.Join(dir, name)); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("%s after Create and Publish: %v, %v", name, fi, err)
			}
		})
	}
}

// TestIDWithheld: by default the public state file
// carries the epoch, count and flags but not the ID nor its address; the
// root-only ID file holds them; a restart takes the ID from it.
func TestIDWithheld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := sampleRecord()
	if err := w.Publish(r); err != nil {
		t.Fatal(err)
	}
	pub, err := mustMap(t, path).Read()
	if err != nil {
		t.Fatal(err)
	}
	want := r
	want.Flags, want.ID, want.PAddr = FlagIDWithheld, genid.ID{}, 0
	if pub != want {
		t.Errorf("public record %+v, want %+v", pub, want)
	}
	if pub.IDKnown() {
		t.Error("public record says the ID is known")
	}
	priv, err := mustMap(t, IDPath(path)).Read()
	if err != nil || priv != r {
		t.Errorf("ID file record %+v, %v; want %+v", priv, err, r)
	}
	if fi, err := os.Stat(IDPath(path)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("ID file %v, %v; want mode 0600", fi, err)
	}
	w.Close()
	w2, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if last, ok := w2.Last(); !ok || last != r {
		t.Errorf("Last after restart %+v, %v; want %+v", last, ok, r)
	}
}

// tornPage returns the page a writer killed in the middle of publishing
// next over prev leaves: seq odd, the journal written, the ID stored but
// not the epoch.
func tornPage(prev, next Record) []byte {
	h := encode(prev, 11)
	j := encode(next, 12)
	h[wID0], h[wID1] = j[wID0], j[wID1]
	p := h.page()
	putLE64(p[OffJournal:], 11)
	for i, v := range j {
		putLE64(p[offJournalHead+8*i:], v)
	}
	return p
}

// TestTornRecordCompleted: a publish the writer died in
// is completed from the journal: readers saw the old epoch, now see the
// new one, and the next writer continues from it; the change is one
// advance. Before the journal the torn record was taken as it stood (old
// epoch, new ID), and the daemon, finding the same ID, never advanced.
func TestTornRecordCompleted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	prev := sampleRecord()
	next := prev
	next.Epoch++
	next.ID[0] ^= 0xff
	next.Changes++
	if err := os.WriteFile(path, tornPage(prev, next), 0o444); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path, publicID)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if last, ok := w.Last(); !ok || last != next {
		t.Errorf("Last = %+v, %v; want the completed %+v", last, ok, next)
	}
	h := readPage(t, path)
	if r, seq, err := h.decode(true); err != nil || r != next || seq != 12 {
		t.Errorf("file after Create: %+v seq %d, %v; want %+v seq 12", r, seq, err, next)
	}
}

// TestDiedBetweenFiles: a writer killed after the ID
// file got the new record but before the public file did leaves a change
// the next writer completes, not one it counts again.
func TestDiedBetweenFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	prev := sampleRecord()
	if err := w.Publish(prev); err != nil {
		t.Fatal(err)
	}
	next := prev
	next.Epoch++
	next.ID[0] ^= 0xff
	w.mu.Lock()
	w.priv.store(next) // the kill comes before the public store
	w.mu.Unlock()
	w.Close()
	w2, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if last, ok := w2.Last(); !ok || last != next {
		t.Errorf("Last = %+v, %v; want %+v", last, ok, next)
	}
	if got := mustMap(t, path).Epoch(); got != next.Epoch {
		t.Errorf("public epoch %d, want %d (completed)", got, next.Epoch)
	}
}

// TestExistingFilesRepaired: whatever the files hold,
// Create succeeds, keeps the epoch when the record is readable, makes the
// next Publish work, and says what it repaired.
func TestExistingFilesRepaired(t *testing.T) {
	reserved := func(t *testing.T, dir string) {
		r := sampleRecord()
		h := encode(r, 0)
		h[wVF] |= uint64(0x3|0x80) << 32
		os.WriteFile(filepath.Join(dir, "state"), h.page(), 0o444)
	}
	tests := []struct {
		name      string
		setup     func(t *testing.T, dir string)
		keepEpoch bool
		note      string
	}{
		{"reserved flag bits", reserved, true, "reserved flag bits"},
		{"garbage", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "state"), []byte(strings.Repeat("x", Size)), 0o444)
		}, false, "magic"},
		{"huge", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "state"), make([]byte, 3*Size), 0o444)
		}, false, "bytes, not a state file"},
		{"odd seq", func(t *testing.T, dir string) {
			h := encode(sampleRecord(), 5)
			os.WriteFile(filepath.Join(dir, "state"), h.page(), 0o444)
		}, true, "died mid-update"},
		{"hard link to another file", func(t *testing.T, dir string) {
			other := filepath.Join(dir, "other")
			h := encode(sampleRecord(), 0)
			os.WriteFile(other, h.page(), 0o644)
			if err := os.Link(other, filepath.Join(dir, "state")); err != nil {
				t.Skip(err)
			}
		}, true, "links"},
		{"directory readers cannot enter", func(t *testing.T, dir string) {
			reserved(t, dir)
			os.Chmod(dir, 0o700)
		}, true, "readers cannot enter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			os.Mkdir(dir, 0o755)
			tt.setup(t, dir)
			var otherBefore []byte
			if b, err := os.ReadFile(filepath.Join(dir, "other")); err == nil {
				otherBefore = b
			}
			path := filepath.Join(dir, "state")
			w, err := Create(path, Options{})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			defer w.Close()
			last, ok := w.Last()
			if tt.keepEpoch && (!ok || last.Epoch != sampleRecord().Epoch) {
				t.Errorf("Last = %+v, %v; want epoch %d kept", last, ok, sampleRecord().Epoch)
			}
			if !tt.keepEpoch && ok {
				t.Errorf("Last = %+v from an unreadable file", last)
			}
			if !slices.ContainsFunc(w.Repairs(), func(s string) bool { return strings.Contains(s, tt.note) }) {
				t.Errorf("Repairs %q do not mention %q", w.Repairs(), tt.note)
			}
			r := last
			r.Epoch = NextEpoch(last.Epoch)
			if err := w.Publish(r); err != nil {
				t.Fatalf("Publish after repair: %v", err)
			}
			if got := mustMap(t, path).Epoch(); got != r.Epoch {
				t.Errorf("published epoch %d, want %d", got, r.Epoch)
			}
			if otherBefore != nil {
				if b, _ := os.ReadFile(filepath.Join(dir, "other")); string(b) != string(otherBefore) {
					t.Error("the hard-linked file was written")
				}
			}
			if fi, _ := os.Stat(dir); fi.Mode().Perm()&0o055 != 0o055 {
				t.Errorf("directory mode %v: readers cannot enter", fi.Mode().Perm())
			}
		})
	}
}

// TestEmptyStatePath: an empty path is refused instead
// of creating ".lock" in the working directory.
func TestEmptyStatePath(t *testing.T) {
	t.Chdir(t.TempDir())
	if _, err := Create("", Options{}); err == nil {
		t.Fatal("Create(\"\") succeeded")
	}
	if _, err := os.Lstat(".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".lock created in the working directory: %v", err)
	}
}

// TestImmutableStateFile: an immutable state file is
// reported as such, not as a failed chmod.
func TestImmutableStateFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for chattr +i")
	}
	if _, err := exec.LookPath("chattr"); err != nil {
		t.Skip("needs chattr")
	}
	path := filepath.Join(t.TempDir(), "state")
	h := encode(sampleRecord(), 0)
	if err := os.WriteFile(path, h.page(), 0o444); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("chattr +i (the file system may not support it): %v %s", err, out)
	}
	defer exec.Command("chattr", "-i", path).Run()
	_, err := Create(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "immutable") || strings.Contains(err.Error(), "chmod") {
		t.Errorf("Create over an immutable file: %v, want an error saying it may be immutable", err)
	}
}
