//go:build linux || netbsd || freebsd || openbsd || dragonfly || darwin

package state

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/genid"
)

// newWriter creates a writer on a fresh path in a temporary directory.
func newWriter(t *testing.T) (*Writer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run", "vmgenid", "state")
	w, err := Create(path, publicID)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	return w, path
}

func mustMap(t *testing.T, path string) *Mapping {
	t.Helper()
	m, err := Map(path)
	if err != nil {
		t.Fatalf("Map: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestCreatePublishRead(t *testing.T) {
	w, path := newWriter(t)
	if _, ok := w.Last(); ok {
		t.Fatal("fresh writer reports a previous record")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state file exists before the first Publish: %v", err)
	}
	r := sampleRecord()
	if err := w.Publish(r); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o444 || fi.Size() != Size {
		t.Errorf("state file mode %v size %d, want 0444 and %d", fi.Mode().Perm(), fi.Size(), Size)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o755 {
		t.Errorf("directory mode %v, want 0755", di.Mode().Perm())
	}
	m := mustMap(t, path)
	if got := m.Epoch(); got != r.Epoch {
		t.Errorf("Epoch = %d, want %d", got, r.Epoch)
	}
	got, err := m.Read()
	if err != nil || got != r {
		t.Errorf("Read = %+v, %v; want %+v", got, err, r)
	}
	// A whole-file read decodes to the same record.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if dec, err := Decode(b); err != nil || dec != r {
		t.Errorf("Decode(file) = %+v, %v; want %+v", dec, err, r)
	}

	// Later publishes update the existing mapping in place.
	r2 := r
	r2.Epoch, r2.Changes = NextEpoch(r.Epoch), r.Changes+1
	if err := w.Publish(r2); err != nil {
		t.Fatal(err)
	}
	if got := m.Epoch(); got != r2.Epoch {
		t.Errorf("after second Publish, Epoch = %d, want %d", got, r2.Epoch)
	}
	if last, ok := w.Last(); !ok || last != r2 {
		t.Errorf("Last = %+v, %v; want %+v", last, ok, r2)
	}
	// No temporary file is left behind.
	ents, _ := os.ReadDir(filepath.Dir(path))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if fmt.Sprint(names) != "[state state.id state.lock]" {
		t.Errorf("directory holds %v, want [state state.id state.lock]", names)
	}
}

func TestSecondWriterRefused(t *testing.T) {
	w, path := newWriter(t)
	_, err := Create(path, publicID)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Create: %v, want ErrLocked", err)
	}
	for _, want := range []string{LockPath(path), fmt.Sprintf("pid %d", os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	w.Close()
	w2, err := Create(path, publicID)
	if err != nil {
		t.Fatalf("Create after the first writer closed: %v", err)
	}
	w2.Close()
}

// TestRestartKeepsReadersLive checks the restart contract: a new writer
// adopts the file in place, reports the old record, and its publishes
// reach a mapping made before the restart.
func TestRestartKeepsReadersLive(t *testing.T) {
	w, path := newWriter(t)
	r := sampleRecord()
	if err := w.Publish(r); err != nil {
		t.Fatal(err)
	}
	m := mustMap(t, path)
	before, _ := os.Stat(path)
	w.Close()

	w2, err := Create(path, publicID)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	last, ok := w2.Last()
	if !ok || last != r {
		t.Fatalf("Last after restart = %+v, %v; want %+v", last, ok, r)
	}
	r.Epoch = NextEpoch(r.Epoch)
	if err := w2.Publish(r); err != nil {
		t.Fatal(err)
	}
	if got := m.Epoch(); got != r.Epoch {
		t.Errorf("old mapping sees epoch %d after restart, want %d", got, r.Epoch)
	}
	after, _ := os.Stat(path)
	if m.Replaced() {
		t.Error("Replaced is true for a file reused in place")
	}
	if !os.SameFile(before, after) {
		t.Error("restart replaced the state file instead of reusing it")
	}
	if after.Mode().Perm() != 0o444 {
		t.Errorf("mode after restart %v, want 0444", after.Mode().Perm())
	}
}

func TestInvalidExistingFileReplaced(t *testing.T) {
	tests := []struct {
		name  string
		setup func(path string) error
	}{
		{"garbage", func(p string) error { return os.WriteFile(p, make([]byte, Size), 0o444) }},
		{"short", func(p string) error { return os.WriteFile(p, []byte(Magic), 0o444) }},
		{"version 2", func(p string) error {
			h := encode(sampleRecord(), 0)
			pg := h.page()
			pg[OffVersion] = 2
			return os.WriteFile(p, pg, 0o444)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state")
			if err := tt.setup(path); err != nil {
				t.Fatal(err)
			}
			w, err := Create(path, publicID)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if _, ok := w.Last(); ok {
				t.Error("an invalid file was taken as a previous record")
			}
			if err := w.Publish(sampleRecord()); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			if r, err := Decode(b); err != nil || r != sampleRecord() {
				t.Errorf("after replacing: %+v, %v", r, err)
			}
		})
	}
}

// TestSymlinkNotFollowed: a link planted at the state path must be
// replaced, never written through.
func TestSymlinkNotFollowed(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "victim")
	h := encode(sampleRecord(), 0)
	orig := h.page()
	if err := os.WriteFile(target, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "state")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path, publicID)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, ok := w.Last(); ok {
		t.Error("adopted a record through a symbolic link")
	}
	r := sampleRecord()
	r.Epoch = 7
	if err := w.Publish(r); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != string(orig) {
		t.Error("the link's target was modified")
	}
	if fi, _ := os.Lstat(path); fi.Mode()&os.ModeSymlink != 0 {
		t.Error("the link is still in place")
	}
}

func TestReplaced(t *testing.T) {
	w, path := newWriter(t)
	if err := w.Publish(sampleRecord()); err != nil {
		t.Fatal(err)
	}
	m := mustMap(t, path)
	if m.Replaced() {
		t.Fatal("fresh mapping reports Replaced")
	}
	w.Close()
	os.Remove(path)
	if !m.Replaced() {
		t.Error("removed file not reported as Replaced")
	}
	w2, err := Create(path, publicID)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if err := w2.Publish(consistentRecord(9)); err != nil {
		t.Fatal(err)
	}
	if !m.Replaced() {
		t.Error("re-created file not reported as Replaced")
	}
	if m.Epoch() != sampleRecord().Epoch {
		t.Error("the old mapping changed")
	}
}

func TestDirectoryAtStatePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(path, publicID); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("Create over a directory: %v", err)
	}
}

func TestUnsafeDirectoryRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	_, err := Create(filepath.Join(dir, "state"), publicID)
	if err == nil || !strings.Contains(err.Error(), "writable by other users") {
		t.Fatalf("Create in a 0777 directory: %v", err)
	}
}

func TestPublishRejectsInvalid(t *testing.T) {
	w, _ := newWriter(t)
	tests := []struct {
		name string
		r    Record
	}{
		{"epoch 0", Record{Epoch: 0}},
		{"epoch all ones", Record{Epoch: ^uint64(0)}},
		{"unknown flag", Record{Epoch: 1, Flags: 2}},
	}
	for _, tt := range tests {
		if err := w.Publish(tt.r); err == nil {
			t.Errorf("%s: Publish accepted %+v", tt.name, tt.r)
		}
	}
	w.Close()
	if err := w.Publish(sampleRecord()); err == nil {
		t.Error("Publish after Close succeeded")
	}
}

// TestStuckSeq: a writer that died between the two seq stores leaves seq
// odd. Readers get an error (not a hang); the next writer takes over. A
// file without the journal (written before it existed) keeps its epoch,
// and its ID counts as unknown: its two words may be from two records.
func TestStuckSeq(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	h := encode(sampleRecord(), 7)
	if err := os.WriteFile(path, h.page(), 0o444); err != nil {
		t.Fatal(err)
	}
	m := mustMap(t, path)
	if got := m.Epoch(); got != sampleRecord().Epoch {
		t.Errorf("Epoch = %d, want %d", got, sampleRecord().Epoch)
	}
	if _, err := m.Read(); !errors.Is(err, ErrWriting) {
		t.Fatalf("Read of a stuck seqlock: %v, want ErrWriting", err)
	}
	w, err := Create(path, publicID)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	want := sampleRecord()
	want.Flags, want.ID, want.PAddr = 0, genid.ID{}, 0
	if last, ok := w.Last(); !ok || last != want {
		t.Errorf("Last = %+v, %v; want %+v", last, ok, want)
	}
	r := sampleRecord()
	r.Epoch++
	if err := w.Publish(r); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Read(); err != nil || got != r {
		t.Errorf("Read after takeover = %+v, %v; want %+v", got, err, r)
	}
}

