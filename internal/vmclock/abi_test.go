package vmclock

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// testPage is a plausible page as Firecracker fills it: one 4 KiB page,
// no clock data, the generation counter and notifications announced.
func testPage() Page {
	return Page{
		Size:                4096,
		Version:             Version,
		CounterID:           CounterInvalid,
		SeqCount:            2,
		DisruptionMarker:    7,
		Flags:               FlagVMGenCounterPresent | FlagNotificationPresent,
		TAIOffsetSec:        -37,
		CounterValue:        0x1122334455667788,
		TimeSec:             1_790_000_000,
		VMGenerationCounter: 3,
	}
}

// pageImage encodes p into a zeroed buffer of n bytes.
func pageImage(t testing.TB, p Page, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if err := Encode(b, p); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOffsetsMatchABI(t *testing.T) {
	// The layout of struct vmclock_abi, field by field, from its size:
	// a wrong offset anywhere shifts everything after it.
	fields := []struct {
		name      string
		off, size int
	}{
		{"magic", OffMagic, 4}, {"size", OffSize, 4}, {"version", OffVersion, 2},
		{"counter_id", OffCounterID, 1}, {"time_type", OffTimeType, 1},
		{"seq_count", OffSeqCount, 4}, {"disruption_marker", OffDisruptionMarker, 8},
		{"flags", OffFlags, 8}, {"pad", OffFlags + 8, 2}, {"clock_status", OffClockStatus, 1},
		{"leap_second_smearing_hint", OffLeapSecondSmearingHint, 1},
		{"tai_offset_sec", OffTAIOffsetSec, 2}, {"leap_indicator", OffLeapIndicator, 1},
		{"counter_period_shift", OffCounterPeriodShift, 1}, {"counter_value", OffCounterValue, 8},
		{"counter_period_frac_sec", OffCounterPeriodFracSec, 8},
		{"counter_period_esterror_rate_frac_sec", OffCounterPeriodEstErrRate, 8},
		{"counter_period_maxerror_rate_frac_sec", OffCounterPeriodMaxErrRate, 8},
		{"time_sec", OffTimeSec, 8}, {"time_frac_sec", OffTimeFracSec, 8},
		{"time_esterror_nanosec", OffTimeEstErrorNanosec, 8},
		{"time_maxerror_nanosec", OffTimeMaxErrorNanosec, 8},
		{"vm_generation_counter", OffVMGenerationCounter, 8},
	}
	next := 0
	for _, f := range fields {
		if f.off != next {
			t.Errorf("%s at offset %d, want %d", f.name, f.off, next)
		}
		if f.off%f.size != 0 {
			t.Errorf("%s at offset %d is not naturally aligned", f.name, f.off)
		}
		next = f.off + f.size
	}
	if next != ABISize {
		t.Errorf("structure ends at %d, ABISize is %d", next, ABISize)
	}
	if got := string(binary.LittleEndian.AppendUint32(nil, Magic)); got != "VCLK" {
		t.Errorf("Magic reads %q in memory, want VCLK", got)
	}
}

func TestParseRoundTrip(t *testing.T) {
	want := testPage()
	want.ClockStatus = 2
	want.LeapSecondSmearingHint = 1
	want.LeapIndicator = 3
	want.CounterPeriodShift = 4
	want.CounterPeriodFracSec = 5
	want.CounterPeriodEstErrRate = 6
	want.CounterPeriodMaxErrRate = 7
	want.TimeFracSec = 8
	want.TimeEstErrorNanosec = 9
	want.TimeMaxErrorNanosec = 10
	want.TimeType = 1
	got, err := Parse(pageImage(t, want, 4096))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Parse(Encode(p)) = %+v, want %+v", got, want)
	}
	img := pageImage(t, want, 4096)
	if c := binary.LittleEndian.Uint64(img[OffVMGenerationCounter:]); c != 3 {
		t.Errorf("vm_generation_counter at offset %d = %d, want 3", OffVMGenerationCounter, c)
	}
	if !got.HasGenerationCounter() || !got.HasNotifications() {
		t.Errorf("flags %#x: generation counter / notifications not seen", got.Flags)
	}
}

