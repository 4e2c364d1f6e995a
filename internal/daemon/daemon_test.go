package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/detect"
	"github.com/vmgenid/vmgenid/internal/events"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/state"
)

// idAddr is where the q35 fixture's SSDT puts the ID (VGIA + 0x28).
const idAddr = 0x0FFFF028

// tablesDir holds real QEMU q35 tables (testdata/README.md).
const tablesDir = "testdata/qemu-q35"

// fixture is a fake machine: QEMU's ACPI tables and a sparse file standing
// in for physical memory, plus paths for the daemon's files.
type fixture struct {
	mem, statePath, socketPath string
}

func newFixture(t *testing.T, first genid.ID) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{
		mem:       filepath.Join(dir, "mem"),
		statePath: filepath.Join(dir, "run", "state"),
		// Unix socket paths are short: keep it in the temp dir itself.
		socketPath: filepath.Join(dir, "sock"),
	}
	m, err := os.Create(f.mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Truncate(0x10000000); err != nil { // 256 MiB, sparse
		t.Fatal(err)
	}
	m.Close()
	f.writeID(t, first)
	return f
}

func (f *fixture) writeID(t *testing.T, id genid.ID) {
	t.Helper()
	m, err := os.OpenFile(f.mem, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.WriteAt(id[:], idAddr); err != nil {
		t.Fatal(err)
	}
}

// testID returns an ID whose 16 bytes are all n: a torn ID would show
// mixed bytes.
func testID(n byte) genid.ID {
	var id genid.ID
	for i := range id {
		id[i] = n
	}
	return id
}

// recordingMixer remembers what the daemon fed the kernel.
type recordingMixer struct {
	mu      sync.Mutex
	mixed   []genid.ID
	reseeds int
}

func (m *recordingMixer) Mix(b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var id genid.ID
	copy(id[:], b)
	m.mixed = append(m.mixed, id)
	return nil
}

func (m *recordingMixer) Reseed() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reseeds++
	return nil
}

func (m *recordingMixer) state() ([]genid.ID, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]genid.ID(nil), m.mixed...), m.reseeds
}

// logBuf collects the daemon's lines (safe after the test ends).
type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuf) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func (f *fixture) config(poll time.Duration, mixer Mixer, log *logBuf) Config {
	return Config{
		StatePath:    f.statePath,
		PublicID:     true, // the tests read the ID from the state file
		LogID:        true,
		SocketPath:   f.socketPath,
		Sources:      []source.Source{source.NewACPI(tablesDir, f.mem)},
		PollInterval: poll,
		Mixer:        mixer,
		Logf:         log.logf,
	}
}

