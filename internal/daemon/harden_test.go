package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/detect"
	"github.com/vmgenid/vmgenid/internal/safefs"
	"github.com/vmgenid/vmgenid/internal/state"
)

// TestForksFileNotFollowed: the forks note is
// read like every file of the state directory: a link (here to a file
// only root may read) is not followed, a FIFO is not waited on, a huge
// file is not read whole.
func TestForksFileNotFollowed(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte(`{"epoch":1,"kernel_forks":7}`), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.forks")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.forks")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.forks")
	if err := os.WriteFile(huge, make([]byte, maxForksFile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{link, fifo} {
		var nr *safefs.NotRegularError
		if r, ok, err := readForks(path); ok || !errors.As(err, &nr) {
			t.Errorf("readForks(%s) = %+v, %v, %v; want a not-a-regular-file error", filepath.Base(path), r, ok, err)
		}
	}
	var tb *safefs.TooBigError
	if _, ok, err := readForks(huge); ok || !errors.As(err, &tb) {
		t.Errorf("readForks(huge) = %v, %v; want a too-big error", ok, err)
	}
}

// TestZeroIDIsUnknown: an ID of all zeros (a page not
// populated) is no ID: the daemon runs on its change counts, ID unknown.
func TestZeroIDIsUnknown(t *testing.T) {
	f := newFixture(t, genid.ID{})
	log := &logBuf{}
	cfg := f.config(0, &recordingMixer{}, log)
	cfg.Detectors = []detect.Detector{noForks{}}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if st := d.Status(); st.IDMode || st.Record.IDKnown() {
		t.Errorf("Status = %+v: an all-zero ID taken as the ID", st)
	}
	if !strings.Contains(log.String(), "all zeros") {
		t.Errorf("log does not say why the ID is unknown:\n%s", log)
	}
}

// deniedMixer mixes but may not reseed, as for a daemon that is not root.
type deniedMixer struct{ recordingMixer }

func (*deniedMixer) Reseed() error { return fmt.Errorf("RNDRESEEDCRNG: %w", ErrNotPermitted) }

// TestReseedDeniedSaidOnce: a daemon that may not ask
// the kernel to reseed says so without -v, once.
func TestReseedDeniedSaidOnce(t *testing.T) {
	f := newFixture(t, testID(1))
	log := &logBuf{}
	cfg := f.config(time.Hour, &deniedMixer{}, log)
	cfg.Debugf = nil // not -v
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := byte(2); i <= 3; i++ {
		f.writeID(t, testID(i))
		if err := d.Check("test"); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(log.String(), "cannot ask the kernel to reseed"); n != 1 {
		t.Errorf("the refused reseed is said %d times, want once:\n%s", n, log)
	}
}

// TestLogWithoutID: without LogID (vmgenid daemon
// without -v) no log line shows the ID, also when a restart finds it
// changed.
func TestLogWithoutID(t *testing.T) {
	f := newFixture(t, testID(1))
	log := &logBuf{}
	cfg := f.config(time.Hour, &recordingMixer{}, log)
	cfg.LogID = false
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.writeID(t, testID(2))
	if err := d.Check("test"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	f.writeID(t, testID(3))
	d, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	for i := byte(1); i <= 3; i++ {
		if strings.Contains(log.String(), testID(i).String()) {
			t.Errorf("the log shows ID %d:\n%s", i, log)
		}
	}
	if !strings.Contains(log.String(), "cloned (epoch 2") {
		t.Errorf("log lacks the change:\n%s", log)
	}
}

// TestDaemonStartsOverReservedFlags: a valid state file
// with reserved flag bits set made every start fail ("refusing to publish
// flags 0x3"), a restart loop under Restart=always; now the daemon starts,
// keeps the epoch and says what it repaired.
func TestDaemonStartsOverReservedFlags(t *testing.T) {
	f := newFixture(t, testID(1))
	log := &logBuf{}
	cfg := f.config(time.Hour, &recordingMixer{}, log)
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	// Set reserved bits in both files, as another writer might have.
	for _, p := range []string{f.statePath, state.IDPath(f.statePath)} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[state.OffFlags] |= 0x3 | 0x80
		os.Chmod(p, 0o600)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d, err = New(cfg)
	if err != nil {
		t.Fatalf("restart over reserved flags: %v", err)
	}
	defer d.Close()
	if st := d.Status(); st.Record.Epoch != 1 || !st.Record.IDKnown() {
		t.Errorf("after the restart: %+v, want epoch 1 kept, ID known", st.Record)
	}
	if !strings.Contains(log.String(), "repaired: cleared reserved flag bits") {
		t.Errorf("the log does not say what was repaired:\n%s", log)
	}
}

// TestRestartWithIDWithheld: with the ID withheld from
// the public state file (the default), a restart still compares IDs,
// from the root-only ID file: same ID, no advance; a new ID, one.
func TestRestartWithIDWithheld(t *testing.T) {
	f := newFixture(t, testID(1))
	log := &logBuf{}
	cfg := f.config(time.Hour, &recordingMixer{}, log)
	cfg.PublicID = false
	epoch := func() uint64 {
		m := mapState(t, f.statePath)
		r, err := m.Read()
		if err != nil {
			t.Fatal(err)
		}
		if r.IDKnown() || r.ID != (genid.ID{}) || r.Flags&state.FlagIDWithheld == 0 {
			t.Errorf("public record %+v shows the ID", r)
		}
		return r.Epoch
	}
	for i, tc := range []struct {
		id   byte
		want uint64
	}{{1, 1}, {1, 1}, {2, 2}, {2, 2}} {
		f.writeID(t, testID(tc.id))
		d, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
		if e := epoch(); e != tc.want {
			t.Errorf("start %d with ID %d: epoch %d, want %d", i+1, tc.id, e, tc.want)
		}
	}
}
