package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vmgenid/vmgenid/internal/state"
)

// BenchmarkDaemonLatency measures how long the daemon takes from a change
// to the published epoch, driving "vmgenid daemon" as
// its flags wire it:
//
//   - kmsg: a kernel fork line written to a FIFO given as --kmsg, with no
//     readable ID (as on Firecracker): the event path alone.
//   - kmsg+id: a new ID written to the memory file, then the fork line:
//     the event path with the ID read and compared.
//   - poll-10ms: a new ID written to the memory file with no kernel log
//     and --poll 10ms: the polling fallback, for comparison.
//
// Each iteration is one change; it reports the p50, p99 and maximum from
// the write to the epoch seen in the state file. Run it with
// "make bench-latency" (200 changes each).
func BenchmarkDaemonLatency(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("the kernel-log detector exists only on Linux")
	}
	b.Run("kmsg", func(b *testing.B) { benchLatency(b, true, false, 0) })
	b.Run("kmsg+id", func(b *testing.B) { benchLatency(b, true, true, 0) })
	b.Run("poll-10ms", func(b *testing.B) { benchLatency(b, false, true, 10*time.Millisecond) })
}

func benchLatency(b *testing.B, kmsg, id bool, poll time.Duration) {
	f := newDaemonFixture(b)
	f.opts.detect.Poll = poll
	f.opts.detect.Uevent = false
	f.opts.detect.VMClock = "off"
	if !id {
		f.env.global.mem = filepath.Join(f.dir, "no-such-mem")
	}
	var fifo *os.File
	if kmsg {
		path := filepath.Join(f.dir, "kmsg")
		if err := unix.Mkfifo(path, 0o600); err != nil {
			b.Fatal(err)
		}
		// Opened for reading and writing, so that the daemon's reader
		// never sees the FIFO without a writer (end of file).
		var err error
		if fifo, err = os.OpenFile(path, os.O_RDWR, 0); err != nil {
			b.Fatal(err)
		}
		defer fifo.Close()
		fmt.Fprintf(fifo, "6,0,0,-;Linux version\n")
		f.opts.detect.Kmsg = path
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runDaemon(ctx, f.env, f.opts) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("daemon = %v\n%s", err, f.stderr)
		}
	}()
	m := waitMapped(b, f.opts.statePath, f.stderr)
	defer m.Close()

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		before := m.Epoch()
		start := time.Now()
		if id {
			f.setID(b, byte(i%250)+2)
		}
		if kmsg {
			fmt.Fprintf(fifo, "6,%d,%d,-;random: crng reseeded due to virtual machine fork\n", i+1, (i+1)*1000)
		}
		for m.Epoch() == before {
			if time.Since(start) > 10*time.Second {
				b.Fatalf("change %d: no advance after 10 s:\n%s", i, f.stderr)
			}
			runtime.Gosched()
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(pct(0.5), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(pct(1), "max-µs")
}

// waitMapped waits for the daemon's first publish and maps the state file.
func waitMapped(tb testing.TB, path string, log fmt.Stringer) *state.Mapping {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, err := state.Map(path)
		if err == nil && m.Epoch() != 0 {
			return m
		}
		if err == nil {
			m.Close()
		}
		if time.Now().After(deadline) {
			tb.Fatalf("daemon did not publish: %v\n%s", err, log)
		}
		time.Sleep(time.Millisecond)
	}
}
