package detect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// From a Firecracker guest's /proc/interrupts (abridged).
const procInterrupts = `           CPU0       CPU1       
 24:          1          0  IO-APIC   5-edge      ACPI:Ged
 25:          0          1  IO-APIC   6-edge      ACPI:Ged
 26:          0          9  IO-APIC   4-edge      ttyS0
NMI:          0          0   Non-maskable interrupts
ERR:          0
`

func TestSumInterrupts(t *testing.T) {
	tests := []struct {
		in, name string
		sum      uint64
		found    bool
		wantErr  string
	}{
		{in: procInterrupts, name: "ACPI:Ged", sum: 2, found: true},
		{in: procInterrupts, name: "ttyS0", sum: 9, found: true},
		{in: procInterrupts, name: "ACPI:SCI", found: false},
		{in: "  CPU0 CPU1\n 24: 1 ACPI:Ged\n", name: "ACPI:Ged", wantErr: "line 2: 3 fields, want at least 4"},
		{in: "  CPU0\n 24: x IO-APIC ACPI:Ged\n", name: "ACPI:Ged", wantErr: `line 2: CPU0 count "x"`},
		{in: "", name: "ACPI:Ged"},
	}
	for _, tt := range tests {
		sum, found, err := SumInterrupts([]byte(tt.in), tt.name)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("SumInterrupts(%q) error = %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || sum != tt.sum || found != tt.found {
			t.Errorf("SumInterrupts(%q) = %d, %v, %v; want %d, %v", tt.name, sum, found, err, tt.sum, tt.found)
		}
	}
}

func TestParseGPECount(t *testing.T) {
	for in, want := range map[string]uint64{"       1  EN     enabled      unmasked\n": 1, "0\n": 0, "12345 disabled": 12345} {
		if got, err := ParseGPECount([]byte(in)); err != nil || got != want {
			t.Errorf("ParseGPECount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "  \n", "-1 enabled", "x"} {
		if _, err := ParseGPECount([]byte(in)); err == nil {
			t.Errorf("ParseGPECount(%q) succeeded", in)
		}
	}
}

func TestGPECounterSignalsChanges(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gpe05")
	write := func(s string) {
		if err := os.WriteFile(file+".tmp", []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(file+".tmp", file); err != nil {
			t.Fatal(err)
		}
	}
	write("       0  EN     enabled      unmasked\n")
	if _, err := NewGPECounter(dir, 6, time.Millisecond); err == nil {
		t.Error("NewGPECounter for a missing gpe06 succeeded")
	}
	c, err := NewGPECounter(dir, 5, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "gpe05" {
		t.Errorf("Name = %q", c.Name())
	}
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan Signal, 10)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, func(s Signal) { sigs <- s }) }()
	write("       1  EN     enabled      unmasked\n")
	if s := <-sigs; s.Reason != "gpe05 count 0 -> 1" {
		t.Errorf("signal = %+v", s)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestGEDCounter(t *testing.T) {
	file := filepath.Join(t.TempDir(), "interrupts")
	os.WriteFile(file, []byte(procInterrupts), 0o644)
	c, err := NewGEDCounter(file, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if c.last != 2 {
		t.Errorf("initial GED count = %d, want 2", c.last)
	}
	os.WriteFile(file, []byte("  CPU0\n 26: 9 IO-APIC ttyS0\n"), 0o644)
	if _, err := NewGEDCounter(file, time.Millisecond); err == nil || !strings.Contains(err.Error(), "no ACPI:Ged") {
		t.Errorf("NewGEDCounter without a GED line = %v", err)
	}
}

func TestPoll(t *testing.T) {
	if _, err := NewPoll(0); err == nil {
		t.Error("NewPoll(0) succeeded")
	}
	p, err := NewPoll(time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	p.Run(ctx, func(s Signal) {
		if n++; n == 3 {
			cancel()
		}
	})
	if n < 3 {
		t.Errorf("poll fired %d times", n)
	}
}
