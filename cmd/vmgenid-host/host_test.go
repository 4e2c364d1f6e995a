package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/host/qemu"
)

// TestHostCommands runs "vmgenid host id", "host save" and "host clone"
// against a real QEMU whose CPUs never start (-S).
func TestHostCommands(t *testing.T) {
	if _, err := qemu.LookPath(""); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	// Everything the commands start dies with ctx, also if the test fails.
	saved := hostContext
	hostContext = ctx
	t.Cleanup(func() { hostContext = saved })
	dir := t.TempDir()
	const guid = "aabbccdd-eeff-0011-2233-445566778899"
	base := []string{"-accel", "tcg", "-machine", "q35", "-m", "32", "-display", "none", "-nodefaults", "-S",
		"-device", "vmgenid,id=vgid0,guid=" + guid}
	sock := filepath.Join(dir, "src.qmp")
	p, err := qemu.Start(ctx, "", append(base, "-qmp", "unix:"+sock+",server=on,wait=off"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)

	var stdout, stderr bytes.Buffer
	if code := run([]string{"id", "--qmp", sock}, &stdout, &stderr); code != 0 || strings.TrimSpace(stdout.String()) != guid {
		t.Fatalf("host id: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	state := filepath.Join(dir, "vm.state")
	if code := run([]string{"save", "--qmp", sock, "--to", state}, &stdout, &stderr); code != 0 {
		t.Fatalf("host save: exit %d, stderr %q", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "saved "+state) || !strings.Contains(stderr.String(), "saving:") {
		t.Errorf("host save: stdout %q, stderr %q; want the file and progress", stdout.String(), stderr.String())
	}
	p.Kill()

	// host clone runs until its clones exit: read what it prints, check each
	// clone over its socket, and quit them.
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var cloneErr bytes.Buffer
	const first = "11111111-2222-3333-4444-555555555555"
	go func() {
		done <- run(append([]string{"clone", "--from", state, "-n", "2", "--guid", first, "--"}, base...), pw, &cloneErr)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	ids := map[string]bool{}
	for sc.Scan() {
		fields := map[string]string{}
		for _, f := range strings.Fields(sc.Text())[1:] {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		if pid, err := strconv.Atoi(fields["pid"]); err == nil {
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) }) // never leave a clone behind
		}
		m, err := qemu.Dial(ctx, fields["qmp"])
		if err != nil {
			t.Fatal(err)
		}
		id, err := m.ID(ctx)
		if err != nil || id.GUID() != fields["id"] {
			t.Errorf("clone %s: QEMU says %s (%v), host clone printed %s", fields["qmp"], id.GUID(), err, fields["id"])
		}
		ids[fields["id"]] = true
		m.Quit(ctx)
		m.Close()
	}
	if code := <-done; code != 0 {
		t.Fatalf("host clone: exit %d, stderr %q", code, cloneErr.String())
	}
	if len(ids) != 2 || !ids[first] || ids[guid] {
		t.Errorf("clone IDs %v: want 2 distinct, the first %s, none the source's", ids, first)
	}
	if _, err := genid.ParseGUID(first); err != nil {
		t.Fatal(err)
	}
}

func TestHostCommandErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"id"}, "--qmp SOCKET (QEMU's -qmp unix:SOCKET,server=on,wait=off) or --domain NAME (libvirt) is required"},
		{[]string{"id", "--qmp", "x", "--domain", "d"}, "not both"},
		{[]string{"save", "--qmp", "x"}, "--to FILE is required"},
		{[]string{"clone", "-n", "2"}, "--from FILE is required"},
		{[]string{"clone", "--from", "f", "--guid", "11111111-2222-3333-4444-555555555555"}, "QEMU arguments after --"},
		{[]string{"clone", "--from", "f", "--name-prefix", "p", "--", "-S"}, "--name-prefix are for libvirt clones"},
		{[]string{"clone", "--guid", "nope"}, "invalid value"},
		{[]string{"revert", "--domain", "d"}, "--snapshot S are required"},
		{[]string{"frobnicate"}, "unknown command"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("vmgenid %s: exit %d, stderr %q; want failure mentioning %q", strings.Join(tc.args, " "), code, stderr.String(), tc.want)
		}
	}
}

// TestHostCloneBadCount checks that a clone count below 1 is refused with a
// message before anything is created (a negative count used to panic while
// allocating the console logs).
func TestHostCloneBadCount(t *testing.T) {
	for _, n := range []string{"0", "-1"} {
		dir := t.TempDir()
		var stdout, stderr bytes.Buffer
		code := run([]string{"clone", "--from", filepath.Join(dir, "vm.state"), "--dir", dir, "-n", n, "--", "-S"}, &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), "-n") {
			t.Errorf("-n %s: exit %d, stderr %q; want exit 1 and a message about -n", n, code, stderr.String())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("-n %s: created %d files in --dir", n, len(entries))
		}
	}
}
