package detect

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// InterruptCounter polls an interrupt counter the kernel keeps and signals
// when it moves: /sys/firmware/acpi/interrupts/gpeXX for the GPE that notifies the
// device (QEMU: GPE 0x05), or the "ACPI:Ged" lines of /proc/interrupts for
// the Generic Event Device that does (Firecracker). Reading a counter costs
// far less than reading the ID through /dev/mem, and it is the cheap poll
// where the ID cannot be read; a counter also moves for spurious
// notifications (or, for a shared GED, for other devices), which the
// daemon's check sorts out.
type InterruptCounter struct {
	name     string
	interval time.Duration
	read     func() (uint64, error)
	last     uint64
}

// NewGPECounter returns an InterruptCounter for GPE number gpe under dir (normally
// DefaultGPEDir). It fails if the counter cannot be read now.
func NewGPECounter(dir string, gpe int, interval time.Duration) (*InterruptCounter, error) {
	if gpe < 0 || gpe > 0xff {
		return nil, fmt.Errorf("detect: GPE number %#x out of range 0..0xff", gpe)
	}
	name := fmt.Sprintf("gpe%02X", gpe)
	path := filepath.Join(dir, name)
	read := func() (uint64, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return 0, fmt.Errorf("detect: reading GPE counter: %w", err)
		}
		n, err := ParseGPECount(b)
		if err != nil {
			return 0, fmt.Errorf("detect: %s: %w", path, err)
		}
		return n, nil
	}
	return newCounter(strings.ToLower(name), interval, read)
}

// NewGEDCounter returns an InterruptCounter over the "ACPI:Ged" lines of
// interruptsPath (normally /proc/interrupts): the sum of all their counts.
// It fails if there is no such line.
func NewGEDCounter(interruptsPath string, interval time.Duration) (*InterruptCounter, error) {
	read := func() (uint64, error) {
		b, err := os.ReadFile(interruptsPath)
		if err != nil {
			return 0, fmt.Errorf("detect: reading interrupt counts: %w", err)
		}
		n, found, err := SumInterrupts(b, "ACPI:Ged")
		if err != nil {
			return 0, fmt.Errorf("detect: %s: %w", interruptsPath, err)
		}
		if !found {
			return 0, fmt.Errorf("detect: %s: no ACPI:Ged interrupt line", interruptsPath)
		}
		return n, nil
	}
	return newCounter("ged", interval, read)
}

func newCounter(name string, interval time.Duration, read func() (uint64, error)) (*InterruptCounter, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("detect: %s: poll interval %v: must be positive", name, interval)
	}
	n, err := read()
	if err != nil {
		return nil, err
	}
	return &InterruptCounter{name: name, interval: interval, read: read, last: n}, nil
}

// DefaultGPEDir is where Linux shows the ACPI GPE counters.
const DefaultGPEDir = "/sys/firmware/acpi/interrupts"

// DefaultInterruptsPath is Linux's interrupt count table.
const DefaultInterruptsPath = "/proc/interrupts"

// Name returns "gpeXX" or "ged".
func (c *InterruptCounter) Name() string { return c.name }

// Run polls the counter until ctx is done, signalling each change. A read
// error stops it.
func (c *InterruptCounter) Run(ctx context.Context, notify func(Signal)) error {
	return Every(ctx, c.interval, func() error {
		n, err := c.read()
		if err != nil {
			return err
		}
		if n != c.last {
			notify(Signal{Detector: c.name, Reason: fmt.Sprintf("%s count %d -> %d", c.name, c.last, n)})
			c.last = n
		}
		return nil
	})
}

// ParseGPECount parses a /sys/firmware/acpi/interrupts/gpeXX file, whose
// first field is the count ("       3  EN     enabled      unmasked").
func ParseGPECount(b []byte) (uint64, error) {
	f := bytes.Fields(b)
	if len(f) == 0 {
		return 0, fmt.Errorf("GPE counter file is empty")
	}
	n, err := strconv.ParseUint(string(f[0]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("GPE count %q: %w", f[0], err)
	}
	return n, nil
}

// SumInterrupts sums the per-CPU counts of every /proc/interrupts line
// whose description (the last field) is name, and reports whether any
// line was found.
func SumInterrupts(b []byte, name string) (sum uint64, found bool, err error) {
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) == 0 {
		return 0, false, nil
	}
	// The header names the CPUs: that many count columns follow the IRQ.
	cpus := len(bytes.Fields(lines[0]))
	for i, line := range lines[1:] {
		f := bytes.Fields(line)
		if len(f) < 2 || string(f[len(f)-1]) != name {
			continue
		}
		if len(f) < 2+cpus {
			return 0, false, fmt.Errorf("line %d: %d fields, want at least %d (IRQ, %d CPU counts, description)", i+2, len(f), 2+cpus, cpus)
		}
		for j, c := range f[1 : 1+cpus] {
			n, err := strconv.ParseUint(string(c), 10, 64)
			if err != nil {
				return 0, false, fmt.Errorf("line %d: CPU%d count %q: %w", i+2, j, c, err)
			}
			sum += n // wraps like the kernel's counters; only changes matter
		}
		found = true
	}
	return sum, found, nil
}
