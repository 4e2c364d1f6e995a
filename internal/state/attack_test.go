//go:build linux

package state

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/events"
	"github.com/vmgenid/vmgenid/internal/safefs"
	"golang.org/x/sys/unix"
)

// attacker runs this test binary as an unused, unprivileged user ID, in
// the role TestHelperAttacker gives it; skips unless this test runs as
// root. The binary is copied where that user can execute it.
type attacker struct {
	uid int
	bin string
}

func newAttacker(t *testing.T) *attacker {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run the attacks as another, unprivileged user")
	}
	uid := 54321
	for ; uid < 54400; uid++ {
		if _, err := user.LookupId(strconv.Itoa(uid)); err != nil {
			break
		}
	}
	dir := openTempDir(t)
	bin := filepath.Join(dir, "attacker.test")
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	return &attacker{uid: uid, bin: bin}
}

// openTempDir is a temporary directory every user can enter (but not
// write to), with its parents.
func openTempDir(t *testing.T) string {
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	return dir
}

// start runs the attacker in role with its arguments; its stdout lines
// come on the returned channel.
func (a *attacker) start(t *testing.T, role string, args ...string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, a.bin, "-test.run=^TestHelperAttacker$", "-test.count=1")
	cmd.Env = append(os.Environ(), "VMGENID_ATTACK="+strings.Join(append([]string{role}, args...), "\n"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.uid)}}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return lines
}

// expect waits for the attacker's next line and checks its prefix.
func expect(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	l, ok := <-lines
	if !ok || !strings.HasPrefix(l, prefix) {
		t.Fatalf("attacker said %q (ok %v), want %q...", l, ok, prefix)
	}
	return l
}

// TestUnprivilegedAttacks: the lock, sticky-directory
// and socket attacks, run as an unprivileged user, are each refused.
func TestUnprivilegedAttacks(t *testing.T) {
	a := newAttacker(t)

	t.Run("lock", func(t *testing.T) {
		dir := openTempDir(t)
		path := filepath.Join(dir, "state")
		// An old daemon's lock file, 0644: the attacker opens it
		// read-only and holds LOCK_EX.
		if err := os.WriteFile(LockPath(path), []byte("999999\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		lines := a.start(t, "lock", LockPath(path))
		expect(t, lines, "LOCKED")
		w, err := Create(path, Options{})
		if err != nil {
			t.Fatalf("the attacker's lock kept the daemon from starting: %v", err)
		}
		defer w.Close()
		// The new lock file is the daemon's alone.
		lines = a.start(t, "lock", LockPath(path))
		expect(t, lines, "REFUSED")
	})

	t.Run("sticky directory", func(t *testing.T) {
		dir := filepath.Join(openTempDir(t), "tmp")
		os.Mkdir(dir, 0o700)
		os.Chmod(dir, 0o777|os.ModeSticky)
		path := filepath.Join(dir, "state")
		sock := filepath.Join(dir, "events.sock")
		// The attacker takes the names first: a lock file it holds and
		// a socket it serves.
		lines := a.start(t, "squat", LockPath(path), sock)
		expect(t, lines, "SQUATTING")
		var ue *safefs.UnsafeDirError
		if _, err := Create(path, Options{}); !errors.As(err, &ue) {
			t.Errorf("Create in a 1777 directory with the attacker's lock file: %v, want refused", err)
		}
		if _, err := events.Listen(sock, events.Options{}); !errors.As(err, &ue) {
			t.Errorf("Listen in a 1777 directory next to the attacker's socket: %v, want refused", err)
		}
	})

	t.Run("socket", func(t *testing.T) {
		sock := filepath.Join(openTempDir(t), "run", "events.sock")
		s, err := events.Listen(sock, events.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		lines := a.start(t, "flood", sock, strconv.Itoa(events.MaxClients))
		for range events.MaxClients - events.MaxClientsPerUser {
			if l := expect(t, lines, "REFUSED "); !strings.Contains(l, "allowed per user") {
				t.Fatalf("refusal %q does not say why (one user took more than its share?)", l)
			}
		}
		for s.Clients() != events.MaxClientsPerUser {
			time.Sleep(time.Millisecond)
		}
		// Root's client still gets in and gets the ID; the attacker's
		// get the event without it.
		c, err := events.Dial(t.Context(), sock)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for s.Clients() != events.MaxClientsPerUser+1 {
			time.Sleep(time.Millisecond)
		}
		ev := events.Event{Epoch: 5, ID: genid.ID{0xdd, 0xcc, 0xbb, 0xaa, 15: 0x99}, IDKnown: true, Reason: "test", Time: time.Now()}
		if err := s.Broadcast(ev); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Next(); err != nil || got.ID != ev.ID {
			t.Errorf("root's client: %+v, %v; want the event with the ID", got, err)
		}
		for range events.MaxClientsPerUser {
			expect(t, lines, "EVENT epoch 5 id_withheld")
		}
	})
}

// TestHelperAttacker is the attacker process of TestUnprivilegedAttacks.
func TestHelperAttacker(t *testing.T) {
	spec := os.Getenv("VMGENID_ATTACK")
	if spec == "" {
		t.Skip("runs only as the attacker of TestUnprivilegedAttacks")
	}
	args := strings.Split(spec, "\n")
	switch args[0] {
	case "lock":
		f, err := os.Open(args[1])
		if err != nil {
			fmt.Println("REFUSED", err)
			return
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			fmt.Println("REFUSED", err)
			return
		}
		fmt.Println("LOCKED")
		select {} // hold it until killed
	case "squat":
		lf, err := os.OpenFile(args[1], os.O_RDWR|os.O_CREATE, 0o644)
		if err == nil {
			err = unix.Flock(int(lf.Fd()), unix.LOCK_EX)
		}
		ln, lerr := net.Listen("unix", args[2])
		if err != nil || lerr != nil {
			fmt.Println("FAILED", err, lerr)
			return
		}
		os.Chmod(args[2], 0o666)
		fmt.Println("SQUATTING")
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// A fake event, for whoever trusts the socket.
			fmt.Fprintf(c, `{"epoch":99,"id":"","id_known":false,"reason":"fake","time":"2026-01-01T00:00:00Z"}`+"\n")
		}
	case "flood":
		// Take every slot: each connection that is refused reports its
		// reason; each one served reports the events it gets.
		n, _ := strconv.Atoi(args[2])
		for range n {
			c, err := events.Dial(context.Background(), args[1])
			if err != nil {
				fmt.Println("FAILED", err)
				return
			}
			go func() {
				for {
					ev, err := c.Next()
					var re *events.RefusedError
					switch {
					case errors.As(err, &re):
						fmt.Printf("REFUSED %s\n", re.Reason)
						return
					case err != nil:
						fmt.Println("FAILED closed without a reason:", err)
						return
					case ev.IDWithheld && ev.ID.IsZero():
						fmt.Printf("EVENT epoch %d id_withheld\n", ev.Epoch)
					default:
						fmt.Printf("EVENT epoch %d id %q\n", ev.Epoch, ev.ID.String())
					}
				}
			}()
		}
		select {}
	}
}
