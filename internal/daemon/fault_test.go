package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
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
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/state"
)

// genID is the ID of VM generation n (n ≥ 1): its two bytes repeated, so
// that a record mixing two IDs shows.
func genID(n uint16) genid.ID {
	var id genid.ID
	for i := 0; i < len(id); i += 2 {
		id[i], id[i+1] = byte(n), byte(n>>8)
	}
	return id
}

// genOf returns the generation an ID stands for, 0 if it is no genID.
func genOf(id genid.ID) uint16 {
	n := uint16(id[0]) | uint16(id[1])<<8
	if id != genID(n) {
		return 0
	}
	return n
}

// faultKills is how many times TestFaultKills kills the daemon.
const faultKills = 220

// TestFaultKills kills the daemon with SIGKILL at
// random points of its start and of its publishes, faultKills times, while
// the ID changes, a reader reads the state file without pause, and every
// tenth start is let run until it is ready. Each change is made only once
// the previous one is published, so each must be exactly one advance:
// generation n is epoch n, with n-1 changes. The reader checks every
// record it gets against that (a torn read, a lost or a doubled change
// would break it) and that the epoch never goes down; the ready starts
// check that nothing was lost while the daemon was down; at the end no
// temporary file is left.
func TestFaultKills(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses a subprocess and SIGKILL")
	}
	f := newFixture(t, genID(1))
	tables, _ := filepath.Abs(tablesDir)
	var gen atomic.Uint32 // the generation written (or being written) to the fake memory
	gen.Store(1)

	// The reader.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads atomic.Int64
	var readerErr atomic.Value
	fail := func(err error) { readerErr.CompareAndSwap(nil, err) }
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m *state.Mapping
		defer func() {
			if m != nil {
				m.Close()
			}
		}()
		var lastEpoch uint64
		for {
			select {
			case <-stop:
				return
			default:
			}
			if m == nil || m.Replaced() {
				if m != nil {
					m.Close()
				}
				var err error
				if m, err = state.Map(f.statePath); err != nil {
					m = nil
					runtime.Gosched()
					continue
				}
			}
			e := m.Epoch()
			if e < lastEpoch {
				fail(fmt.Errorf("the epoch went down from %d to %d", lastEpoch, e))
				return
			}
			lastEpoch = e
			rec, err := m.Read()
			if errors.Is(err, state.ErrWriting) {
				continue // a writer killed mid-update, until the next completes it
			}
			if err != nil {
				fail(err)
				return
			}
			reads.Add(1)
			n := uint64(genOf(rec.ID))
			if n == 0 || rec.Epoch != n || rec.Changes != n-1 || !rec.IDKnown() {
				fail(fmt.Errorf("record %+v: a torn read, or generation %d published as epoch %d with %d changes (lost or doubled)", rec, n, rec.Epoch, rec.Changes))
				return
			}
			if n > uint64(gen.Load()) {
				fail(fmt.Errorf("epoch %d but only %d generations", rec.Epoch, gen.Load()))
				return
			}
		}
	}()

	spawn := func() (*exec.Cmd, *syncBuffer) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFaultDaemon$", "-test.v")
		cmd.Env = append(os.Environ(), "VMGENID_TEST_DAEMON="+f.statePath+"\n"+f.mem+"\n"+tables)
		out := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, out
	}
	kill := func(cmd *exec.Cmd) {
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	// published reports whether the current generation is published.
	published := func() bool {
		m, err := state.Map(f.statePath)
		if err != nil {
			return false
		}
		defer m.Close()
		return m.Epoch() == uint64(gen.Load())
	}
	// change counts the generation before writing it: the daemon polls
	// every millisecond and may publish it before writeID returns, and
	// the reader must never find an epoch above gen.
	change := func() {
		n := uint16(gen.Load() + 1)
		gen.Store(uint32(n))
		f.writeID(t, genID(n))
	}
	// waitReady waits for the helper's READY: its start has published,
	// so every change made before it started must show.
	waitReady := func(cmd *exec.Cmd, out *syncBuffer) {
		for !strings.Contains(out.String(), "READY") {
			if strings.Contains(out.String(), "ERROR") || cmd.ProcessState != nil {
				t.Fatalf("helper daemon did not start:\n%s", out.String())
			}
			time.Sleep(time.Millisecond)
		}
		m := mapState(t, f.statePath)
		if e := m.Epoch(); e != uint64(gen.Load()) {
			t.Fatalf("after a ready start, epoch %d with generation %d: a change was lost or doubled\n%s", e, gen.Load(), out.String())
		}
	}

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 11))
	t.Logf("seed %d", seed)
	for i := range faultKills {
		if err, _ := readerErr.Load().(error); err != nil {
			t.Fatalf("kill %d: reader: %v", i, err)
		}
		cmd, out := spawn()
		if i%10 == 9 {
			waitReady(cmd, out)
		}
		// Kill at a random point of the start, or of the publish
		// of a change made at a random moment.
		time.Sleep(time.Duration(rng.IntN(20_000)) * time.Microsecond)
		if published() && rng.IntN(4) != 0 {
			change()
			time.Sleep(time.Duration(rng.IntN(8_000)) * time.Microsecond)
		}
		kill(cmd)
	}
	cmd, out := spawn()
	waitReady(cmd, out)
	kill(cmd)
	close(stop)
	wg.Wait()
	if err, _ := readerErr.Load().(error); err != nil {
		t.Fatalf("reader: %v", err)
	}
	if reads.Load() == 0 {
		t.Fatal("the reader read nothing")
	}
	t.Logf("%d kills, %d generations, %d consistent reads", faultKills+1, gen.Load(), reads.Load())
	ents, err := os.ReadDir(filepath.Dir(f.statePath))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") || strings.HasPrefix(e.Name(), ".forks-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if _, err := os.Stat(f.statePath); errors.Is(err, fs.ErrNotExist) {
		t.Error("no state file at the end")
	}
}

// noForks is a kernel fork count that stays 0: with it the daemon writes
// its forks note (state.forks, through a temporary file) at every start
// and advance, as on a real guest, without changing any decision.
type noForks struct{}

func (noForks) Name() string { return "kmsg" }

func (noForks) Run(ctx context.Context, notify func(detect.Signal)) error {
	<-ctx.Done()
	return nil
}

func (noForks) Count() detect.Count { return detect.Count{Kind: detect.KernelForks} }

// TestHelperFaultDaemon is the daemon TestFaultKills kills.
func TestHelperFaultDaemon(t *testing.T) {
	spec := os.Getenv("VMGENID_TEST_DAEMON")
	if spec == "" {
		t.Skip("helper process for TestFaultKills")
	}
	paths := strings.Split(spec, "\n") // state, mem, tables
	d, err := New(Config{
		StatePath:    paths[0],
		PublicID:     true,
		Sources:      []source.Source{source.NewACPI(paths[2], paths[1])},
		Detectors:    []detect.Detector{noForks{}},
		PollInterval: time.Millisecond,
		Mixer:        &recordingMixer{},
		Ready:        func(string) { fmt.Println("READY") },
	})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	d.Run(context.Background())
}
