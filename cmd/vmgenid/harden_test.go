package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/internal/state"
)

// TestMain runs the command itself when VMGENID_TEST_MAIN is set, so that
// tests can start a real vmgenid process (signals, closed streams).
func TestMain(m *testing.M) {
	if os.Getenv("VMGENID_TEST_MAIN") != "" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// process is a running vmgenid; exited is closed when it has exited, err
// then set.
type process struct {
	*exec.Cmd
	exited chan struct{}
	err    error
}

// vmgenidProcess starts this test binary as "vmgenid ARGS...".
func vmgenidProcess(t testing.TB, stderr io.Writer, args ...string) *process {
	t.Helper()
	return vmgenidProcessCommand(t, os.Args[0], stderr, args...)
}

// vmgenidProcessCommand starts name ARGS..., a command that runs this
// test binary (a wrapper such as chrt) with VMGENID_TEST_MAIN set.
func vmgenidProcessCommand(t testing.TB, name string, stderr io.Writer, args ...string) *process {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("runs the daemon as a process and signals it (Linux)")
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "VMGENID_TEST_MAIN=1")
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{Cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// wait waits for the process to exit and returns how it did.
func (p *process) wait() error {
	<-p.exited
	return p.err
}

// daemonArgs are the arguments of a daemon on the fixture's fake machine,
// with nothing of this host's.
func (f *daemonFixture) daemonArgs(extra ...string) []string {
	tables, _ := filepath.Abs(f.env.global.acpiTables)
	return append([]string{"--acpi-tables", tables, "--mem", f.mem, "daemon",
		"--state", f.opts.statePath, "--socket", f.opts.socketPath, "--poll", "5ms",
		"--gpe", "off", "--ged=false", "--uevent=false", "--vmclock", "off", "--kmsg", ""}, extra...)
}

// waitPublished waits until the daemon has published its first record.
func waitPublished(t *testing.T, p *process, path string) {
	t.Helper()
	for {
		if m, err := state.Map(path); err == nil {
			m.Close()
			return
		}
		select {
		case <-p.exited:
			t.Fatalf("the daemon exited: %v", p.err)
		default:
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestDaemonSIGHUP: SIGHUP stops the daemon cleanly,
// its socket removed; it used to kill it and leave the socket behind.
func TestDaemonSIGHUP(t *testing.T) {
	f := newDaemonFixture(t)
	var stderr lockedBuffer
	cmd := vmgenidProcess(t, &stderr, f.daemonArgs()...)
	// Past start-up: Run logs what it watches with. (A signal during
	// start-up exits at once: TestDaemonSIGTERMWhileStarting.)
	for !strings.Contains(stderr.String(), "watching with") {
		select {
		case <-cmd.exited:
			t.Fatalf("the daemon exited: %v\n%s", cmd.err, stderr.String())
		default:
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	err := cmd.wait()
	if err != nil {
		t.Errorf("daemon after SIGHUP: %v, want a clean exit", err)
	}
	if _, err := os.Lstat(f.opts.socketPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind after SIGHUP: %v", err)
	}
}

// TestDaemonClosedStderr: a daemon whose stderr is a
// pipe nobody reads any more keeps running and publishes; SIGPIPE killed
// it before anything was published.
func TestDaemonClosedStderr(t *testing.T) {
	f := newDaemonFixture(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	cmd := vmgenidProcess(t, w, f.daemonArgs()...)
	w.Close()
	waitPublished(t, cmd, f.opts.statePath)
	// Stopped at the end of its start-up (143) or after (0), it must
	// not have died of SIGPIPE.
	cmd.Process.Signal(syscall.SIGTERM)
	var ee *exec.ExitError
	if err := cmd.wait(); err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 128+int(syscall.SIGTERM)) {
		t.Errorf("daemon with a closed stderr: %v", err)
	}
}

// TestDaemonSIGTERMWhileStarting: SIGTERM ends the
// daemon while it starts. The start reads --kmsg /dev/zero, which kept it
// busy forever, SIGTERM caught and ignored until start-up ended; now the
// signal exits at once, and the kernel log detector gives up on /dev/zero
// after a bound anyway, so the signal may also find the daemon started
// and stop it cleanly.
func TestDaemonSIGTERMWhileStarting(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("needs /dev/zero")
	}
	f := newDaemonFixture(t)
	var stderr lockedBuffer
	args := f.daemonArgs()
	args = append(args[:len(args)-1], "/dev/zero") // --kmsg /dev/zero
	if runtime.GOOS != "linux" {
		t.Skip("signals a daemon process (Linux)")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "VMGENID_TEST_MAIN=1")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Wait until it reads /dev/zero (or has started already).
	fds := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "fd")
	for !opened(fds, "/dev/zero") {
		if m, err := state.Map(f.opts.statePath); err == nil {
			m.Close()
			break
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		// Start-up was over: a clean stop.
	case errors.As(err, &ee) && ee.ExitCode() == 128+int(syscall.SIGTERM) && strings.Contains(stderr.String(), "during start-up"):
	default:
		t.Errorf("daemon after SIGTERM: %v\n%s", err, stderr.String())
	}
	if _, err := state.Create(f.opts.statePath, state.Options{}); err != nil {
		t.Errorf("the next daemon cannot start: %v", err)
	}
}

// opened reports whether a process's fd directory has path open.
func opened(fdDir, path string) bool {
	ents, _ := os.ReadDir(fdDir)
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(fdDir, e.Name())); err == nil && l == path {
			return true
		}
	}
	return false
}

// TestStopOnSignals: a signal before the daemon has started exits at
// once; after, it cancels the context and exits nothing.
func TestStopOnSignals(t *testing.T) {
	exited := make(chan int, 1)
	env := &cmdEnv{stderr: &lockedBuffer{}}
	ctx, started, stop := stopOnSignals(env, func(code int) { exited <- code })
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	if code := <-exited; code != 128+int(syscall.SIGHUP) {
		t.Errorf("exit code %d during start-up, want %d", code, 128+int(syscall.SIGHUP))
	}
	stop()
	ctx, started, stop = stopOnSignals(env, func(code int) { exited <- code })
	defer stop()
	started()
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	<-ctx.Done()
	select {
	case code := <-exited:
		t.Errorf("exit(%d) after start-up, want a cancelled context only", code)
	default:
	}
}

// TestPollRange: nonsense --poll values are refused
// with the allowed range.
func TestPollRange(t *testing.T) {
	for _, bad := range []string{"-1s", "1ns", "999us", "2h"} {
		var stderr bytes.Buffer
		code := run([]string{"daemon", "--poll", bad, "--state", filepath.Join(t.TempDir(), "state")}, &bytes.Buffer{}, &stderr)
		if code == 0 || !strings.Contains(stderr.String(), "want 0 (never) or 1ms to 1h0m0s") {
			t.Errorf("--poll %s: exit %d, %q", bad, code, stderr.String())
		}
	}
	for _, good := range []time.Duration{0, time.Millisecond, time.Second, time.Hour} {
		if err := checkPoll(good); err != nil {
			t.Errorf("checkPoll(%v) = %v", good, err)
		}
	}
}

// TestHelpUnknownCommand: "vmgenid help frob" fails.
func TestHelpUnknownCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"help", "frob"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `unknown command "frob"`) {
		t.Errorf("help frob: exit %d, stderr %q", code, stderr.String())
	}
	if code := run([]string{"help", "daemon"}, &stdout, &stderr); code != 0 {
		t.Errorf("help daemon: exit %d", code)
	}
}
