//go:build linux

package vmgenid

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/internal/events"
)

// otherUID is the unprivileged user the foreign event server runs as.
const otherUID = 65534 // nobody

// fakeServerEnv names the socket a re-executed test binary serves as
// the foreign server.
const fakeServerEnv = "VMGENID_TEST_FAKE_SERVER"

// TestHelperFakeServer is not a test: run by startForeignServer as another
// user, it serves the socket named in fakeServerEnv and sends an event
// every 10 ms, the pokes a squatter would use to drive a watcher.
func TestHelperFakeServer(t *testing.T) {
	sock := os.Getenv(fakeServerEnv)
	if sock == "" {
		return
	}
	srv, err := events.Listen(sock, events.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for e := uint64(1); ; e++ {
		srv.Broadcast(events.Event{Epoch: e, Reason: "squatter", Time: time.Now()})
		time.Sleep(10 * time.Millisecond)
	}
}

// startForeignServer runs the event server on sock as otherUID, in a
// directory that user owns, and stops it when the test ends.
func startForeignServer(t *testing.T, dir, sock string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run the event server as another user")
	}
	bin := filepath.Join(dir, "vmgenid.test")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestHelperFakeServer$")
	cmd.Env = append(os.Environ(), fakeServerEnv+"="+sock)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: otherUID, Gid: otherUID}}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if fi, err := os.Stat(sock); err == nil && fi.Mode().Type() == os.ModeSocket {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the foreign event server did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// foreignDir makes a directory that otherUID owns, below one it can enter.
func foreignDir(t *testing.T) string {
	t.Helper()
	top, err := os.MkdirTemp("", "vmgenid-peer")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	dir := filepath.Join(top, "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(os.Chmod(top, 0o755), os.Chown(dir, otherUID, otherUID)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestWatchRefusesForeignServer: events from a server run by neither root
// nor the state file's owner are refused, and said so; from the owner's
// server they are taken.
func TestWatchRefusesForeignServer(t *testing.T) {
	slowPolling(t) // only events could deliver a change
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run the event server as another user")
	}
	dir := foreignDir(t)
	sock := filepath.Join(dir, "events.sock")
	startForeignServer(t, dir, sock)

	for _, owner := range []int{0, otherUID} {
		t.Run(fmt.Sprintf("state owned by uid %d", owner), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state")
			w := newWriter(t, path)
			publish(t, w, 1)
			if err := os.Chown(path, owner, owner); err != nil {
				t.Fatal(err)
			}
			f := NewStateFile(path, sock)
			defer f.Close()
			problems := make(chan error, 16)
			ch := f.Watch(t.Context(), func(err error) { problems <- err })
			if st := receive(t, ch); st.Epoch != 1 {
				t.Fatalf("first state has epoch %d, want 1", st.Epoch)
			}
			publish(t, w, 2)
			if owner != otherUID {
				select {
				case err := <-problems:
					if !strings.Contains(err.Error(), fmt.Sprintf("served by uid %d, neither root nor the owner", otherUID)) {
						t.Errorf("problem reported: %v; want the foreign server named", err)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("no problem reported for a server of another user")
				}
				select {
				case st := <-ch:
					t.Errorf("Watch delivered %+v, poked by a foreign server", st)
				case <-time.After(200 * time.Millisecond):
				}
				return
			}
			// The owner's server is trusted: its events deliver the
			// change.
			if st := receive(t, ch); st.Epoch != 2 {
				t.Errorf("state after the change has epoch %d, want 2", st.Epoch)
			}
			select {
			case err := <-problems:
				t.Errorf("problem reported for the owner's server: %v", err)
			default:
			}
		})
	}
}
