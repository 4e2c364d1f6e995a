package daemon

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/vmgenid/vmgenid/internal/detect"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/source/bsdsrc"
	"github.com/vmgenid/vmgenid/internal/sysctl"
	"github.com/vmgenid/vmgenid/internal/vmclock"
)

// Which detectors run is the daemon's policy, and it is here: the
// command only turns flags into DetectOptions.
//
// At rest the daemon should not wake up at all where an event source
// covers the device: the kernel's fork notices in its log (when the
// kernel's vmgenid driver is bound, it logs one per change, read through
// the runtime's poller), a VMClock device that notifies, FreeBSD's devd
// relaying vmgenc(4)'s notifications. Then nothing polls (ModeEvents).
// Where none covers it, the daemon polls (ModePoll): the ID when it can
// be read, else the cheap interrupt counter of the GPE or GED that
// notifies the device; NetBSD's kern.entropy.epoch and a VMClock page
// that does not notify are always polled. The poll interval is the
// user's (DefaultPollInterval unless told otherwise).

// DefaultPollInterval is how often the polling fallback looks when no
// event source covers the device. Reading the ID costs microseconds, so
// ten reads a second cost little and bound the detection delay where no
// event reaches user space.
const DefaultPollInterval = 100 * time.Millisecond

// Mode is how the daemon learns of a change at rest.
type Mode uint8

const (
	// ModeEvents: an event source covers the device; nothing polls.
	ModeEvents Mode = iota + 1
	// ModePoll: no event source covers the device (or the user asked
	// for polling); pollers run every poll interval.
	ModePoll
)

