package detect

import (
	"context"
	"fmt"
	"time"
)

// DefaultPollInterval is how often Poll fires unless told otherwise. Reading
// the ID costs microseconds, so ten reads a second cost nothing and bound
// the detection delay where no event reaches user space.
const DefaultPollInterval = 100 * time.Millisecond

// Poll fires at a fixed interval. Its signals carry no information of their
// own: they make the daemon read the ID and compare.
type Poll struct {
	interval time.Duration
}

// NewPoll returns a Poll firing every interval; interval must be positive.
func NewPoll(interval time.Duration) (*Poll, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("detect: poll interval %v: must be positive", interval)
	}
	return &Poll{interval: interval}, nil
}

// Name returns "poll".
func (p *Poll) Name() string { return "poll" }

// Interval returns the poll interval.
func (p *Poll) Interval() time.Duration { return p.interval }

// Run fires every interval until ctx is done.
func (p *Poll) Run(ctx context.Context, notify func(Signal)) error {
	return Every(ctx, p.interval, func() error {
		notify(Signal{Detector: "poll", Reason: "poll", Tick: true})
		return nil
	})
}

// Every calls look every interval until ctx is done (it returns nil) or
// look fails (it returns look's error): the one ticker loop of the
// detectors that poll.
func Every(ctx context.Context, interval time.Duration, look func() error) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := look(); err != nil {
			return err
		}
	}
}
