package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/vmgenid/vmgenid"
	"github.com/vmgenid/vmgenid/internal/daemon"
	"github.com/vmgenid/vmgenid/internal/detect"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/source/bsdsrc"
	"github.com/vmgenid/vmgenid/internal/sysctl"
	"github.com/vmgenid/vmgenid/internal/vmclock"
)

// daemonOptions are the flags of "vmgenid daemon".
type daemonOptions struct {
	statePath  string
	socketPath string
	poll       time.Duration
	kmsg       string
	gpe        string
	ged        bool
	uevent     bool
	vmclock    string // "auto", "off" (or empty) or a path
	verbose    bool
	publicID   bool
	// metrics is the address to serve Prometheus metrics on (empty:
	// none); daemon_metrics.go.
	metrics            string
	metricsAllowRemote bool
}

func init() {
	o := daemonOptions{
		statePath:  vmgenid.DefaultStatePath,
		socketPath: vmgenid.DefaultSocketPath,
		poll:       detect.DefaultPollInterval,
		kmsg:       detect.DefaultKmsgPath,
		gpe:        "auto",
		ged:        true,
		uevent:     true,
		vmclock:    "auto",
	}
	register(&command{
		name:    "daemon",
		summary: "watch for VM generation ID changes: reseed the kernel, advance and publish the entropy epoch",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&o.statePath, "state", o.statePath, "state file to publish")
			fs.StringVar(&o.socketPath, "socket", o.socketPath, "events socket (empty: none)")
			fs.DurationVar(&o.poll, "poll", o.poll, "how often to read the ID, and to poll interrupt counters and NetBSD's kern.entropy.epoch (0: never)")
			fs.StringVar(&o.kmsg, "kmsg", o.kmsg, "kernel log to follow for VM fork notices (empty: none)")
			fs.StringVar(&o.gpe, "gpe", o.gpe, "GPE number whose counter to poll (hex like 0x05 or decimal), \"auto\" to find the handler in the AML, \"off\"")
			fs.BoolVar(&o.ged, "ged", o.ged, "poll the ACPI:Ged interrupt counts (Firecracker) when no GPE handler is found")
			fs.BoolVar(&o.uevent, "uevent", o.uevent, "listen for the kernel's NEW_VMGENID uevent")
			fs.StringVar(&o.vmclock, "vmclock", o.vmclock, "VMClock device or page-image file whose generation counter to watch; \"auto\": the first "+vmclock.DevicePattern+", if any; \"off\"")
			fs.BoolVar(&o.publicID, "public-id", false, "publish the VM generation ID in the world-readable state file and to every event subscriber (default: root only, in the state file's .id companion and to root's subscribers)")
			fs.BoolVar(&o.verbose, "v", false, "log details (every source problem, spurious signals) and the ID")
			fs.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics (a loopback HOST:PORT; empty: none)")
			fs.BoolVar(&o.metricsAllowRemote, "metrics-allow-remote", false, "allow --metrics on an address other hosts can reach")
		},
		run: func(env *cmdEnv, args []string) error {
			if len(args) != 0 {
				return fmt.Errorf("unexpected arguments %q", args)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDaemon(ctx, env, o)
		},
	})
}