func (m Mode) String() string {
	switch m {
	case ModeEvents:
		return "event-driven"
	case ModePoll:
		return "polling"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Available is what this machine offers to learn of a change.
type Available struct {
	// KernelForkNotices: the kernel log can be followed and the kernel's
	// vmgenid driver is bound, so the kernel logs a fork notice for every
	// change.
	KernelForkNotices bool
	// VMClockEvents: a VMClock device that notifies its readers.
	VMClockEvents bool
	// Devd: FreeBSD's devd relays vmgenc(4)'s change notifications.
	Devd bool
	// ForcePoll: the user asked for polling beside the events.
	ForcePoll bool
}

// Plan is the mode chosen and why.
type Plan struct {
	Mode Mode
	// Events names the event sources that cover the device.
	Events []string
	// Why says why, for the start-up log and status.
	Why string
}

func (p Plan) String() string { return p.Mode.String() + ": " + p.Why }

// ChooseMode chooses how the daemon learns of a change: events where an
// event source covers the device, polling otherwise.
func ChooseMode(a Available) Plan {
	var p Plan
	if a.KernelForkNotices {
		p.Events = append(p.Events, "kernel log fork notices")
	}
	if a.VMClockEvents {
		p.Events = append(p.Events, "VMClock notifications")
	}
	if a.Devd {
		p.Events = append(p.Events, "devd notifications")
	}
	switch {
	case len(p.Events) == 0:
		p.Mode, p.Why = ModePoll, "no event source covers the device (no kernel fork notices: no kernel log or no vmgenid driver bound; no notifying VMClock; no devd)"
	case a.ForcePoll:
		p.Mode, p.Why = ModePoll, "asked to poll beside "+strings.Join(p.Events, ", ")
	default:
		p.Mode, p.Why = ModeEvents, "woken only by "+strings.Join(p.Events, ", ")
	}
	return p
}

// DetectOptions say which detectors the daemon may use (the daemon
// command's flags).
type DetectOptions struct {
	// Poll is the polling fallback's interval (DefaultPollInterval unless
	// the user chose); 0 means never poll.
	Poll time.Duration
	// ForcePoll polls even where events cover the device.
	ForcePoll bool
	// Kmsg is the kernel log to follow; empty means none.
	Kmsg string
	// GPE is the GPE whose counter to poll: "auto" (find the handler in
	// the AML), "off", or a number.
	GPE string
	// GED polls the ACPI:Ged interrupt counts when no GPE is found.
	GED bool
	// Uevent listens for the kernel's NEW_VMGENID uevent.
	Uevent bool
	// VMClock is the VMClock device or page file: "auto", "off" or a
	// path.
	VMClock string
	// DevdSocket is FreeBSD's devd socket; empty means
	// bsdsrc.DefaultDevdSocket.
	DevdSocket string
}

// selectDetectors builds the detectors opts allow on this machine and
// chooses the mode; idReadable says whether the ID can be read (then the
// poll reads it). Problems are logged with logf, details with debugf.
func selectDetectors(o DetectOptions, srcs []source.Source, idReadable bool, logf, debugf func(string, ...any)) ([]detect.Detector, Plan, time.Duration) {
	poll := o.Poll
	var dets []detect.Detector
	var a Available
	if o.Kmsg != "" {
		k, err := detect.OpenKmsg(o.Kmsg)
		switch {
		case errors.Is(err, detect.ErrUnsupported):
			debugf("no kernel log fork notices on this system")
		case err != nil:
			logf("not following the kernel log: %v", err)
		default:
			dets = append(dets, k)
			bound, why := detect.KernelDriverBound()
			a.KernelForkNotices = bound
			debugf("kernel vmgenid driver: %s", why)
		}
	}
	if o.Uevent {
		u, err := detect.ListenUevents()
		switch {
		case errors.Is(err, detect.ErrUnsupported):
		case err != nil:
			logf("not listening for uevents: %v", err)
		default:
			dets = append(dets, u)
		}
	}
	vc, vcEvents := vmclockDetector(o.VMClock, poll, logf, debugf)
	a.VMClockEvents = vcEvents
	if vc != nil && (vcEvents || poll > 0) {
		dets = append(dets, vc)
	}
	// NetBSD: kern.entropy.epoch, polled (there is no event for the
	// kernel's reseeds); FreeBSD: devd's VMGenerationCounter
	// notifications, an event source.
	bsdDets, notes := detect.BSD(runtime.GOOS, sysctl.System(), poll, cmp(o.DevdSocket, bsdsrc.DefaultDevdSocket))
	for _, n := range notes {
		logf("%v", n)
	}
	for _, d := range bsdDets {
		if _, ok := d.(*detect.DevdDetector); ok {
			a.Devd = true
		}
	}
	dets = append(dets, bsdDets...)
	a.ForcePoll = o.ForcePoll
	plan := ChooseMode(a)
	if plan.Mode != ModePoll || poll <= 0 {
		return dets, plan, 0
	}
	if idReadable {
		return dets, plan, poll // the daemon polls the ID
	}
	return append(dets, counterDetectors(o, srcs, poll, logf, debugf)...), plan, 0
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// vmclockDetector returns the VMClock detector opt asks for, or nil, and
// whether it is woken by the device's notifications: "auto" takes the
// first device, if any; a path must open as a VMClock page (a device, or
// a page-image file as in tests); "off", "false" or empty means none
// ("true" is "auto", for the old boolean form of the flag).
func vmclockDetector(opt string, poll time.Duration, logf, debugf func(string, ...any)) (*vmclock.Detector, bool) {
	path := opt
	switch path {
	case "", "off", "false":
		return nil, false
	case "auto", "true":
		devs, err := vmclock.FindDevices()
		switch {
		case err != nil:
			debugf("no VMClock: %v", err)
			return nil, false
		case len(devs) == 0:
			debugf("no VMClock device (%s)", vmclock.DevicePattern)
			return nil, false
		}
		path = devs[0]
	}
	// Open once now, so that a wrong path is reported at start rather
	// than as a detector that stopped.
	c, err := vmclock.Open(path)
	if err != nil {
		logf("not watching VMClock: %v", err)
		return nil, false
	}
	events := c.EventDriven()
	c.Close()
	return &vmclock.Detector{Path: path, Interval: poll, Logf: logf}, events
}

// counterDetectors returns the interrupt-counter detectors: the GPE whose
// handler notifies the device (from opts.GPE, or found in the AML), else
// the GED interrupt counts.
func counterDetectors(o DetectOptions, srcs []source.Source, poll time.Duration, logf, debugf func(string, ...any)) []detect.Detector {
	gpe := -1
	switch o.GPE {
	case "off":
		return nil
	case "auto", "":
		n, why := source.NotifyingGPE(srcs)
		if n < 0 {
			debugf("no GPE handler found: %s", why)
		} else {
			debugf("GPE %#02x notifies the device: %s", n, why)
		}
		gpe = n
	default:
		n, err := strconv.ParseInt(o.GPE, 0, 0)
		if err != nil || n < 0 || n > 0xff {
			logf("--gpe %q: want a number 0..0xff, \"auto\" or \"off\"", o.GPE)
			return nil
		}
		gpe = int(n)
	}
	if gpe >= 0 {
		c, err := detect.NewGPECounter(detect.DefaultGPEDir, gpe, poll)
		if err == nil {
			return []detect.Detector{c}
		}
		logf("not polling GPE %#02x: %v", gpe, err)
	}
	if o.GED {
		c, err := detect.NewGEDCounter(detect.DefaultInterruptsPath, poll)
		if err == nil {
			return []detect.Detector{c}
		}
		debugf("not polling GED interrupts: %v", err)
	}
	return nil
}

// DefaultDetectOptions are the daemon's defaults: every detector this
// machine may offer, polling every DefaultPollInterval where no event
// source covers the device.
func DefaultDetectOptions() DetectOptions {
	return DetectOptions{
		Poll:    DefaultPollInterval,
		Kmsg:    detect.DefaultKmsgPath,
		GPE:     "auto",
		GED:     true,
		Uevent:  true,
		VMClock: "auto",
	}
}

// ProbePlan says which mode a daemon started with o would run in, for
// "vmgenid status": it opens what the daemon would listen to, and closes
// it again.
func ProbePlan(o DetectOptions) Plan {
	nop := func(string, ...any) {}
	var a Available
	if o.Kmsg != "" {
		if k, err := detect.OpenKmsg(o.Kmsg); err == nil {
			k.Close()
			a.KernelForkNotices, _ = detect.KernelDriverBound()
		}
	}
	_, a.VMClockEvents = vmclockDetector(o.VMClock, o.Poll, nop, nop)
	if runtime.GOOS == "freebsd" {
		if d, err := detect.NewDevdDetector(cmp(o.DevdSocket, bsdsrc.DefaultDevdSocket)); err == nil {
			d.Close()
			a.Devd = true
		}
	}
	a.ForcePoll = o.ForcePoll
	return ChooseMode(a)
}
