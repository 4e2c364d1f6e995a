package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/internal/state"
)

// The readers for other languages (c/vmgenid.h, python/vmgenid_state.py)
// are tested here against files the daemon publishes, so that go test
// covers them. Where gcc or python3 is missing the tests skip, except in CI
// (CI=true), which installs both.

// needTool returns the path of the program name, skipping the test where
// it is missing (failing in CI).
func needTool(t *testing.T, name, debian string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but no %s (Debian package %s, scripts/install-deps): %v", name, debian, err)
		}
		t.Skipf("skipping: no %s (apt-get install %s)", name, debian)
	}
	return p
}

// readerExpect is a record as the readers print it.
type readerExpect struct {
	Epoch        uint64 `json:"epoch"`
	Flags        uint32 `json:"flags"`
	ID           string `json:"id"`
	PAddr        uint64 `json:"paddr"`
	Changes      uint64 `json:"changes"`
	LastChangeNs int64  `json:"last_change_ns"`
}

// expectOf is what a reader must report for rec: the ID and its address
// only when the ID is known.
func expectOf(rec state.Record) readerExpect {
	e := readerExpect{Epoch: rec.Epoch, Flags: rec.Flags, ID: strings.Repeat("00", 16), Changes: rec.Changes, LastChangeNs: rec.LastChange}
	if rec.IDKnown() {
		e.ID, e.PAddr = hex.EncodeToString(rec.ID[:]), rec.PAddr
	}
	return e
}

// buildCReader compiles c/example.c with warnings as errors and the
// address and undefined-behaviour sanitizers (aborting on the first
// report), and checks that the header is also plain C11 and C++.
func buildCReader(t *testing.T) string {
	t.Helper()
	gcc := needTool(t, "gcc", "gcc")
	src := filepath.Join("..", "..", "c", "example.c")
	bin := filepath.Join(t.TempDir(), "vmgenid-example")
	for _, args := range [][]string{
		{"-std=c11", "-Wpedantic", "-fsyntax-only", src},
		{"-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-o", bin, src},
	} {
		cmd := exec.Command(gcc, append([]string{"-Wall", "-Wextra", "-Werror"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
	}
	return bin
}

// runCReader runs the C example on path and returns its key=value lines.
func runCReader(t *testing.T, bin, path string) (map[string]string, error) {
	t.Helper()
	cmd := exec.Command(bin, path)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		t.Fatalf("%s: %v; stderr (a sanitizer report?):\n%s", cmd, err, ee.Stderr)
	}
	kv := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("%s: line %q", cmd, l)
		}
		kv[k] = v
	}
	return kv, err
}

func checkCReader(t *testing.T, bin, path string, want readerExpect) {
	t.Helper()
	kv, err := runCReader(t, bin, path)
	if err != nil {
		t.Fatalf("C reader on %s: %v: %v", path, err, kv)
	}
	got := map[string]string{
		"epoch": kv["epoch"], "current.epoch": kv["current.epoch"], "flags": kv["flags"], "id": kv["id"],
		"paddr": kv["paddr"], "changes": kv["changes"], "last_change_ns": kv["last_change_ns"], "closed.epoch": kv["closed.epoch"],
	}
	e := strconv.FormatUint(want.Epoch, 10)
	exp := map[string]string{
		"epoch": e, "current.epoch": e, "flags": fmt.Sprint(want.Flags), "id": want.ID,
		"paddr": fmt.Sprint(want.PAddr), "changes": fmt.Sprint(want.Changes), "last_change_ns": fmt.Sprint(want.LastChangeNs), "closed.epoch": "0",
	}
	for k, v := range exp {
		if got[k] != v {
			t.Errorf("C reader: %s = %q, want %q", k, got[k], v)
		}
	}
}

