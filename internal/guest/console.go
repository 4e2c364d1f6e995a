package guest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vmgenid/vmgenid/internal/guest/report"
)

// Report is one protocol line from the guest and when the host read it.
type Report struct {
	report.Line
	At time.Time
}

// Console is the host's side of a guest's serial console: QEMU writes the
// console to it, it copies the lines to a log and keeps the protocol lines
// for Next. It is safe for concurrent use.
type Console struct {
	name string
	log  io.Writer

	mu       sync.Mutex
	partial  []byte
	reports  []Report
	consumed map[string]int // per event: how many Next has returned
	recent   []string       // the last lines, for error messages
	bad      []string       // malformed protocol lines
	changed  chan struct{}  // closed and replaced on every new report
	exited   <-chan struct{}
}

const (
	recentLines = 40
	maxPartial  = 64 << 10
)

// NewConsole returns a console named name (the prefix of its log lines)
// copying every line to log when log is not nil.
func NewConsole(name string, log io.Writer) *Console {
	return &Console{name: name, log: log, consumed: map[string]int{}, changed: make(chan struct{})}
}

// Attach ties the console to the VM writing it: exited is closed when the VM
// stops (a QEMU process's Done), so that Next stops waiting then.
func (c *Console) Attach(exited <-chan struct{}) {
	c.mu.Lock()
	c.exited = exited
	c.mu.Unlock()
}

// Write takes console output from QEMU.
func (c *Console) Write(b []byte) (int, error) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.partial = append(c.partial, b...)
	for {
		i := strings.IndexByte(string(c.partial), '\n')
		if i < 0 {
			break
		}
		c.line(strings.TrimRight(string(c.partial[:i]), "\r"), now)
		c.partial = c.partial[i+1:]
	}
	if len(c.partial) > maxPartial { // a console that never ends its line
		c.line(string(c.partial), now)
		c.partial = c.partial[:0]
	}
	return len(b), nil
}

// line handles one console line; c.mu is held.
func (c *Console) line(s string, at time.Time) {
	if c.log != nil {
		fmt.Fprintf(c.log, "[%s] %s\n", c.name, printable(s))
	}
	c.recent = append(c.recent, s)
	if len(c.recent) > recentLines {
		c.recent = c.recent[len(c.recent)-recentLines:]
	}
	// Kernel messages can precede a protocol line on the same console
	// line; the protocol line starts at the last "E2E ".
	if i := strings.LastIndex(s, report.Prefix+" "); i > 0 {
		s = s[i:]
	}
	l, ok, err := report.Parse(s)
	if !ok {
		return
	}
	if err != nil {
		if len(c.bad) < 16 {
			c.bad = append(c.bad, err.Error())
		}
		return
	}
	c.reports = append(c.reports, Report{Line: l, At: at})
	close(c.changed)
	c.changed = make(chan struct{})
}

// Next returns the next report of the given event that Next has not returned
// yet, waiting for it until ctx ends. It fails at once when the guest reports
// "fatal" or the VM stops, with the last console lines in the error.
func (c *Console) Next(ctx context.Context, event string) (Report, error) {
	for {
		c.mu.Lock()
		seen := 0
		for _, r := range c.reports {
			if r.Event == "fatal" {
				c.mu.Unlock()
				return Report{}, fmt.Errorf("%s: guest failed: %s", c.name, r.Fields["msg"])
			}
			if r.Event != event {
				continue
			}
			if seen == c.consumed[event] {
				c.consumed[event]++
				c.mu.Unlock()
				return r, nil
			}
			seen++
		}
		changed, exited := c.changed, c.exited
		c.mu.Unlock()
		select {
		case <-changed:
		case <-exited:
			// Let the copy of QEMU's last output land first.
			time.Sleep(100 * time.Millisecond)
			c.mu.Lock()
			for _, r := range c.reports[len(c.reports)-min(len(c.reports), 1):] {
				if r.Event == "fatal" {
					c.mu.Unlock()
					return Report{}, fmt.Errorf("%s: guest failed: %s", c.name, r.Fields["msg"])
				}
			}
			c.mu.Unlock()
			return Report{}, fmt.Errorf("%s: the VM stopped while waiting for %q; last console lines:\n%s", c.name, event, c.Tail())
		case <-ctx.Done():
			return Report{}, fmt.Errorf("%s: waiting for %q: %w; last console lines:\n%s", c.name, event, ctx.Err(), c.Tail())
		}
	}
}

// Tail returns the last console lines and any malformed protocol lines.
func (c *Console) Tail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, l := range c.recent {
		b.WriteString("  | " + l + "\n")
	}
	if len(c.recent) == 0 {
		b.WriteString("  (no console output)\n")
	}
	for _, e := range c.bad {
		b.WriteString("  malformed report: " + e + "\n")
	}
	return b.String()
}

// printable drops terminal control sequences (the firmware clears the
// screen) and other control characters from a console line for the log.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0x1b { // ESC [ ... final byte
			if i+1 < len(s) && s[i+1] == '[' {
				i += 2
				for i < len(s) && (s[i] < 0x40 || s[i] > 0x7e) {
					i++
				}
			} else {
				i++
			}
			continue
		}
		if c < ' ' && c != '\t' || c == 0x7f {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
