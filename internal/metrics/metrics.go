// Package metrics serves the daemon's Prometheus metrics (vmgenid daemon
// --metrics ADDR). It is fed by the daemon's Monitor hook and exposes the
// epoch, the change count, the time of the last change, whether the ID is
// known, each detector's state and signal count, and the check durations,
// plus the client library's process and Go collectors. It never exposes
// the ID itself: the ID is what clones differ in, and a metrics endpoint is
// no place to spread it.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vmgenid/vmgenid/internal/daemon"
	"github.com/vmgenid/vmgenid/internal/state"
)

// CheckBuckets are the check-duration histogram's upper bounds in seconds:
// a check reads 16 bytes and maybe publishes a page (microseconds); the
// top buckets catch a slow /dev/mem or a stalled disk.
var CheckBuckets = prometheus.ExponentialBuckets(10e-6, 4, 9) // 10µs .. 655ms

// Metrics is a daemon.Monitor that keeps the daemon's metrics in its own
// registry.
type Metrics struct {
	reg *prometheus.Registry

	mu  sync.Mutex
	rec state.Record // the last record published; its ID is never read

	running *prometheus.GaugeVec
	signals *prometheus.CounterVec
	checks  prometheus.Histogram
}

var _ daemon.Monitor = (*Metrics)(nil)

// New returns the metrics, registered in a registry of their own (not the
// global one) with the process and Go collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.running = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vmgenid_detector_running",
		Help: "Whether the detector runs (1) or has stopped (0).",
	}, []string{"detector"})
	m.signals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vmgenid_detector_signals_total",
		Help: "Signals (\"maybe changed\") the detector gave since the daemon started.",
	}, []string{"detector"})
	m.checks = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "vmgenid_check_duration_seconds",
		Help:    "Time one check took: reading the ID or the change counts and, on a change, reseeding and publishing.",
		Buckets: CheckBuckets,
	})
	record := func(f func(state.Record) float64) func() float64 {
		return func() float64 {
			m.mu.Lock()
			defer m.mu.Unlock()
			return f(m.rec)
		}
	}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "vmgenid_epoch",
			Help: "The entropy epoch published in the state file (0: nothing published yet).",
		}, record(func(r state.Record) float64 { return float64(r.Epoch) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "vmgenid_changes_total",
			Help: "VM generation changes seen since boot, as published in the state file.",
		}, record(func(r state.Record) float64 { return float64(r.Changes) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "vmgenid_last_change_timestamp_seconds",
			Help: "Unix time of the last change since boot (0: none).",
		}, record(func(r state.Record) float64 { return float64(r.LastChange) / 1e9 })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "vmgenid_id_known",
			Help: "Whether the published record holds the VM generation ID (1) or the ID is unknown (0).",
		}, record(func(r state.Record) float64 {
			if r.IDKnown() {
				return 1
			}
			return 0
		})),
		m.running, m.signals, m.checks,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	)
	return m
}

// Registry returns the registry the metrics are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// DetectorRunning implements daemon.Monitor.
func (m *Metrics) DetectorRunning(name string, running bool) {
	v := 0.0
	if running {
		v = 1
	}
	// A detector that has not signalled yet shows 0 rather than nothing
	// (created first, so that running never shows a detector without it).
	m.signals.WithLabelValues(name)
	m.running.WithLabelValues(name).Set(v)
}

// Signal implements daemon.Monitor.
func (m *Metrics) Signal(detector string) { m.signals.WithLabelValues(detector).Inc() }

// Checked implements daemon.Monitor.
func (m *Metrics) Checked(d time.Duration) { m.checks.Observe(d.Seconds()) }

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