// TestCReader: c/vmgenid.h against the daemon's file, across a change, with
// the ID public and withheld, and against files crafted from it.
func TestCReader(t *testing.T) {
	bin := buildCReader(t)
	f := newDaemonFixture(t)
	rec := acrossChange(t, f, func(rec state.Record) {
		checkCReader(t, bin, f.opts.statePath, expectOf(rec))
	})

	page, err := os.ReadFile(f.opts.statePath)
	if err != nil {
		t.Fatal(err)
	}
	crafted := func(name string, edit func(p []byte)) string {
		p := append([]byte(nil), page...)
		edit(p)
		path := filepath.Join(f.dir, name)
		if err := os.WriteFile(path, p, 0o444); err != nil {
			t.Fatal(err)
		}
		return path
	}
	le := func(p []byte, off int, v uint64) {
		for i := range 8 {
			p[off+i] = byte(v >> (8 * i))
		}
	}
	// Unknown flag bits are ignored: the record reads, with them shown.
	withUnknown := expectOf(rec)
	withUnknown.Flags |= 1 << 31
	checkCReader(t, bin, crafted("unknown-flag", func(p []byte) { p[state.OffFlags+3] |= 0x80 }), withUnknown)
	for _, tt := range []struct {
		name string
		edit func(p []byte)
		key  string
		want string
	}{
		{"bad-magic", func(p []byte) { p[0] = 'X' }, "open", "Protocol error"},
		{"version-2", func(p []byte) { p[8] = 2 }, "open", "Protocol error"},
		{"short", nil, "open", "Protocol error"},
		{"epoch-0", func(p []byte) { le(p, 24, 0) }, "current", "Resource temporarily unavailable"},
		{"epoch-all-ones", func(p []byte) { le(p, 24, ^uint64(0)) }, "current", "Resource temporarily unavailable"},
		{"stuck-writer", func(p []byte) { p[16] |= 1 }, "current", "Device or resource busy"},
		{"missing", nil, "open", "No such file or directory"},
	} {
		var path string
		switch tt.name {
		case "short":
			path = filepath.Join(f.dir, "short")
			os.WriteFile(path, page[:100], 0o444)
		case "missing":
			path = filepath.Join(f.dir, "no-such-state")
		default:
			path = crafted(tt.name, tt.edit)
		}
		kv, err := runCReader(t, bin, path)
		if err == nil || kv[tt.key] != tt.want {
			t.Errorf("%s: C reader = %v, %v; want %s=%s", tt.name, err, kv, tt.key, tt.want)
		}
		if tt.key == "open" && kv["epoch"] != "0" {
			t.Errorf("%s: epoch after a failed open = %s, want 0", tt.name, kv["epoch"])
		}
		if tt.name == "epoch-all-ones" && kv["epoch"] != "0" {
			t.Errorf("%s: vmgenid_epoch = %s, want 0 (no valid state)", tt.name, kv["epoch"])
		}
	}
}

// acrossChange runs the daemon of f with --public-id, calls check with the
// first record and with the record after an ID change, then restarts it
// without --public-id and calls check with the record that withholds the
// ID (the daemon continues the epoch). It returns that last record; the
// daemon runs on until the test ends.
func acrossChange(t *testing.T, f *daemonFixture, check func(state.Record)) state.Record {
	t.Helper()
	f.opts.publicID = true
	r := startDaemon(t, f)
	check(r.waitEpoch(t, f, 1))
	id := f.setID(t, 9)
	rec := r.waitEpoch(t, f, 2)
	if rec.ID != id || !rec.IDKnown() {
		t.Fatalf("published %+v, want the ID %s", rec, id)
	}
	check(rec)
	r.stop()
	f.opts.publicID = false
	rec = startDaemon(t, f).waitWithheld(t, f)
	check(rec)
	return rec
}

// waitWithheld waits for the restarted daemon's first publication: until
// then the file still holds the last daemon's record, ID included.
func (r *runningDaemon) waitWithheld(t *testing.T, f *daemonFixture) state.Record {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec, err := r.m.Read()
		if err == nil && rec.Flags&state.FlagIDWithheld != 0 {
			if rec.Epoch != 2 {
				t.Fatalf("restarted daemon published epoch %d, want 2 (nothing changed)", rec.Epoch)
			}
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("without --public-id: flags %#x (%v), want ID withheld; daemon log:\n%s", rec.Flags, err, f.stderr)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// runPythonReader runs python/test_vmgenid_state.py with python3 -m
// unittest against path, expecting want.
func runPythonReader(t *testing.T, py, path string, want readerExpect) {
	t.Helper()
	exp, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-m", "unittest", "-v", "test_vmgenid_state")
	cmd.Dir = filepath.Join("..", "..", "python")
	cmd.Env = append(os.Environ(), "VMGENID_TEST_STATE="+path, "VMGENID_TEST_EXPECT="+string(exp), "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "test_published) ... ok") {
		t.Errorf("%s (expecting %s): %v\n%s", cmd, exp, err, out)
	}
}

// TestPythonReader: python/vmgenid_state.py against the daemon's file,
// across a change, with the ID public and withheld (and its own tests on
// crafted files).
func TestPythonReader(t *testing.T) {
	py := needTool(t, "python3", "python3")
	f := newDaemonFixture(t)
	acrossChange(t, f, func(rec state.Record) {
		runPythonReader(t, py, f.opts.statePath, expectOf(rec))
	})
}
