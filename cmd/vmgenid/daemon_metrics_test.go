package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/vmgenid/vmgenid/internal/metrics"
	"github.com/vmgenid/vmgenid/internal/state"
)

// runningDaemon is a daemon run by a test on a daemonFixture.
type runningDaemon struct {
	m    *state.Mapping
	stop func() // cancels and checks the daemon's result
}

// startDaemon runs the daemon of f until the test ends (or stop), and
// waits for its first publish.
func startDaemon(t *testing.T, f *daemonFixture) *runningDaemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runDaemon(ctx, f.env, f.opts) }()
	stopped := false
	r := &runningDaemon{stop: func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon = %v; log:\n%s", err, f.stderr)
		}
	}}
	t.Cleanup(r.stop)
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, err := state.Map(f.opts.statePath)
		if err == nil && m.Epoch() != 0 {
			r.m = m
			t.Cleanup(func() { m.Close() })
			return r
		}
		if err == nil {
			m.Close()
		}
		select {
		case err := <-done:
			t.Fatalf("daemon stopped: %v; log:\n%s", err, f.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not publish: %s", f.stderr)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitEpoch waits until the published epoch is want.
func (r *runningDaemon) waitEpoch(t *testing.T, f *daemonFixture, want uint64) state.Record {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec, err := r.m.Read()
		if err == nil && rec.Epoch == want {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("epoch %d (%v), want %d; daemon log:\n%s", rec.Epoch, err, want, f.stderr)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var metricsAddrRE = regexp.MustCompile(`serving metrics on http://(\S+)/metrics`)

// scrape fetches /metrics and parses it with the exposition-format parser.
func scrape(t *testing.T, addr string) (map[string]*dto.MetricFamily, []byte) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s, %v", resp.Status, err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, body)
	}
	return fams, body
}

// metricValue returns the one sample of the family name with the given
// type (and, for labelled families, the label detector=label).
// hasDetector says whether the family name has a sample for detector.
func hasDetector(fams map[string]*dto.MetricFamily, name, detector string) bool {
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "detector" && l.GetValue() == detector {
				return true
			}
		}
	}
	return false
}

func metricValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, typ dto.MetricType, label string) *dto.Metric {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
	if f.GetType() != typ {
		t.Fatalf("%s is a %v, want a %v", name, f.GetType(), typ)
	}
	if f.GetHelp() == "" {
		t.Errorf("%s has no help text", name)
	}
	for _, m := range f.GetMetric() {
		if label == "" && len(m.GetLabel()) == 0 {
			return m
		}
		for _, l := range m.GetLabel() {
			if l.GetName() == "detector" && l.GetValue() == label {
				return m
			}
		}
	}
	t.Fatalf("no %s sample for detector %q", name, label)
	return nil
}

// checkMetrics checks every vmgenid metric against the published record.
// A check has run when checked is set (the first scrape may come before
// the first poll).
func checkMetrics(t *testing.T, addr string, fams map[string]*dto.MetricFamily, rec state.Record, checked bool) {
	t.Helper()
	gauge := func(name string) float64 {
		return metricValue(t, fams, name, dto.MetricType_GAUGE, "").GetGauge().GetValue()
	}
	if got := gauge("vmgenid_epoch"); got != float64(rec.Epoch) {
		t.Errorf("vmgenid_epoch %v, want %d", got, rec.Epoch)
	}
	if got := metricValue(t, fams, "vmgenid_changes_total", dto.MetricType_COUNTER, "").GetCounter().GetValue(); got != float64(rec.Changes) {
		t.Errorf("vmgenid_changes_total %v, want %d", got, rec.Changes)
	}
	if got, want := gauge("vmgenid_last_change_timestamp_seconds"), float64(rec.LastChange)/1e9; math.Abs(got-want) > 1e-6 {
		t.Errorf("vmgenid_last_change_timestamp_seconds %v, want %v", got, want)
	}
	if got := gauge("vmgenid_id_known"); got != 1 {
		t.Errorf("vmgenid_id_known %v, want 1", got)
	}
	if got := metricValue(t, fams, "vmgenid_detector_running", dto.MetricType_GAUGE, "poll").GetGauge().GetValue(); got != 1 {
		t.Errorf("vmgenid_detector_running{detector=\"poll\"} %v, want 1", got)
	}
	h := metricValue(t, fams, "vmgenid_check_duration_seconds", dto.MetricType_HISTOGRAM, "").GetHistogram()
	// Every check runs for one burst of at least one signal, counted before
	// the check starts. One scrape gathers the counter and the histogram at
	// different moments (a signal and its check may fall between them), so
	// the checks are compared with the signals of a later scrape.
	later, _ := scrape(t, addr)
	signals := metricValue(t, later, "vmgenid_detector_signals_total", dto.MetricType_COUNTER, "poll").GetCounter().GetValue()
	if float64(h.GetSampleCount()) > signals || (checked && (h.GetSampleCount() == 0 || h.GetSampleSum() <= 0)) {
		t.Errorf("vmgenid_check_duration_seconds count %d sum %v, with %v poll signals", h.GetSampleCount(), h.GetSampleSum(), signals)
	}
	if len(h.GetBucket()) != len(metrics.CheckBuckets)+1 { // and +Inf
		t.Errorf("check histogram has %d buckets, want %d and +Inf", len(h.GetBucket()), len(metrics.CheckBuckets))
	}
	for _, name := range []string{"process_cpu_seconds_total", "go_goroutines"} {
		if fams[name] == nil {
			t.Errorf("no %s: the process metrics are missing", name)
		}
	}
}

