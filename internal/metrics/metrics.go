// Package metrics serves the daemon's Prometheus metrics (vmgenid daemon
// --metrics ADDR). It is fed by the daemon's Monitor hook and exposes the
// epoch, the change count, the time of the last change, whether the ID is
// known, each detector's state and signal count, the check durations, and
// the process's CPU time and goroutines. It never exposes the ID itself:
// the ID is what clones differ in, and a metrics endpoint is no place to
// spread it.
//
// The metrics are written in Prometheus's text exposition format here
// rather than through client_golang: that library brought protobuf and
// procfs into the vmgenid binary that runs in small VMs (3.8 MB of its
// 14.5 MB, whatever collectors are registered), for a few fixed families
// that one function writes. The tests parse the output with Prometheus's
// own parser and promtool.
package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vmgenid/vmgenid/internal/daemon"
	"github.com/vmgenid/vmgenid/internal/state"
)

// CheckBuckets are the check-duration histogram's upper bounds in seconds:
// a check reads 16 bytes and maybe publishes a page (microseconds); the
// top buckets catch a slow /dev/mem or a stalled disk.
var CheckBuckets = func() []float64 {
	b := make([]float64, 9) // 10µs .. 655ms
	for i := range b {
		b[i] = 10e-6 * math.Pow(4, float64(i))
	}
	return b
}()

// Metrics is a daemon.Monitor that keeps the daemon's metrics and serves
// them.
type Metrics struct {
	mu        sync.Mutex
	rec       state.Record // the last record published; its ID is never read
	detectors map[string]*detector
	checks    []uint64 // per bucket of CheckBuckets, and +Inf last
	checkSum  float64  // seconds
}

// detector is one detector's state and signal count.
type detector struct {
	running bool
	signals uint64
}

var _ daemon.Monitor = (*Metrics)(nil)

// New returns empty metrics.
func New() *Metrics {
	return &Metrics{detectors: map[string]*detector{}, checks: make([]uint64, len(CheckBuckets)+1)}
}

// Handler serves the metrics in the text exposition format.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		m.WriteTo(w)
	})
}

// WriteTo writes the metrics in the text exposition format, all taken at
// one moment: a signal and its check are never split between two families.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	var cpu float64
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		cpu = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	var b bytes.Buffer
	family := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
	}
	sample := func(name, labels string, v float64) {
		fmt.Fprintf(&b, "%s%s %s\n", name, labels, formatFloat(v))
	}
	one := func(name, typ, help string, v float64) {
		family(name, typ, help)
		sample(name, "", v)
	}

	m.mu.Lock()
	r := m.rec
	one("vmgenid_epoch", "gauge", "The entropy epoch published in the state file (0: nothing published yet).", float64(r.Epoch))
	one("vmgenid_changes_total", "counter", "VM generation changes seen since boot, as published in the state file.", float64(r.Changes))
	one("vmgenid_last_change_timestamp_seconds", "gauge", "Unix time of the last change since boot (0: none).", float64(r.LastChange)/1e9)
	idKnown := 0.0
	if r.IDKnown() {
		idKnown = 1
	}
	one("vmgenid_id_known", "gauge", "Whether the published record holds the VM generation ID (1) or the ID is unknown (0).", idKnown)

	names := slices.Sorted(maps.Keys(m.detectors))
	if len(names) > 0 {
		family("vmgenid_detector_running", "gauge", "Whether the detector runs (1) or has stopped (0).")
		for _, n := range names {
			v := 0.0
			if m.detectors[n].running {
				v = 1
			}
			sample("vmgenid_detector_running", detectorLabel(n), v)
		}
		family("vmgenid_detector_signals_total", "counter", "Signals (\"maybe changed\") the detector gave since the daemon started.")
		for _, n := range names {
			sample("vmgenid_detector_signals_total", detectorLabel(n), float64(m.detectors[n].signals))
		}
	}

	const checks = "vmgenid_check_duration_seconds"
	family(checks, "histogram", "Time one check took: reading the ID or the change counts and, on a change, reseeding and publishing.")
	var count uint64 // the buckets are cumulative
	for i, c := range m.checks {
		count += c
		le := "+Inf"
		if i < len(CheckBuckets) {
			le = formatFloat(CheckBuckets[i])
		}
		sample(checks+"_bucket", `{le="`+le+`"}`, float64(count))
	}
	sample(checks+"_sum", "", m.checkSum)
	sample(checks+"_count", "", float64(count))
	m.mu.Unlock()

	one("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", cpu)
	one("go_goroutines", "gauge", "Number of goroutines that currently exist.", float64(runtime.NumGoroutine()))
	return b.WriteTo(w)
}

// detectorLabel is the label set {detector="name"}.
func detectorLabel(name string) string {
	return `{detector="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(name) + `"}`
}

// escapeHelp escapes a help text as the exposition format asks.
func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

// formatFloat writes a sample value as Prometheus does.
func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, +1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// detector returns the detector name, created at its first report; m.mu
// is held.
func (m *Metrics) detector(name string) *detector {
	d := m.detectors[name]
	if d == nil {
		d = &detector{}
		m.detectors[name] = d
	}
	return d
}

// DetectorRunning implements daemon.Monitor.
func (m *Metrics) DetectorRunning(name string, running bool) {
	m.mu.Lock()
	m.detector(name).running = running
	m.mu.Unlock()
}

// Signal implements daemon.Monitor.
func (m *Metrics) Signal(name string) {
	m.mu.Lock()
	m.detector(name).signals++
	m.mu.Unlock()
}

// Checked implements daemon.Monitor.
func (m *Metrics) Checked(d time.Duration) {
	s := d.Seconds()
	i, _ := slices.BinarySearch(CheckBuckets, s) // the first bound ≥ s
	m.mu.Lock()
	m.checks[i]++
	m.checkSum += s
	m.mu.Unlock()
}

// Published implements daemon.Monitor. Only the epoch, the flags, the
// change count and the time are kept: never the ID or its address.
func (m *Metrics) Published(rec state.Record) {
	m.mu.Lock()
	m.rec = state.Record{Epoch: rec.Epoch, Flags: rec.Flags, Changes: rec.Changes, LastChange: rec.LastChange}
	m.mu.Unlock()
}

// ErrRemote is returned by Listen for an address that is not loopback when
// remote access was not allowed.
var ErrRemote = errors.New("not a loopback address (give --metrics-allow-remote to serve other hosts)")

// Listen opens the metrics listener on addr ("127.0.0.1:9101",
// "[::1]:9101", "localhost:9101"). Unless allowRemote, the host must be a
// loopback address or "localhost": an empty host, "0.0.0.0" or a routable
// address fail with ErrRemote, so that the endpoint is not served to the
// network by a typo.
func Listen(addr string, allowRemote bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("metrics address %q: %w", addr, err)
	}
	if !allowRemote && !isLoopback(host) {
		return nil, fmt.Errorf("metrics address %q: %w", addr, ErrRemote)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return l, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve serves /metrics on l until ctx is done, then shuts the server down
// and returns nil; it returns an error if serving fails before that.
func (m *Metrics) Serve(ctx context.Context, l net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return fmt.Errorf("metrics: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-done
		return nil
	}
}
