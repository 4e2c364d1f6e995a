package qemu

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/host"
)

// needQEMU skips the test where QEMU is not installed, except in CI (CI=true),
// where QEMU is part of the test environment and its absence is a failure.
func needQEMU(t *testing.T) {
	t.Helper()
	if _, err := LookPath(""); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
}

// TestSaveAndClone runs the save/clone cycle on a real QEMU whose virtual
// CPUs never start (-S): no guest is needed to see QEMU give each clone the
// generation ID it was started with.
func TestSaveAndClone(t *testing.T) {
	needQEMU(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	source, _ := genid.ParseGUID("aabbccdd-eeff-0011-2233-445566778899")
	sock := filepath.Join(dir, "src.qmp")
	base := []string{"-accel", "tcg", "-machine", "q35", "-m", "32", "-display", "none", "-nodefaults", "-S",
		"-device", "vmgenid,id=vgid0,guid=" + source.GUID()}
	p, err := Start(ctx, "", append(base, "-qmp", "unix:"+sock+",server=on,wait=off"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	m, err := Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if id, err := m.ID(ctx); err != nil || id != source {
		t.Fatalf("ID() = %s, %v; want %s", id.GUID(), err, source.GUID())
	}
	if err := m.Execute(ctx, "no-such-command", nil, nil); err == nil {
		t.Error("an unknown command did not fail")
	}

	state := filepath.Join(dir, "vm.state")
	var readings int
	if err := m.Save(ctx, state, func(host.SaveProgress) { readings++ }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(state); err != nil || fi.Size() == 0 || readings == 0 {
		t.Fatalf("state file %v (err %v), %d progress readings", fi, err, readings)
	}
	p.Stop(ctx, m)

	want := []genid.ID{{1, 2, 3}, {4, 5, 6}}
	clones, err := StartClones(ctx, CloneOptions{Args: base, From: state, Count: 3, GUIDs: want, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range clones {
		t.Cleanup(c.Process.Kill)
	}
	seen := map[genid.ID]bool{}
	for i, c := range clones {
		if i < len(want) && c.ID != want[i] {
			t.Errorf("clone %d: ID %s, want %s", i, c.ID.GUID(), want[i].GUID())
		}
		if c.ID != c.GUID || seen[c.ID] || c.ID == source {
			t.Errorf("clone %d: ID %s, started with %s (IDs seen %v)", i, c.ID.GUID(), c.GUID.GUID(), seen)
		}
		seen[c.ID] = true
		st, err := c.Monitor.Status(ctx)
		if err != nil || !st.Running {
			t.Errorf("clone %d: status %+v, %v; want running", i, st, err)
		}
	}
	for _, c := range clones {
		c.Stop(ctx)
		if exited, _ := c.Process.Exited(); !exited {
			t.Errorf("clone %d still running after Stop", c.Index)
		}
	}
}

// TestStartClonesFailureKillsAll checks that a failed restore (a file that is
// no saved VM) leaves no QEMU behind and says why.
func TestStartClonesFailureKillsAll(t *testing.T) {
	needQEMU(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	bogus := filepath.Join(dir, "bogus.state")
	if err := os.WriteFile(bogus, []byte("not a migration stream"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-accel", "tcg", "-machine", "q35", "-m", "32", "-display", "none", "-nodefaults", "-device", "vmgenid"}
	clones, err := StartClones(ctx, CloneOptions{Args: args, From: bogus, Count: 2, Dir: dir})
	if err == nil {
		for _, c := range clones {
			c.Process.Kill()
		}
		t.Fatal("restoring a bogus state file succeeded")
	}
	t.Logf("error, as expected: %v", err)
	if clones != nil {
		t.Errorf("StartClones returned clones with an error")
	}
}

func TestDialCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := Dial(ctx, filepath.Join(t.TempDir(), "absent.qmp"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial(absent) = %v, want a deadline error", err)
	}
}