// runDaemon wires the sources and detectors the flags ask for into a
// daemon and runs it until ctx is done.
func runDaemon(ctx context.Context, env *cmdEnv, o daemonOptions) error {
	flags := log.LstdFlags | log.Lmicroseconds
	if os.Getenv("JOURNAL_STREAM") != "" {
		flags = 0 // the journal stamps lines itself
	}
	logger := log.New(env.stderr, "", flags)
	logf := func(format string, args ...any) { logger.Printf(format, args...) }
	debugf := func(string, ...any) {}
	if o.verbose {
		debugf = func(format string, args ...any) { logger.Printf("debug: "+format, args...) }
	}

	monitor, stopMetrics, err := startMetrics(ctx, o, logf)
	if err != nil {
		return err
	}
	defer stopMetrics()

	srcs, err := source.Detect(env.global.sourceOptions())
	if err != nil {
		logf("%v", err)
	}
	defer source.CloseAll(srcs)

	// The daemon owns the detectors from daemon.New on, even when it fails.
	var dets []detect.Detector
	if o.kmsg != "" {
		k, err := detect.OpenKmsg(o.kmsg)
		switch {
		case errors.Is(err, detect.ErrUnsupported):
			debugf("no kernel log fork notices on this system")
		case err != nil:
			logf("not following the kernel log: %v", err)
		default:
			dets = append(dets, k)
		}
	}
	if o.uevent {
		u, err := detect.ListenUevents()
		switch {
		case errors.Is(err, detect.ErrUnsupported):
		case err != nil:
			logf("not listening for uevents: %v", err)
		default:
			dets = append(dets, u)
		}
	}
	if o.poll > 0 {
		dets = append(dets, counterDetectors(env, o, srcs, logf, debugf)...)
	}
	if d := vmclockDetector(o, logf, debugf); d != nil {
		dets = append(dets, d)
	}
	// NetBSD: kern.entropy.epoch, polled (every advance is a change);
	// FreeBSD: devd's VMGenerationCounter notifications, which need no
	// poll.
	bsdDets, notes := bsdsrc.Detectors(runtime.GOOS, sysctl.System(), o.poll, bsdsrc.DefaultDevdSocket)
	for _, n := range notes {
		logf("%v", n)
	}
	dets = append(dets, bsdDets...)

	d, err := daemon.New(daemon.Config{
		StatePath:    o.statePath,
		PublicID:     o.publicID,
		LogID:        o.verbose,
		SocketPath:   o.socketPath,
		Sources:      srcs,
		Detectors:    dets,
		PollInterval: o.poll,
		Logf:         logf,
		Debugf:       debugf,
		Monitor:      monitor,
		Ready: func(status string) {
			if err := daemon.SystemdNotify("READY=1\nSTATUS=" + status); err != nil {
				logf("%v", err)
			}
		},
	})
	if err != nil {
		return err
	}
	return d.Run(ctx)
}

// vmclockDetector returns the VMClock detector --vmclock asks for, or nil:
// "auto" takes the first device, if any; a path must open as a VMClock page
// (a device, or a page-image file as in tests); "off", "false" or empty
// means none ("true" is "auto", for the old boolean form of the flag).
func vmclockDetector(o daemonOptions, logf, debugf func(string, ...any)) detect.Detector {
	path := o.vmclock
	switch path {
	case "", "off", "false":
		return nil
	case "auto", "true":
		devs, err := vmclock.FindDevices()
		switch {
		case err != nil:
			debugf("no VMClock: %v", err)
			return nil
		case len(devs) == 0:
			debugf("no VMClock device (%s)", vmclock.DevicePattern)
			return nil
		}
		path = devs[0]
	}
	// Open once now, so that a wrong path is reported at start rather
	// than as a detector that stopped.
	c, err := vmclock.Open(path)
	if err != nil {
		logf("not watching VMClock: %v", err)
		return nil
	}
	c.Close()
	return &vmclock.Detector{Path: path, Interval: o.poll, Logf: logf}
}

// counterDetectors returns the interrupt-counter detectors: the GPE whose
// handler notifies the device (from --gpe, or found in the AML), else the
// GED interrupt counts.
func counterDetectors(env *cmdEnv, o daemonOptions, srcs []source.Source, logf, debugf func(string, ...any)) []detect.Detector {
	gpe := -1
	switch o.gpe {
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
		n, err := strconv.ParseInt(o.gpe, 0, 0)
		if err != nil || n < 0 || n > 0xff {
			logf("--gpe %q: want a number 0..0xff, \"auto\" or \"off\"", o.gpe)
			return nil
		}
		gpe = int(n)
	}
	if gpe >= 0 {
		c, err := detect.NewGPECounter(detect.DefaultGPEDir, gpe, o.poll)
		if err == nil {
			return []detect.Detector{c}
		}
		logf("not polling GPE %#02x: %v", gpe, err)
	}
	if o.ged {
		c, err := detect.NewGEDCounter(detect.DefaultInterruptsPath, o.poll)
		if err == nil {
			return []detect.Detector{c}
		}
		debugf("not polling GED interrupts: %v", err)
	}
	return nil
}