// running is a daemon run in the background.
type running struct {
	d      *Daemon
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg Config) *running {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{d: d, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan struct{})
	cfg.Ready = func(string) { close(ready) }
	d.cfg.Ready = cfg.Ready
	go func() { r.done <- d.Run(ctx) }()
	<-ready
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func mapState(t *testing.T, path string) *state.Mapping {
	t.Helper()
	m, err := state.Map(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func readState(t *testing.T, path string) state.Record {
	t.Helper()
	m := mapState(t, path)
	r, err := m.Read()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// dialEvents subscribes to the daemon's events and waits until the daemon
// has registered the subscriber: Dial returns when the kernel queues the
// connection, before the daemon accepts it, and an event broadcast in
// between would never reach the client.
func dialEvents(t *testing.T, r *running, path string) *events.Client {
	t.Helper()
	before := r.d.server.Clients()
	c, err := events.Dial(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for r.d.server.Clients() <= before {
		if time.Now().After(deadline) {
			t.Fatal("the daemon did not accept the events connection")
		}
		time.Sleep(time.Millisecond)
	}
	return c
}

// waitEpoch waits until the mapped epoch is want and returns how long that
// took; it fails the test after a generous timeout.
// settle waits until every signal queued so far has been checked.
func (r *running) settle(t *testing.T) {
	t.Helper()
	r.waitChecked(t, r.d.Status().Signals)
}

// lookAgain waits until a signal queued after now has been checked: the
// detectors have looked since, and the daemon has decided.
func (r *running) lookAgain(t *testing.T) {
	t.Helper()
	r.waitChecked(t, r.d.Status().Signals+1)
}

func (r *running) waitChecked(t *testing.T, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.d.Status().SignalsChecked < n {
		if time.Now().After(deadline) {
			t.Fatalf("signal %d not checked after 10 s: %+v", n, r.d.Status())
		}
		time.Sleep(time.Millisecond)
	}
}

// signalMonitor counts each detector's signals.
type signalMonitor struct {
	nopMonitor
	mu sync.Mutex
	n  map[string]int
}

func (m *signalMonitor) Signal(detector string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == nil {
		m.n = make(map[string]int)
	}
	m.n[detector]++
}

// wait waits until each detector named has signalled at least once.
func (m *signalMonitor) wait(t *testing.T, detectors ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m.mu.Lock()
		missing := ""
		for _, d := range detectors {
			if m.n[d] == 0 {
				missing = d
			}
		}
		m.mu.Unlock()
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("detector %s has not signalled after 10 s", missing)
		}
		time.Sleep(time.Millisecond)
	}
}

func waitEpoch(t *testing.T, m *state.Mapping, want uint64) time.Duration {
	t.Helper()
	start := time.Now()
	for m.Epoch() != want {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("epoch is %d after %v, want %d", m.Epoch(), time.Since(start), want)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

func TestChangeAdvancesEpochOnce(t *testing.T) {
	const poll = 50 * time.Millisecond
	f := newFixture(t, testID(1))
	mixer, log := &recordingMixer{}, &logBuf{}
	r := start(t, f.config(poll, mixer, log))
	m := mapState(t, f.statePath)
	rec, err := m.Read()
	if err != nil {
		t.Fatal(err)
	}
	want := state.Record{Flags: state.FlagIDKnown, Epoch: 1, ID: testID(1), PAddr: idAddr}
	if rec != want {
		t.Fatalf("first record = %+v, want %+v", rec, want)
	}
	client := dialEvents(t, r, f.socketPath)

	// A change: exactly one advance, found by the poll.
	f.writeID(t, testID(2))
	took := waitEpoch(t, m, 2)
	t.Logf("epoch advanced %v after the ID changed (poll interval %v)", took, poll)
	if took > 20*poll {
		t.Errorf("the change took %v to detect, with a %v poll", took, poll)
	}
	ev, err := client.Next()
	if err != nil {
		t.Fatal(err)
	}
	if ev.Epoch != 2 || ev.ID != testID(2) || !ev.IDKnown || !strings.HasPrefix(ev.Reason, "poll") {
		t.Errorf("event = %+v", ev)
	}
	// Checks that find the same ID do nothing: a poll tick after the
	// advance, and a forced check.
	r.lookAgain(t)
	if err := r.d.Check("test"); err != nil {
		t.Fatal(err)
	}
	rec, _ = m.Read()
	if rec.Epoch != 2 || rec.Changes != 1 || rec.ID != testID(2) || rec.LastChange == 0 {
		t.Errorf("after one change: %+v, want epoch 2, 1 change, ID 2", rec)
	}
	// Rewriting the same bytes is no change.
	f.writeID(t, testID(2))
	r.d.Check("rewrite")
	r.lookAgain(t)
	if e := m.Epoch(); e != 2 {
		t.Errorf("epoch after rewriting the same ID = %d, want 2", e)
	}
	mixed, reseeds := mixer.state()
	if len(mixed) != 2 || mixed[0] != testID(1) || mixed[1] != testID(2) || reseeds != 1 {
		t.Errorf("mixer saw %v and %d reseeds; want the start ID, the new ID, 1 reseed", mixed, reseeds)
	}
	if !strings.Contains(log.String(), "acpivmgenid0: cloned: "+testID(2).String()) {
		t.Errorf("log lacks the NetBSD-style line:\n%s", log)
	}
	st := r.d.Status()
	if !st.IDMode || st.Device != "acpivmgenid0" || st.Record.Epoch != 2 {
		t.Errorf("Status = %+v", st)
	}
}

// A daemon stopped and restarted (in process) continues from the published
// epoch and counts a change made while it was down exactly once.
func TestRestartContinues(t *testing.T) {
	f := newFixture(t, testID(1))
	log := &logBuf{}
	cfg := f.config(10*time.Millisecond, &recordingMixer{}, log)
	r := start(t, cfg)
	f.writeID(t, testID(2))
	waitEpoch(t, mapState(t, f.statePath), 2)
	r.stop(t)

	// No change while down: same epoch.
	r = start(t, cfg)
	if rec := readState(t, f.statePath); rec.Epoch != 2 || rec.Changes != 1 {
		t.Errorf("restart without a change: %+v, want epoch 2, 1 change", rec)
	}
	r.stop(t)

	// A change while down: one advance at start, none after.
	f.writeID(t, testID(3))
	r = start(t, cfg)
	m := mapState(t, f.statePath)
	r.lookAgain(t)
	rec, _ := m.Read()
	if rec.Epoch != 3 || rec.Changes != 2 || rec.ID != testID(3) {
		t.Errorf("restart after a change: %+v, want epoch 3, 2 changes, ID 3", rec)
	}
	if !strings.Contains(log.String(), "while no daemon ran") {
		t.Errorf("log does not say why it advanced:\n%s", log)
	}
}

func TestSecondDaemonRefused(t *testing.T) {
	f := newFixture(t, testID(1))
	start(t, f.config(time.Second, &recordingMixer{}, &logBuf{}))
	_, err := New(f.config(time.Second, &recordingMixer{}, &logBuf{}))
	if !errors.Is(err, state.ErrLocked) {
		t.Errorf("second daemon: %v, want ErrLocked", err)
	}
}

// TestHelperDaemonProcess is not a test: TestKillRestart runs the test
// binary with VMGENID_TEST_DAEMON set, and this runs a daemon in it until
// the process is killed.
func TestHelperDaemonProcess(t *testing.T) {
	spec := os.Getenv("VMGENID_TEST_DAEMON")
	if spec == "" {
		t.Skip("helper process for TestKillRestart")
	}
	paths := strings.Split(spec, "\n") // state, mem, tables
	d, err := New(Config{
		StatePath:    paths[0],
		PublicID:     true,
		Sources:      []source.Source{source.NewACPI(paths[2], paths[1])},
		PollInterval: 5 * time.Millisecond,
		Mixer:        &recordingMixer{},
		Ready:        func(string) { fmt.Println("READY") },
	})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	d.Run(context.Background())
}

// Killing the daemon (SIGKILL, possibly mid-publish) and restarting it
// never lowers the epoch, and a change made while it was down is counted
// once.
func TestKillRestart(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses a subprocess and SIGKILL")
	}
	f := newFixture(t, testID(1))
	tables, _ := filepath.Abs(tablesDir)
	spawn := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDaemonProcess$", "-test.v")
		cmd.Env = append(os.Environ(), "VMGENID_TEST_DAEMON="+f.statePath+"\n"+f.mem+"\n"+tables)
		out := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(out.String(), "READY") {
			if time.Now().After(deadline) || strings.Contains(out.String(), "ERROR") {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("helper daemon did not start:\n%s", out.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		return cmd
	}
	kill := func(cmd *exec.Cmd) {
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	want := uint64(1)
	cmd := spawn()
	m := mapState(t, f.statePath)
	waitEpoch(t, m, want)
	for i := 2; i <= 6; i++ {
		if i%2 == 0 {
			// Change while it runs, then kill it.
			f.writeID(t, testID(byte(i)))
			want++
			waitEpoch(t, m, want)
			kill(cmd)
		} else {
			// Kill first, change while it is down, restart.
			kill(cmd)
			f.writeID(t, testID(byte(i)))
			want++
		}
		cmd = spawn()
		if e := m.Epoch(); e != want {
			t.Fatalf("round %d: epoch %d after restart, want %d", i, e, want)
		}
		rec, err := m.Read()
		if err != nil || rec.ID != testID(byte(i)) || rec.Changes != want-1 {
			t.Fatalf("round %d: record %+v, %v; want ID %d and %d changes", i, rec, err, i, want-1)
		}
	}
	kill(cmd)
}

// Readers under -race while the daemon publishes change after change
// never see a torn record: every record they read is one the daemon
// published (epoch = changes + 1, ID all one byte, epochs never falling).
func TestReadersNeverSeeTornRecord(t *testing.T) {
	f := newFixture(t, testID(1))
	r := start(t, f.config(time.Millisecond, &recordingMixer{}, &logBuf{}))
	m := mapState(t, f.statePath)

	stop := make(chan struct{})
	var reads, bad atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rm, err := state.Map(f.statePath)
			if err != nil {
				t.Error(err)
				return
			}
			defer rm.Close()
			var last uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				rec, err := rm.Read()
				if err != nil {
					if errors.Is(err, state.ErrWriting) {
						continue // a timeout while the writer held the lock
					}
					t.Error(err)
					return
				}
				reads.Add(1)
				if rec.Epoch < last || rec.Changes != rec.Epoch-1 || rec.ID != testID(rec.ID[0]) || !rec.IDKnown() {
					bad.Add(1)
					t.Errorf("torn or inconsistent record: %+v (previous epoch %d)", rec, last)
				}
				last = rec.Epoch
			}
		}()
	}
	want := uint64(1)
	for i := 2; i < 40; i++ {
		f.writeID(t, testID(byte(i)))
		want++
		waitEpoch(t, m, want)
	}
	close(stop)
	wg.Wait()
	r.stop(t)
	t.Logf("%d consistent reads during %d changes", reads.Load(), want-1)
	if reads.Load() == 0 {
		t.Error("the readers read nothing")
	}
}

// pipeKmsg opens a kernel-log detector on a pipe whose backlog is lines.
func pipeKmsg(t *testing.T, lines ...string) (*detect.Kmsg, *os.File) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the kmsg detector exists only on Linux")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	for _, l := range lines {
		w.WriteString(l + "\n")
	}
	k, err := detect.OpenKmsg(fmt.Sprintf("/proc/self/fd/%d", r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	return k, w
}

const forkLine = "random: crng reseeded due to virtual machine fork"

func kmsgLine(seq int, msg string) string { return fmt.Sprintf("5,%d,%d,-;%s", seq, 1000*seq, msg) }

// Without a readable ID (no memory file, as on Firecracker) the kernel's
// fork notices alone drive the epoch, and they survive restarts.
func TestKmsgOnly(t *testing.T) {
	f := newFixture(t, testID(1))
	log := &logBuf{}
	cfgFor := func(k *detect.Kmsg) Config {
		cfg := f.config(10*time.Millisecond, &recordingMixer{}, log)
		cfg.Sources = []source.Source{source.NewACPI(tablesDir, filepath.Join(t.TempDir(), "no-such-mem"))}
		cfg.Detectors = []detect.Detector{k}
		return cfg
	}
	backlog := []string{kmsgLine(0, "Linux version"), kmsgLine(1, forkLine), kmsgLine(2, "later")}
	k, w := pipeKmsg(t, backlog...)
	r := start(t, cfgFor(k))
	m := mapState(t, f.statePath)
	rec, _ := m.Read()
	if rec.Epoch != 1 || rec.Changes != 1 || rec.IDKnown() {
		t.Errorf("kmsg-only start: %+v, want epoch 1, 1 change (the fork since boot), ID unknown", rec)
	}
	if !strings.Contains(log.String(), "running on the change counts of kmsg alone") {
		t.Errorf("log does not say it runs without the ID:\n%s", log)
	}
	client := dialEvents(t, r, f.socketPath)
	w.WriteString(kmsgLine(3, "unrelated") + "\n")
	w.WriteString(kmsgLine(4, forkLine) + "\n")
	backlog = append(backlog, kmsgLine(3, "unrelated"), kmsgLine(4, forkLine))
	waitEpoch(t, m, 2)
	ev, err := client.Next()
	if err != nil {
		t.Fatal(err)
	}
	if ev.Epoch != 2 || ev.IDKnown || !strings.Contains(ev.Reason, "kmsg") || !strings.Contains(ev.Reason, "0.004000s") {
		t.Errorf("event = %+v", ev)
	}
	r.d.Check("test")
	if rec, _ := m.Read(); rec.Epoch != 2 || rec.Changes != 2 {
		t.Errorf("after one fork: %+v, want epoch 2, 2 changes", rec)
	}
	r.stop(t)

	// Restart with the same log: nothing happened.
	k, _ = pipeKmsg(t, backlog...)
	r = start(t, cfgFor(k))
	if rec, _ := m.Read(); rec.Epoch != 2 || rec.Changes != 2 {
		t.Errorf("restart, same log: %+v, want epoch 2", rec)
	}
	r.stop(t)
	// Restart after a fork while down: one advance.
	backlog = append(backlog, kmsgLine(5, forkLine))
	k, _ = pipeKmsg(t, backlog...)
	r = start(t, cfgFor(k))
	if rec, _ := m.Read(); rec.Epoch != 3 || rec.Changes != 3 {
		t.Errorf("restart after a fork: %+v, want epoch 3, 3 changes", rec)
	}
	r.stop(t)
	// Restart on a log whose oldest records were lost: a fork may be
	// hidden, so it advances.
	k, _ = pipeKmsg(t, backlog[2:]...)
	r = start(t, cfgFor(k))
	if rec, _ := m.Read(); rec.Epoch != 4 {
		t.Errorf("restart after lost records: %+v, want epoch 4", rec)
	}
}

// One change seen by the poll, the kernel log and a GPE counter advances
// the epoch once.
func TestSeveralDetectorsOneChange(t *testing.T) {
	f := newFixture(t, testID(1))
	k, w := pipeKmsg(t, kmsgLine(0, "Linux version"))
	gpeDir := t.TempDir()
	gpe := filepath.Join(gpeDir, "gpe05")
	os.WriteFile(gpe, []byte("0 EN enabled unmasked\n"), 0o644)
	counter, err := detect.NewGPECounter(gpeDir, 5, 2*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.config(5*time.Millisecond, &recordingMixer{}, &logBuf{})
	cfg.Detectors = []detect.Detector{k, counter}
	signals := &signalMonitor{}
	cfg.Monitor = signals
	r := start(t, cfg)
	m := mapState(t, f.statePath)
	// QEMU's order: write the ID, raise the GPE; the kernel then logs.
	f.writeID(t, testID(2))
	os.WriteFile(gpe, []byte("1 EN enabled unmasked\n"), 0o644)
	w.WriteString(kmsgLine(1, forkLine) + "\n")
	waitEpoch(t, m, 2)
	// Each of the three has looked and the daemon has checked what it
	// said: a second advance would show now.
	signals.wait(t, "kmsg", "gpe05")
	r.lookAgain(t)
	if rec, _ := m.Read(); rec.Epoch != 2 || rec.Changes != 1 {
		t.Errorf("after one change seen three ways: %+v, want epoch 2, 1 change", rec)
	}
	if st := r.d.Status(); st.Checks < 2 {
		t.Errorf("only %d checks ran", st.Checks)
	}
}

func TestNoDetectorIsAnError(t *testing.T) {
	f := newFixture(t, testID(1))
	cfg := f.config(time.Second, &recordingMixer{}, &logBuf{})
	cfg.Sources = []source.Source{source.NewACPI(tablesDir, filepath.Join(t.TempDir(), "no-such-mem"))}
	_, err := New(cfg)
	if err == nil || !strings.Contains(err.Error(), "no way to detect a change") {
		t.Errorf("New without a readable ID or a detector = %v", err)
	}
	// A readable ID without a poll or a detector is no better.
	cfg = f.config(0, &recordingMixer{}, &logBuf{})
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "no poll") {
		t.Errorf("New with a readable ID, no poll and no detector = %v", err)
	}
	// The lock is released: a daemon that can work starts.
	start(t, f.config(time.Second, &recordingMixer{}, &logBuf{}))
}

func TestSystemdNotify(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify")
	conn, err := listenUnixgram(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	if err := SystemdNotify("READY=1\nSTATUS=epoch 1"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(buf)
	if err != nil || string(buf[:n]) != "READY=1\nSTATUS=epoch 1" {
		t.Errorf("received %q, %v", buf[:n], err)
	}
	t.Setenv("NOTIFY_SOCKET", "")
	if err := SystemdNotify("READY=1"); err != nil {
		t.Errorf("without NOTIFY_SOCKET: %v", err)
	}
	t.Setenv("NOTIFY_SOCKET", "relative")
	if err := SystemdNotify("READY=1"); err == nil {
		t.Error("relative NOTIFY_SOCKET accepted")
	}
}

func listenUnixgram(path string) (*net.UnixConn, error) {
	return net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// With neither a readable ID nor a kernel fork count, a counter's signal
// is all there is: each advances the epoch (the safe side).
func TestCounterOnlyAdvancesOnSignal(t *testing.T) {
	f := newFixture(t, testID(1))
	gpeDir := t.TempDir()
	gpe := filepath.Join(gpeDir, "gpe05")
	os.WriteFile(gpe, []byte("0\n"), 0o644)
	counter, err := detect.NewGPECounter(gpeDir, 5, 2*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	log := &logBuf{}
	cfg := f.config(5*time.Millisecond, &recordingMixer{}, log)
	cfg.Sources = nil
	cfg.Detectors = []detect.Detector{counter}
	start(t, cfg)
	m := mapState(t, f.statePath)
	if rec, _ := m.Read(); rec.Epoch != 1 || rec.IDKnown() || rec.Changes != 0 {
		t.Errorf("start: %+v, want epoch 1, ID unknown", rec)
	}
	os.WriteFile(gpe, []byte("1\n"), 0o644)
	waitEpoch(t, m, 2)
	if !strings.Contains(log.String(), "changes cannot be decided") {
		t.Errorf("log does not warn that signals alone decide:\n%s", log)
	}
}

// The change event goes out before the log line, which may be slow (a
// serial console): a subscriber gets it while the line is still being
// written.
func TestEventBeforeLogLine(t *testing.T) {
	f := newFixture(t, testID(1))
	received := make(chan events.Event, 1)
	var sawEventFirst atomic.Bool
	logf := func(format string, args ...any) {
		if !strings.Contains(format, "cloned") {
			return
		}
		select {
		case <-received:
			sawEventFirst.Store(true)
		case <-time.After(5 * time.Second):
		}
	}
	cfg := f.config(0, &recordingMixer{}, &logBuf{})
	cfg.Logf = logf
	cfg.Detectors = []detect.Detector{idleDetector{}} // no poll: only Check triggers
	r := start(t, cfg)
	client := dialEvents(t, r, f.socketPath)
	go func() {
		if ev, err := client.Next(); err == nil {
			received <- ev
		}
	}()
	f.writeID(t, testID(2))
	if err := r.d.Check("test"); err != nil {
		t.Fatal(err)
	}
	if !sawEventFirst.Load() {
		t.Error("the subscriber had no event while the daemon logged the change")
	}
}
