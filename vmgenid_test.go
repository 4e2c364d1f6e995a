package vmgenid

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/epochword"
	"github.com/vmgenid/vmgenid/internal/events"
	"github.com/vmgenid/vmgenid/internal/state"
)

// useTempPaths points the package's default state file into a temporary
// directory for one test, forgetting any mapping made before.
func useTempPaths(t testing.TB) (statePth, socketPth string) {
	t.Helper()
	dir := t.TempDir()
	old := defaultFile
	defaultFile = newDefaultFile(filepath.Join(dir, "state"), filepath.Join(dir, "events.sock"))
	t.Cleanup(func() {
		defaultFile.Close()
		defaultFile = old
		atomic.StorePointer(epochword.Slot(), epochword.FallbackWord())
	})
	return defaultFile.path, defaultFile.socket
}

// newWriter plays the daemon's part: it owns the state file at path.
func newWriter(t testing.TB, path string) *state.Writer {
	t.Helper()
	w, err := state.Create(path, state.Options{PublicID: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

var testID = genid.ID{0xdd, 0xcc, 0xbb, 0xaa, 0xff, 0xee, 0x11, 0x00, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99}

func record(epoch uint64) state.Record {
	return state.Record{Flags: state.FlagIDKnown, Epoch: epoch, ID: testID, PAddr: 0xfff_f028, Changes: epoch - 1, LastChange: int64(epoch) * 1e9}
}

func publish(t testing.TB, w *state.Writer, epoch uint64) {
	t.Helper()
	if err := w.Publish(record(epoch)); err != nil {
		t.Fatal(err)
	}
}

func TestNoState(t *testing.T) {
	path, _ := useTempPaths(t)
	if e := Epoch(); e != 0 {
		t.Fatalf("Epoch without a state file = %d, want 0", e)
	}
	if _, err := Current(); !errors.Is(err, ErrNoState) {
		t.Errorf("Current without a state file: %v, want ErrNoState", err)
	}
	if _, err := Open(path); !errors.Is(err, ErrNoState) {
		t.Errorf("Open of a missing file: %v, want ErrNoState", err)
	}

	// Once the daemon publishes, Epoch picks the file up by itself
	// (after its retry interval).
	w := newWriter(t, path)
	publish(t, w, 5)
	deadline := time.Now().Add(10 * time.Second)
	for Epoch() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Epoch never mapped the state file published after the first call")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if e := Epoch(); e != 5 {
		t.Errorf("Epoch = %d, want 5", e)
	}
}

func TestEpochAndCurrent(t *testing.T) {
	path, _ := useTempPaths(t)
	w := newWriter(t, path)
	publish(t, w, 1)
	if e := Epoch(); e != 1 {
		t.Fatalf("Epoch = %d, want 1", e)
	}
	publish(t, w, 2)
	if e := Epoch(); e != 2 {
		t.Fatalf("Epoch after a change = %d, want 2", e)
	}
	st, err := Current()
	if err != nil {
		t.Fatal(err)
	}
	want := State{Epoch: 2, ID: testID, IDKnown: true, PAddr: 0xfff_f028, Changes: 1, LastChange: time.Unix(2, 0)}
	if !st.LastChange.Equal(want.LastChange) {
		t.Errorf("LastChange = %v, want %v", st.LastChange, want.LastChange)
	}
	st.LastChange, want.LastChange = time.Time{}, time.Time{}
	if st != want {
		t.Errorf("Current = %+v, want %+v", st, want)
	}

	// Unknown ID: the ID field is not passed on, and no change time is
	// a zero time.
	if err := w.Publish(state.Record{Epoch: 3, ID: testID}); err != nil {
		t.Fatal(err)
	}
	st, err = Current()
	if err != nil {
		t.Fatal(err)
	}
	if st.IDKnown || !st.ID.IsZero() || !st.LastChange.IsZero() {
		t.Errorf("Current with unknown ID = %+v", st)
	}
}

// TestIDWithheld: a state file whose daemon withholds the ID (its
// default) reports the ID as unknown and withheld, not as zeros.
func TestIDWithheld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	w, err := state.Create(path, state.Options{}) // not --public-id
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	publish(t, w, 4)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Current()
	if err != nil {
		t.Fatal(err)
	}
	if st.IDKnown || !st.IDWithheld || !st.ID.IsZero() || st.Epoch != 4 {
		t.Errorf("Current of a file with the ID withheld = %+v; want the ID unknown and withheld", st)
	}

	// Both flags set (no daemon writes that): the zeros are still not
	// an ID.
	page := make([]byte, state.Size)
	copy(page, state.Magic)
	binary.LittleEndian.PutUint32(page[state.OffVersion:], state.Version)
	binary.LittleEndian.PutUint32(page[state.OffFlags:], state.FlagIDKnown|state.FlagIDWithheld)
	binary.LittleEndian.PutUint64(page[state.OffEpoch:], 7)
	both := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(both, page, 0o444); err != nil {
		t.Fatal(err)
	}
	g, err := Open(both)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if st, err := g.Current(); err != nil || st.IDKnown || !st.IDWithheld {
		t.Errorf("Current with flags known|withheld = %+v, %v; want the ID unknown and withheld", st, err)
	}
}

// TestRestartKeepsEpochLive: a program that mapped the file keeps seeing
// the epoch move after the daemon restarts.
func TestRestartKeepsEpochLive(t *testing.T) {
	path, _ := useTempPaths(t)
	w := newWriter(t, path)
	publish(t, w, 7)
	if e := Epoch(); e != 7 {
		t.Fatalf("Epoch = %d", e)
	}
	w.Close()
	w2 := newWriter(t, path)
	last, ok := w2.Last()
	if !ok || last.Epoch != 7 {
		t.Fatalf("restarted writer Last = %+v, %v", last, ok)
	}
	publish(t, w2, state.NextEpoch(last.Epoch))
	if e := Epoch(); e != 8 {
		t.Errorf("Epoch after restart and change = %d, want 8", e)
	}
}

// TestCurrentRemaps: a state file deleted and re-created is found again by
// Current, and Epoch follows.
func TestCurrentRemaps(t *testing.T) {
	path, _ := useTempPaths(t)
	w := newWriter(t, path)
	publish(t, w, 3)
	if Epoch() != 3 {
		t.Fatal("Epoch did not map the file")
	}
	w.Close()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	w2 := newWriter(t, path)
	publish(t, w2, 1)
	if e := Epoch(); e != 3 {
		t.Fatalf("Epoch before any Current = %d, want the old mapping's 3", e)
	}
	st, err := Current()
	if err != nil || st.Epoch != 1 {
		t.Fatalf("Current = %+v, %v; want epoch 1 from the new file", st, err)
	}
	if e := Epoch(); e != 1 {
		t.Errorf("Epoch after Current remapped = %d, want 1", e)
	}
}

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	w := newWriter(t, path)
	publish(t, w, 9)
	p, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if e := p.Epoch(); e != 9 {
		t.Errorf("Published.Epoch = %d, want 9", e)
	}
	publish(t, w, 10)
	st, err := p.Current()
	if err != nil || st.Epoch != 10 || st.ID != testID {
		t.Errorf("Published.Current = %+v, %v", st, err)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, make([]byte, state.Size), 0o444)
	if _, err := Open(bad); !errors.Is(err, ErrNoState) {
		t.Errorf("Open of an invalid file: %v, want ErrNoState", err)
	}
}

