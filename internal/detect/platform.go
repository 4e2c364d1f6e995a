package detect

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// ReasonDetector is a detector whose notifications carry only a reason,
// such as vmclock.Detector. Adapt turns it into a Detector.
type ReasonDetector interface {
	Name() string
	Run(ctx context.Context, notify func(reason string)) error
}

// Adapt wraps a ReasonDetector as a Detector. A Run that returns the
// context's error when ctx is done is taken as a clean stop. When d also
// has a ChangeCount() uint64 method, the Detector is a ChangeCounter.
func Adapt(d ReasonDetector) Detector {
	if c, ok := d.(changeCounting); ok {
		return adaptedCounter{adapted{d}, c}
	}
	return adapted{d}
}

// changeCounting is the ChangeCounter method a ReasonDetector may have.
type changeCounting interface{ ChangeCount() uint64 }

// adaptedCounter is an adapted ReasonDetector that counts changes.
type adaptedCounter struct {
	adapted
	c changeCounting
}

func (a adaptedCounter) ChangeCount() uint64 { return a.c.ChangeCount() }

type adapted struct{ d ReasonDetector }

func (a adapted) Name() string { return a.d.Name() }

func (a adapted) Run(ctx context.Context, notify func(Signal)) error {
	name := a.d.Name()
	err := a.d.Run(ctx, func(reason string) { notify(Signal{Detector: name, Reason: reason}) })
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Close closes the wrapped detector if it has a Close method.
func (a adapted) Close() error {
	if c, ok := a.d.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// PlatformOptions are what platform detectors may need.
type PlatformOptions struct {
	// Interval is the daemon's poll interval, for detectors that poll.
	Interval time.Duration
	// Logf receives messages; never nil when called from Platforms.
	Logf func(format string, args ...any)
}

// PlatformFunc builds an OS- or device-specific detector (a BSD kernel
// epoch watcher, a VMClock page watcher). It returns nil and a nil error
// when the detector does not apply on this machine, and an error when it
// applies but cannot start.
type PlatformFunc func(opts PlatformOptions) (Detector, error)

var (
	platformMu sync.Mutex
	platforms  []namedPlatform
)

type namedPlatform struct {
	name string
	f    PlatformFunc
}

// RegisterPlatform adds a detector that the daemon starts when it applies.
// Files such as kernepoch_netbsd.go call it from init; the name is for
// messages.
func RegisterPlatform(name string, f PlatformFunc) {
	platformMu.Lock()
	defer platformMu.Unlock()
	platforms = append(platforms, namedPlatform{name, f})
}

// Platforms builds every registered detector that applies, in
// registration order; problems names those that apply but failed.
func Platforms(opts PlatformOptions) (dets []Detector, problems []error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	platformMu.Lock()
	ps := append([]namedPlatform(nil), platforms...)
	platformMu.Unlock()
	for _, p := range ps {
		d, err := p.f(opts)
		if err != nil {
			problems = append(problems, fmt.Errorf("detector %s: %w", p.name, err))
			continue
		}
		if d != nil {
			dets = append(dets, d)
		}
	}
	return dets, problems
}