func TestMapErrors(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("VMGENID\x00"), 0o444)
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, make([]byte, Size), 0o444)
	tests := []struct{ path, want string }{
		{filepath.Join(dir, "missing"), "no such file"},
		{dir, "not a regular file"},
		{short, "is 8 bytes, want 4096"},
		{bad, "magic at offset 0"},
	}
	for _, tt := range tests {
		_, err := Map(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Map(%s) = %v, want an error containing %q", tt.path, err, tt.want)
		}
	}
}

// consistentRecord derives every field from n, so that a record mixing
// two publishes is recognisable.
func consistentRecord(n uint64) Record {
	var id genid.ID
	for i := range id {
		id[i] = byte(n) + byte(i)
	}
	return Record{Flags: uint32(n & 1), Epoch: n, ID: id, PAddr: n * 3, Changes: n * 5, LastChange: int64(n * 7)}
}

// TestNoTornReads runs readers on two separate mappings (and the whole-file
// path) while the writer publishes; run it under -race. Every record read
// must be one that was published whole.
func TestNoTornReads(t *testing.T) {
	w, path := newWriter(t)
	if err := w.Publish(consistentRecord(1)); err != nil {
		t.Fatal(err)
	}
	maps := []*Mapping{mustMap(t, path), mustMap(t, path)}
	const publishes = 20000
	var done atomic.Bool
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for i := range 4 {
		m := maps[i%len(maps)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			var prev uint64
			for reads := 0; !done.Load() || reads == 0; reads++ {
				r, err := m.Read()
				if err != nil {
					errc <- err
					return
				}
				if r != consistentRecord(r.Epoch) {
					errc <- fmt.Errorf("torn record: %+v", r)
					return
				}
				if r.Epoch < prev {
					errc <- fmt.Errorf("epoch went back from %d to %d", prev, r.Epoch)
					return
				}
				prev = r.Epoch
				if e := m.Epoch(); e < prev {
					errc <- fmt.Errorf("Epoch() %d behind a record already read (%d)", e, prev)
					return
				}
			}
		}()
	}
	for n := uint64(2); n <= publishes; n++ {
		if err := w.Publish(consistentRecord(n)); err != nil {
			t.Fatal(err)
		}
	}
	done.Store(true)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if got, err := maps[0].Read(); err != nil || got != consistentRecord(publishes) {
		t.Errorf("final record %+v, %v", got, err)
	}
}

// TestNoTornReadsAcrossProcesses runs the reader in another process, with
// its own mapping in its own address space, while this one publishes.
func TestNoTornReadsAcrossProcesses(t *testing.T) {
	if os.Getenv("VMGENID_STATE_READER") != "" {
		return // the reader side runs in TestHelperReader
	}
	w, path := newWriter(t)
	if err := w.Publish(consistentRecord(1)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperReader$", "-test.count=1")
	cmd.Env = append(os.Environ(), "VMGENID_STATE_READER="+path)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Publish until the reader has made its reads and exits.
	var err error
loop:
	for n := uint64(2); ; n++ {
		select {
		case err = <-exited:
			break loop
		default:
		}
		if perr := w.Publish(consistentRecord(n)); perr != nil {
			t.Fatal(perr)
		}
		if n%64 == 0 {
			time.Sleep(time.Microsecond) // let the reader in now and then
		}
	}
	if err != nil || !strings.Contains(out.String(), "reader ok") {
		t.Fatalf("reader process: %v\n%s", err, out.String())
	}
}

// TestHelperReader is the reader process of TestNoTornReadsAcrossProcesses.
func TestHelperReader(t *testing.T) {
	path := os.Getenv("VMGENID_STATE_READER")
	if path == "" {
		t.Skip("runs only as the helper process of TestNoTornReadsAcrossProcesses")
	}
	m := mustMap(t, path)
	var prev uint64
	for range 20000 {
		r, err := m.Read()
		if err != nil {
			t.Fatal(err)
		}
		if r != consistentRecord(r.Epoch) {
			t.Fatalf("torn record: %+v", r)
		}
		if r.Epoch < prev {
			t.Fatalf("epoch went back from %d to %d", prev, r.Epoch)
		}
		prev = r.Epoch
	}
	if prev < 2 {
		t.Fatal("the reader never saw a publication")
	}
	fmt.Println("reader ok, last epoch", prev)
}

// publicID makes the tests that compare the public file with the whole
// record publish the ID there; TestIDWithheld checks the default.
var publicID = Options{PublicID: true}
