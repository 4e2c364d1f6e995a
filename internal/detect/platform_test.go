package detect

import (
	"context"
	"errors"
	"strings"
	"testing"
)

type reasonFake struct{ reasons []string }

func (r *reasonFake) Name() string { return "fake" }

func (r *reasonFake) Run(ctx context.Context, notify func(string)) error {
	for _, s := range r.reasons {
		notify(s)
	}
	<-ctx.Done()
	return ctx.Err()
}

func TestAdapt(t *testing.T) {
	d := Adapt(&reasonFake{reasons: []string{"counter 3 -> 4"}})
	if d.Name() != "fake" {
		t.Errorf("Name = %q", d.Name())
	}
	ctx, cancel := context.WithCancel(context.Background())
	var got []Signal
	err := d.Run(ctx, func(s Signal) { got = append(got, s); cancel() })
	if err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	if len(got) != 1 || got[0] != (Signal{Detector: "fake", Reason: "counter 3 -> 4"}) {
		t.Errorf("signals = %+v", got)
	}
}

// countingFake is a reasonFake that counts its changes.
type countingFake struct {
	reasonFake
	n uint64
}

func (c *countingFake) ChangeCount() uint64 { return c.n }

func TestAdaptKeepsChangeCount(t *testing.T) {
	if _, ok := Adapt(&reasonFake{}).(ChangeCounter); ok {
		t.Error("a detector without ChangeCount adapts to a ChangeCounter")
	}
	c := &countingFake{n: 3}
	d, ok := Adapt(c).(ChangeCounter)
	if !ok {
		t.Fatal("a detector with ChangeCount does not adapt to a ChangeCounter")
	}
	if d.Name() != "fake" || d.ChangeCount() != 3 {
		t.Errorf("adapted: Name %q, ChangeCount %d; want fake, 3", d.Name(), d.ChangeCount())
	}
	c.n = 4
	if d.ChangeCount() != 4 {
		t.Errorf("ChangeCount after the count moved = %d, want 4", d.ChangeCount())
	}
}

func TestPlatforms(t *testing.T) {
	platformMu.Lock()
	saved := platforms
	platforms = nil
	platformMu.Unlock()
	defer func() { platformMu.Lock(); platforms = saved; platformMu.Unlock() }()

	RegisterPlatform("absent", func(PlatformOptions) (Detector, error) { return nil, nil })
	RegisterPlatform("broken", func(PlatformOptions) (Detector, error) { return nil, errors.New("no device") })
	RegisterPlatform("poll", func(o PlatformOptions) (Detector, error) { return NewPoll(o.Interval) })
	dets, problems := Platforms(PlatformOptions{Interval: DefaultPollInterval})
	if len(dets) != 1 || dets[0].Name() != "poll" {
		t.Errorf("detectors = %v", dets)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), "detector broken: no device") {
		t.Errorf("problems = %v", problems)
	}
}