// receive waits for the next State; the bound only keeps a broken test
// from hanging.
func receive(t *testing.T, ch <-chan State) State {
	t.Helper()
	select {
	case st, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed early")
		}
		return st
	case <-time.After(10 * time.Second):
		t.Fatal("no state from Watch")
	}
	return State{}
}

// slowPolling makes Watch's polling too slow to deliver anything within a
// test, so that whatever arrives came through the event socket.
func slowPolling(t *testing.T) {
	old := pollInterval
	pollInterval = time.Hour
	t.Cleanup(func() { pollInterval = old })
}

// waitClients waits until srv has n clients.
func waitClients(t *testing.T, srv *events.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Clients() != n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := srv.Clients(); got != n {
		t.Fatalf("the event server has %d clients, want %d", got, n)
	}
}

func TestWatch(t *testing.T) {
	for _, withSocket := range []bool{true, false} {
		name := "polling"
		if withSocket {
			name = "socket"
		}
		t.Run(name, func(t *testing.T) {
			path, sock := useTempPaths(t)
			w := newWriter(t, path)
			publish(t, w, 1)
			var srv *events.Server
			if withSocket {
				// Only events can deliver the changes: a broken
				// event path fails the test instead of being
				// covered by polling.
				slowPolling(t)
				var err error
				if srv, err = events.Listen(sock, events.Options{}); err != nil {
					t.Fatal(err)
				}
				defer srv.Close()
			}
			ctx, cancel := context.WithCancel(t.Context())
			ch := Watch(ctx)
			if st := receive(t, ch); st.Epoch != 1 {
				t.Fatalf("first state has epoch %d, want the current 1", st.Epoch)
			}
			if withSocket {
				waitClients(t, srv, 1)
			}
			for e := uint64(2); e <= 4; e++ {
				publish(t, w, e)
				if srv != nil {
					srv.Broadcast(events.Event{Epoch: e, ID: testID, IDKnown: true, Reason: "test", Time: time.Now()})
				}
				if st := receive(t, ch); st.Epoch != e || st.ID != testID {
					t.Fatalf("state after change = %+v, want epoch %d", st, e)
				}
			}
			cancel()
			for range ch {
				// drain until Watch closes the channel
			}
			if srv != nil {
				waitClients(t, srv, 0)
			}
		})
	}
}

