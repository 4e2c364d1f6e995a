package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid"
	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/daemon"
	"github.com/vmgenid/vmgenid/internal/events"
	"github.com/vmgenid/vmgenid/internal/state"
	"github.com/vmgenid/vmgenid/internal/vmclock"
)

// lockedBuffer is an io.Writer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// daemonFixture is QEMU q35's tables (testdata/tables/qemu-q35, ID at
// 0x0FFFF028) over a sparse memory file.
type daemonFixture struct {
	dir, mem string
	env      *cmdEnv
	stderr   *lockedBuffer
	opts     daemonOptions
}

func newDaemonFixture(t testing.TB) *daemonFixture {
	dir := t.TempDir()
	f := &daemonFixture{dir: dir, mem: filepath.Join(dir, "mem"), stderr: &lockedBuffer{}}
	m, err := os.Create(f.mem)
	if err != nil {
		t.Fatal(err)
	}
	m.Truncate(0x10000000)
	m.Close()
	f.setID(t, 1)
	f.env = &cmdEnv{
		global: globalFlags{acpiTables: "testdata/tables/qemu-q35", mem: f.mem},
		stdout: &lockedBuffer{},
		stderr: f.stderr,
	}
	f.opts = daemonOptions{
		statePath:  filepath.Join(dir, "run", "state"),
		socketPath: filepath.Join(dir, "sock"),
		publicID:   true, // the tests read the ID from the state file
		// The host's counters and logs stay out of the test.
		detect: daemon.DetectOptions{Poll: 5 * time.Millisecond, GPE: "off"},
	}
	return f
}