// The daemon's --metrics endpoint across a real change: the ID rewritten
// in the memory file advances the epoch, and every metric follows.
func TestDaemonMetrics(t *testing.T) {
	f := newDaemonFixture(t)
	f.opts.metrics = "127.0.0.1:0"
	r := startDaemon(t, f)
	m := metricsAddrRE.FindStringSubmatch(f.stderr.String())
	if m == nil {
		t.Fatalf("the daemon did not say where it serves metrics:\n%s", f.stderr)
	}
	addr := m[1]

	rec := r.waitEpoch(t, f, 1)
	// The daemon publishes before it starts the detectors, and a scrape
	// may gather the two per-detector families on either side of the
	// poll detector's start: wait until both show it.
	fams, _ := scrape(t, addr)
	for deadline := time.Now().Add(10 * time.Second); !hasDetector(fams, "vmgenid_detector_running", "poll") || !hasDetector(fams, "vmgenid_detector_signals_total", "poll"); fams, _ = scrape(t, addr) {
		if time.Now().After(deadline) {
			t.Fatalf("no detector ever reported running:\n%s", f.stderr)
		}
		time.Sleep(2 * time.Millisecond)
	}
	checkMetrics(t, addr, fams, rec, false)
	before := metricValue(t, fams, "vmgenid_detector_signals_total", dto.MetricType_COUNTER, "poll").GetCounter().GetValue()

	changed := time.Now()
	id := f.setID(t, 7)
	rec = r.waitEpoch(t, f, 2)
	fams, body := scrape(t, addr)
	checkMetrics(t, addr, fams, rec, true)
	if rec.Changes == 0 || rec.LastChange < changed.UnixNano() {
		t.Errorf("record after the change: changes %d, last change %d (before %d)", rec.Changes, rec.LastChange, changed.UnixNano())
	}
	if after := metricValue(t, fams, "vmgenid_detector_signals_total", dto.MetricType_COUNTER, "poll").GetCounter().GetValue(); after <= before {
		t.Errorf("poll signals %v after the change, %v before", after, before)
	}
	for _, s := range []string{id.String(), strings.ReplaceAll(id.GUID(), "-", "")} {
		if bytes.Contains(bytes.ToLower(body), []byte(strings.ToLower(s))) {
			t.Errorf("/metrics exposes the ID %s", s)
		}
	}
	promtoolCheck(t, body)
}

// promtoolCheck runs "promtool check metrics" (Debian's prometheus
// package) on a scrape: it lints names, types, units and help texts. It
// skips where promtool is missing, except in CI, which installs it.
func promtoolCheck(t *testing.T, body []byte) {
	t.Helper()
	if _, err := exec.LookPath("promtool"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but no promtool (Debian package prometheus, scripts/install-deps): %v", err)
		}
		t.Log("skipping promtool check metrics: no promtool (apt-get install prometheus)")
		return
	}
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// A non-loopback --metrics address is refused unless
// --metrics-allow-remote, before anything else starts.
func TestDaemonMetricsRemoteRefused(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:9101", "example.com:9101"} {
		f := newDaemonFixture(t)
		f.opts.metrics = addr
		err := runDaemon(context.Background(), f.env, f.opts)
		if !errors.Is(err, metrics.ErrRemote) {
			t.Errorf("--metrics %s: %v, want ErrRemote", addr, err)
		}
		if _, serr := os.Stat(f.opts.statePath); serr == nil {
			t.Errorf("--metrics %s: refused, but the daemon published a state file", addr)
		}
	}
	f := newDaemonFixture(t)
	f.opts.metrics = "0.0.0.0:0"
	f.opts.metricsAllowRemote = true
	startDaemon(t, f).stop()
	if !metricsAddrRE.MatchString(f.stderr.String()) {
		t.Errorf("--metrics 0.0.0.0:0 --metrics-allow-remote: not served:\n%s", f.stderr)
	}
}