// TestWatchWaitsForFirstPublish: Watch started before the daemon has
// published anything delivers the first publication.
func TestWatchWaitsForFirstPublish(t *testing.T) {
	path, _ := useTempPaths(t)
	ch := Watch(t.Context())
	select {
	case st := <-ch:
		t.Fatalf("Watch sent %+v before anything was published", st)
	case <-time.After(3 * pollInterval):
	}
	publish(t, newWriter(t, path), 5)
	if st := receive(t, ch); st.Epoch != 5 {
		t.Fatalf("first state has epoch %d, want the published 5", st.Epoch)
	}
}

// TestStateFileWatch: a StateFile at a path of the caller's choice is
// watched through its own socket.
func TestStateFileWatch(t *testing.T) {
	slowPolling(t)
	dir := t.TempDir()
	path, sock := filepath.Join(dir, "state"), filepath.Join(dir, "other.sock")
	w := newWriter(t, path)
	publish(t, w, 1)
	srv, err := events.Listen(sock, events.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	f := NewStateFile(path, sock)
	defer f.Close()
	var problems []error
	ch := f.Watch(t.Context(), func(err error) { problems = append(problems, err) })
	if st := receive(t, ch); st.Epoch != 1 {
		t.Fatalf("first state has epoch %d, want 1", st.Epoch)
	}
	waitClients(t, srv, 1)
	publish(t, w, 2)
	srv.Broadcast(events.Event{Epoch: 2, Reason: "test", Time: time.Now()})
	if st := receive(t, ch); st.Epoch != 2 {
		t.Fatalf("state after change has epoch %d, want 2", st.Epoch)
	}
	if f.Epoch() != 2 {
		t.Errorf("StateFile.Epoch = %d, want 2", f.Epoch())
	}
}

// TestWatchCoalesces: a receiver that does not read while several changes
// happen gets the latest state, not a backlog.
func TestWatchCoalesces(t *testing.T) {
	path, _ := useTempPaths(t)
	w := newWriter(t, path)
	publish(t, w, 1)
	ctx, cancel := context.WithCancel(t.Context())
	ch := Watch(ctx)
	defer func() {
		cancel()
		for range ch {
			// Watch has stopped once it closes the channel.
		}
	}()
	receive(t, ch)
	for e := uint64(2); e <= 20; e++ {
		publish(t, w, e)
	}
	var got []uint64
	for {
		st := receive(t, ch)
		got = append(got, st.Epoch)
		if st.Epoch == 20 {
			break
		}
	}
	if len(got) > 2 {
		t.Errorf("received %v, want at most a stale state and then the latest", got)
	}
}

// TestOpenFIFO: a FIFO at the state path is refused at once; opening it
// for reading would block until a writer came.
func TestOpenFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "state")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		f, err := Open(fifo)
		if err == nil {
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNoState) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Open(FIFO) = %v; want ErrNoState saying it is not a regular file", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open(FIFO) blocked")
	}
}