func (f *daemonFixture) setID(t testing.TB, n byte) genid.ID {
	t.Helper()
	var id genid.ID
	for i := range id {
		id[i] = n
	}
	m, err := os.OpenFile(f.mem, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.WriteAt(id[:], 0x0FFFF028); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDaemonAndWatchExec(t *testing.T) {
	f := newDaemonFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	daemonDone := make(chan error, 1)
	go func() { daemonDone <- runDaemon(ctx, f.env, f.opts) }()

	// Wait for the first publish and the socket.
	var m *state.Mapping
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		if m, err = state.Map(f.opts.statePath); err == nil {
			if c, err := events.Dial(ctx, f.opts.socketPath); err == nil {
				c.Close()
				break
			}
			m.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not start: %s", f.stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	defer m.Close()
	if e := m.Epoch(); e != 1 {
		t.Fatalf("first epoch %d, want 1", e)
	}

	out := filepath.Join(f.dir, "hook.out")
	wctx, wcancel := context.WithCancel(ctx)
	watchEnv := &cmdEnv{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	watchDone := make(chan error, 1)
	go func() {
		watchDone <- runWatch(wctx, watchEnv, watchOptions{
			statePath:  f.opts.statePath,
			socketPath: f.opts.socketPath,
			exec:       `echo "$VMGENID_EPOCH $VMGENID_ID" >> ` + out,
		})
	}()
	// The watcher connects at some point; keep changing the ID until the
	// hook has run.
	var last genid.ID
	for n := byte(2); ; n++ {
		last = f.setID(t, n)
		time.Sleep(50 * time.Millisecond)
		if b, _ := os.ReadFile(out); len(b) > 0 {
			break
		}
		if time.Now().After(deadline) || n == 200 {
			t.Fatalf("the --exec hook never ran; daemon log:\n%s\nwatch stderr:\n%s", f.stderr, watchEnv.stderr)
		}
	}
	// The daemon publishes the last ID written (on a loaded machine the
	// hook may have run for an earlier one before it did).
	for {
		rec, err := m.Read()
		if err != nil {
			t.Fatal(err)
		}
		if rec.ID == last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("published ID %s, want %s", rec.ID, last)
		}
		time.Sleep(5 * time.Millisecond)
	}
	b, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var epoch uint64
	var idHex string
	for _, l := range lines {
		if _, err := fmt.Sscan(l, &epoch, &idHex); err != nil {
			t.Fatalf("hook line %q: %v", l, err)
		}
		id, err := genid.ParseHex(idHex)
		if err != nil || id != (genid.ID{id[0], id[0], id[0], id[0], id[0], id[0], id[0], id[0], id[0], id[0], id[0], id[0], id[0], id[0], id[0], id[0]}) || epoch < 2 || epoch > uint64(id[0]) {
			// The n-th ID written is all bytes n; each change advances
			// the epoch at most once, so the epoch never passes n.
			t.Errorf("hook line %q: want an ID of bytes n and an epoch from 2 to n", l)
		}
	}
	wcancel()
	if err := <-watchDone; err != nil {
		t.Errorf("watch = %v", err)
	}
	cancel()
	if err := <-daemonDone; err != nil {
		t.Errorf("daemon = %v", err)
	}
	// Without -v the log says "cloned" but never shows the ID, which is
	// root's.
	if log := f.stderr.String(); !strings.Contains(log, "acpivmgenid0: cloned (epoch") || strings.Contains(log, last.String()) {
		t.Errorf("daemon log: want the cloned line without the ID %s:\n%s", last, log)
	}
}

func TestDaemonNothingCanWork(t *testing.T) {
	f := newDaemonFixture(t)
	f.env.global.mem = filepath.Join(f.dir, "no-such-mem")
	f.opts.detect.GED = false
	err := runDaemon(context.Background(), f.env, f.opts)
	if err == nil || !strings.Contains(err.Error(), "no way to detect a change") {
		t.Errorf("runDaemon with no readable ID and no detector = %v", err)
	}
}

// writeVMClockPage writes a VMClock page image with the given generation
// counter (seq_count even, as the hypervisor leaves it).
func writeVMClockPage(t *testing.T, path string, counter uint64, seq uint32) {
	t.Helper()
	page := make([]byte, 4096)
	err := vmclock.Encode(page, vmclock.Page{
		Size: 4096, Version: vmclock.Version, CounterID: vmclock.CounterInvalid, SeqCount: seq,
		Flags: vmclock.FlagVMGenCounterPresent, VMGenerationCounter: counter,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Rename into place: the detector never sees a half-written page.
	if err := os.WriteFile(path+".new", page, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// --vmclock PATH points the daemon at a page file. Without a readable ID
// or a kernel log, the VMClock counter decides: one advance per change.
func TestDaemonVMClockPath(t *testing.T) {
	f := newDaemonFixture(t)
	f.env.global.mem = filepath.Join(f.dir, "no-such-mem")
	f.opts.detect.GED = false
	f.opts.detect.VMClock = filepath.Join(f.dir, "vmclock0")
	writeVMClockPage(t, f.opts.detect.VMClock, 3, 2)
	started := make(chan *daemon.Daemon, 1)
	f.opts.started = func(d *daemon.Daemon) { started <- d }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runDaemon(ctx, f.env, f.opts) }()
	var d *daemon.Daemon
	select {
	case d = <-started:
	case err := <-done:
		t.Fatalf("daemon = %v; log:\n%s", err, f.stderr)
	}
	m, err := state.Map(f.opts.statePath)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	deadline := time.Now().Add(10 * time.Second)
	// waitFor polls cond until it holds, failing after the deadline.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 10 s: %+v; daemon log:\n%s", what, d.Status(), f.stderr)
			}
			time.Sleep(time.Millisecond)
		}
	}
	// wait waits until the detector has compared a read made after the
	// last write and the daemon has checked every signal sent until then,
	// so that the epoch is final: a second advance would show, and an
	// unchanged counter, which sends no signal, is seen too.
	wait := func(want uint64, what string) {
		t.Helper()
		reads := d.Status().Reads["vmclock"]
		waitFor(what+": two more page reads", func() bool { return d.Status().Reads["vmclock"] >= reads+2 })
		signals := d.Status().Signals
		waitFor(what+": signals checked", func() bool { return d.Status().SignalsChecked >= signals })
		if e := m.Epoch(); e != want {
			t.Fatalf("%s: epoch %d, want %d; daemon log:\n%s", what, e, want, f.stderr)
		}
	}
	wait(1, "start")
	writeVMClockPage(t, f.opts.detect.VMClock, 4, 4)
	wait(2, "counter 3 → 4")
	writeVMClockPage(t, f.opts.detect.VMClock, 4, 6)
	wait(2, "the same counter rewritten")
	writeVMClockPage(t, f.opts.detect.VMClock, 5, 8)
	wait(3, "counter 4 → 5")
	cancel()
	if err := <-done; err != nil {
		t.Errorf("daemon = %v", err)
	}
	log := f.stderr.String()
	for _, want := range []string{"reading the page every", "running on the change counts of vmclock alone", "vmclock generation counter 4 → 5"} {
		if !strings.Contains(log, want) {
			t.Errorf("daemon log lacks %q:\n%s", want, log)
		}
	}
}

// A --vmclock path that is no VMClock page is reported at start.
func TestDaemonVMClockBadPath(t *testing.T) {
	f := newDaemonFixture(t)
	f.env.global.mem = filepath.Join(f.dir, "no-such-mem")
	f.opts.detect.GED = false
	f.opts.detect.VMClock = filepath.Join(f.dir, "no-such-vmclock")
	err := runDaemon(context.Background(), f.env, f.opts)
	if err == nil || !strings.Contains(err.Error(), "no way to detect a change") {
		t.Errorf("runDaemon = %v, want no way to detect a change", err)
	}
	if log := f.stderr.String(); !strings.Contains(log, "not watching VMClock") || !strings.Contains(log, "no-such-vmclock") {
		t.Errorf("daemon log does not name the bad path:\n%s", log)
	}
}

func TestFormatState(t *testing.T) {
	tm := time.Date(2026, 11, 27, 4, 30, 0, 123000000, time.UTC)
	id, _ := genid.ParseHex("ddccbbaaffee11002233445566778899")
	got := formatState(vmgenid.State{Epoch: 2, ID: id, IDKnown: true, Changes: 1, LastChange: tm})
	want := "2026-11-27T04:30:00.123Z epoch 2 id ddccbbaaffee11002233445566778899 (change 1)"
	if got != want {
		t.Errorf("formatState = %q, want %q", got, want)
	}
	if got := formatState(vmgenid.State{Epoch: 3, Changes: 2, LastChange: tm}); !strings.Contains(got, "epoch 3 id unknown (change 2)") {
		t.Errorf("formatState without ID = %q", got)
	}
}

// TestWatchSurvivesDaemonRestart: vmgenid watch goes on when the daemon's
// event stream ends (a restart): the next change is printed. It used to
// exit with "the daemon closed the events stream".
func TestWatchSurvivesDaemonRestart(t *testing.T) {
	dir := t.TempDir()
	statePath, sock := filepath.Join(dir, "state"), filepath.Join(dir, "events.sock")
	w, err := state.Create(statePath, state.Options{PublicID: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Publish(state.Record{Epoch: 1}); err != nil {
		t.Fatal(err)
	}
	srv, err := events.Listen(sock, events.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	env := &cmdEnv{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	done := make(chan error, 1)
	began := make(chan struct{})
	o := watchOptions{statePath: statePath, socketPath: sock, began: func(vmgenid.State) { close(began) }}
	go func() { done <- runWatch(ctx, env, o) }()
	deadline := time.Now().Add(10 * time.Second)
	// Watch dials before it reads the state it begins from: a publish
	// before that read would be its starting state, not a change.
	waitBegan(t, began, env)
	for srv.Clients() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	srv.Close() // the daemon stops
	if err := w.Publish(state.Record{Epoch: 2, Changes: 1}); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(env.stdout.(*lockedBuffer).String(), "epoch 2 id unknown (change 1)") {
		select {
		case err := <-done:
			t.Fatalf("watch returned %v when the event stream ended; stderr:\n%s", err, env.stderr)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the change after the stream ended was not printed; stdout %q, stderr %q", env.stdout, env.stderr)
		}
	}
	if !strings.Contains(env.stderr.(*lockedBuffer).String(), "closed the stream") {
		t.Errorf("stderr %q does not say the stream ended", env.stderr)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("watch = %v", err)
	}
}

// TestWatchPrintsRefusal: when the daemon refuses the connection (its
// per-user limit), vmgenid watch prints the daemon's one-line reason and
// goes on watching the state file.
func TestWatchPrintsRefusal(t *testing.T) {
	dir := t.TempDir()
	statePath, sock := filepath.Join(dir, "state"), filepath.Join(dir, "events.sock")
	w, err := state.Create(statePath, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Publish(state.Record{Epoch: 1}); err != nil {
		t.Fatal(err)
	}
	// A server that refuses every client as the daemon does: one line,
	// then close.
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const reason = "too many connections from uid 1000 (16 allowed per user)"
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "{\"refused\":%q}\n", reason)
			c.Close()
		}
	}()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stderr := &lockedBuffer{}
	env := &cmdEnv{stdout: &lockedBuffer{}, stderr: stderr}
	done := make(chan error, 1)
	began := make(chan struct{})
	o := watchOptions{statePath: statePath, socketPath: sock, began: func(vmgenid.State) { close(began) }}
	go func() { done <- runWatch(ctx, env, o) }()
	deadline := time.Now().Add(10 * time.Second)
	waitBegan(t, began, env)
	for !strings.Contains(stderr.String(), reason) {
		if time.Now().After(deadline) {
			t.Fatalf("watch did not print the refusal; stderr %q", stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := w.Publish(state.Record{Epoch: 2, Changes: 1}); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(env.stdout.(*lockedBuffer).String(), "epoch 2") {
		if time.Now().After(deadline) {
			t.Fatalf("watch stopped watching after the refusal; stdout %q", env.stdout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("watch = %v", err)
	}
}

// waitBegan waits until runWatch has read the state it begins from.
func waitBegan(t *testing.T, began <-chan struct{}, env *cmdEnv) {
	t.Helper()
	select {
	case <-began:
	case <-time.After(10 * time.Second):
		t.Fatalf("watch did not read its starting state in 10 s; stderr %q", env.stderr)
	}
}