func TestParseErrors(t *testing.T) {
	good := pageImage(t, testPage(), 4096)
	with := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	tests := []struct {
		name    string
		page    []byte
		check   func(error) bool
		message string
	}{
		{"empty", nil, isErr[*ShortPageError], "0 bytes, the structure needs 32"},
		{"shorter than the flags", good[:MinSize-1], isErr[*ShortPageError], "31 bytes, the structure needs 32"},
		{"short", good[:ABISize-1], isErr[*ShortPageError], "111 bytes"},
		{"bad magic", with(func(b []byte) { copy(b, "KLCV") }), isErr[*MagicError], `bad magic at offset 0: 0x56434c4b ("KLCV")`},
		{"zero page", make([]byte, 4096), isErr[*MagicError], "bad magic"},
		{"size larger than mapping", good[:2048], isErr[*SizeError], "is 4096 (0x1000): larger than the mapping of 2048 bytes"},
		{"size smaller than the flags", with(func(b []byte) { binary.LittleEndian.PutUint32(b[OffSize:], 16) }), isErr[*SizeError], "is 16 (0x10): smaller than the 32 bytes up to the flags field"},
		{"size ends before the counter, image shorter", with(func(b []byte) { binary.LittleEndian.PutUint32(b[OffSize:], 104) })[:100], isErr[*ShortPageError], "100 bytes, the structure needs 104"},
		{"version 2", with(func(b []byte) { binary.LittleEndian.PutUint16(b[OffVersion:], 2) }), isErr[*VersionError], "version at offset 8 is 2"},
		{"version 0", with(func(b []byte) { binary.LittleEndian.PutUint16(b[OffVersion:], 0) }), isErr[*VersionError], "only version 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.page)
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if !tt.check(err) {
				t.Errorf("error %T %q is of the wrong type", err, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
		})
	}
}

// isErr reports whether err is (or wraps) an error of type E.
func isErr[E error](err error) bool {
	var target E
	return errors.As(err, &target)
}

func TestSizeExactlyStructure(t *testing.T) {
	p := testPage()
	p.Size = ABISize
	got, err := Parse(pageImage(t, p, ABISize))
	if err != nil {
		t.Fatalf("a %d-byte region holding just the structure: %v", ABISize, err)
	}
	if !got.HasGenerationCounter() || got.VMGenerationCounter != 3 {
		t.Errorf("counter %d (present %v), want 3", got.VMGenerationCounter, got.HasGenerationCounter())
	}
}

// An older hypervisor's region ends before vm_generation_counter: the
// fields it does not cover read as zero, and the counter does not count
// even if the flag is set.
func TestSizeBeforeGenerationCounter(t *testing.T) {
	p := testPage()
	p.Size = OffVMGenerationCounter
	img := pageImage(t, p, 4096) // the stale bytes past the region must be ignored
	got, err := Parse(img)
	if err != nil {
		t.Fatal(err)
	}
	if got.HasGenerationCounter() || got.VMGenerationCounter != 0 {
		t.Errorf("counter %d (present %v) past the declared region, want 0, absent", got.VMGenerationCounter, got.HasGenerationCounter())
	}
	if got.TimeSec != p.TimeSec || got.DisruptionMarker != p.DisruptionMarker {
		t.Errorf("fields inside the region lost: %+v", got)
	}
	if got, err := Parse(img[:OffVMGenerationCounter]); err != nil || got.DisruptionMarker != 7 {
		t.Errorf("an image exactly as long as its region: %+v, %v", got, err)
	}
}

func TestFlagNames(t *testing.T) {
	got := strings.Join(FlagNames(FlagVMGenCounterPresent|FlagNotificationPresent|FlagTAIOffsetValid|1<<40), ",")
	if want := "TAI_OFFSET_VALID,VM_GEN_COUNTER_PRESENT,NOTIFICATION_PRESENT,bit 40"; got != want {
		t.Errorf("FlagNames = %s, want %s", got, want)
	}
}

func TestCompare(t *testing.T) {
	base := testPage()
	mod := func(f func(p *Page)) Page { p := base; f(&p); return p }
	noCounter := mod(func(p *Page) { p.Flags = 0 })
	tests := []struct {
		name    string
		prev    Page
		cur     Page
		changed bool
		reason  string
	}{
		{"same", base, base, false, ""},
		{"counter", base, mod(func(p *Page) { p.VMGenerationCounter = 4; p.DisruptionMarker = 8 }), true, "vmclock generation counter 3 → 4"},
		{"clock update only", base, mod(func(p *Page) { p.SeqCount = 4; p.TimeSec++ }), false, ""},
		{"live migration: marker only", base, mod(func(p *Page) { p.DisruptionMarker = 8 }), false, ""},
		{"no counter, marker", noCounter, mod(func(p *Page) { p.Flags = 0; p.DisruptionMarker = 9 }), true, "vmclock disruption marker 0x7 → 0x9 (no generation counter)"},
		{"no counter, same marker", noCounter, noCounter, false, ""},
		{"counter appears", noCounter, base, true, "vmclock generation counter appeared (3)"},
		{"counter vanishes", base, noCounter, true, "vmclock generation counter vanished (was 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason, changed := Compare(tt.prev, tt.cur)
			if changed != tt.changed || reason != tt.reason {
				t.Errorf("Compare = %q, %v; want %q, %v", reason, changed, tt.reason, tt.changed)
			}
		})
	}
}
