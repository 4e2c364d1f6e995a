package metrics

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/state"
)

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0", "localhost:0"} {
		l, err := Listen(addr, false)
		if err != nil {
			// A host without IPv6 cannot bind ::1; that is not a refusal.
			if errors.Is(err, ErrRemote) {
				t.Errorf("Listen(%s) refused a loopback address: %v", addr, err)
			}
			continue
		}
		l.Close()
	}
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "10.0.0.1:0", "example.com:0"} {
		if _, err := Listen(addr, false); !errors.Is(err, ErrRemote) {
			t.Errorf("Listen(%s) = %v, want ErrRemote", addr, err)
		}
	}
	if _, err := Listen("127.0.0.1", false); err == nil || errors.Is(err, ErrRemote) {
		t.Errorf("Listen without a port = %v, want a parse error", err)
	}
	l, err := Listen("0.0.0.0:0", true)
	if err != nil {
		t.Fatalf("Listen(0.0.0.0:0, allowRemote) = %v", err)
	}
	l.Close()
}

// The exposition is what Prometheus's own parser reads: every family with
// its type and help, the values the Monitor calls gave, cumulative
// histogram buckets with a bound counting as "less or equal", detector
// names escaped in labels, and never the ID.
func TestWriteTo(t *testing.T) {
	m := New()
	var empty bytes.Buffer
	if _, err := m.WriteTo(&empty); err != nil {
		t.Fatal(err)
	}
	fams := parse(t, empty.Bytes())
	if fams["vmgenid_detector_running"] != nil {
		t.Errorf("detector families before any detector reported:\n%s", empty.Bytes())
	}

	id := genid.ID{0xde, 0xad, 0xbe, 0xef, 15: 0x42}
	m.Published(state.Record{Flags: state.FlagIDKnown, Epoch: 3, ID: id, PAddr: 0xdfff0, Changes: 2, LastChange: 1_700_000_000_500_000_000})
	m.DetectorRunning("poll", true)
	m.DetectorRunning(`odd "name"\`, true)
	m.DetectorRunning(`odd "name"\`, false)
	m.Signal("poll")
	m.Signal("poll")
	m.Signal("kmsg")                 // a signal before its detector reported running still counts
	m.Checked(10 * time.Microsecond) // exactly the first bound: in it
	m.Checked(11 * time.Microsecond)
	m.Checked(time.Second) // above the last bound: +Inf only
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	fams = parse(t, b.Bytes())
	for name, f := range fams {
		if f.GetHelp() == "" {
			t.Errorf("%s has no help", name)
		}
	}
	value := func(name string, typ dto.MetricType, detector string) float64 {
		t.Helper()
		f := fams[name]
		if f == nil || f.GetType() != typ {
			t.Fatalf("%s: %v, want a %v", name, f, typ)
		}
		for _, s := range f.GetMetric() {
			if detector == "" && len(s.GetLabel()) == 0 || len(s.GetLabel()) == 1 && s.GetLabel()[0].GetValue() == detector {
				if typ == dto.MetricType_COUNTER {
					return s.GetCounter().GetValue()
				}
				return s.GetGauge().GetValue()
			}
		}
		t.Fatalf("no %s sample for detector %q", name, detector)
		return 0
	}
	gauge, counter := dto.MetricType_GAUGE, dto.MetricType_COUNTER
	for _, c := range []struct {
		name     string
		typ      dto.MetricType
		detector string
		want     float64
	}{
		{"vmgenid_epoch", gauge, "", 3},
		{"vmgenid_changes_total", counter, "", 2},
		{"vmgenid_last_change_timestamp_seconds", gauge, "", 1_700_000_000.5},
		{"vmgenid_id_known", gauge, "", 1},
		{"vmgenid_detector_running", gauge, "poll", 1},
		{"vmgenid_detector_running", gauge, `odd "name"\`, 0},
		{"vmgenid_detector_running", gauge, "kmsg", 0},
		{"vmgenid_detector_signals_total", counter, "poll", 2},
		{"vmgenid_detector_signals_total", counter, "kmsg", 1},
		{"vmgenid_detector_signals_total", counter, `odd "name"\`, 0},
	} {
		if got := value(c.name, c.typ, c.detector); got != c.want {
			t.Errorf("%s{detector=%q} = %v, want %v", c.name, c.detector, got, c.want)
		}
	}
	if value("process_cpu_seconds_total", counter, "") <= 0 || value("go_goroutines", gauge, "") < 1 {
		t.Errorf("process CPU time or goroutines missing:\n%s", b.Bytes())
	}

	h := fams["vmgenid_check_duration_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 3 || math.Abs(h.GetSampleSum()-1.000021) > 1e-9 {
		t.Errorf("checks: count %d sum %v, want 3 and 1.000021", h.GetSampleCount(), h.GetSampleSum())
	}
	if len(h.GetBucket()) != len(CheckBuckets)+1 {
		t.Fatalf("%d buckets, want %d and +Inf", len(h.GetBucket()), len(CheckBuckets))
	}
	for i, bk := range h.GetBucket() {
		want := uint64(2) // 10µs in the first, 11µs from the second on
		switch {
		case i == 0:
			want = 1
		case i == len(CheckBuckets):
			want = 3
		}
		if bk.GetCumulativeCount() != want {
			t.Errorf("bucket le=%v: %d, want %d", bk.GetUpperBound(), bk.GetCumulativeCount(), want)
		}
	}
	for _, s := range []string{id.String(), strings.ReplaceAll(id.GUID(), "-", ""), "dfff0", "917488"} {
		if bytes.Contains(bytes.ToLower(b.Bytes()), []byte(strings.ToLower(s))) {
			t.Errorf("the metrics expose the ID or its address (%s):\n%s", s, b.Bytes())
		}
	}
}

func parse(t *testing.T, text []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("parsing the exposition: %v\n%s", err, text)
	}
	return fams
}
