package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/vmgenid/vmgenid"
	"github.com/vmgenid/vmgenid/internal/daemon"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/vmclock"
)

// daemonOptions are the flags of "vmgenid daemon".
type daemonOptions struct {
	statePath  string
	socketPath string
	detect     daemon.DetectOptions
	verbose    bool
	publicID   bool
	// metrics is the address to serve Prometheus metrics on (empty:
	// none); daemon_metrics.go.
	metrics            string
	metricsAllowRemote bool
	// started, if set, is called with the daemon once it has started and
	// stops cleanly on ctx (stopOnSignals; tests read its Status).
	started func(*daemon.Daemon)
}

// The allowed --poll intervals besides 0 (never): a read of the ID costs
// a few microseconds, so a millisecond is already a busy daemon; an hour
// is already "never" for a clone check.
const (
	minPoll = time.Millisecond
	maxPoll = time.Hour
)

// checkPoll refuses a --poll interval that makes no sense: negative (it
// meant "never" silently) or so short that polling eats a core.
func checkPoll(d time.Duration) error {
	if d != 0 && (d < minPoll || d > maxPoll) {
		return fmt.Errorf("--poll %v: want 0 (never) or %v to %v", d, minPoll, maxPoll)
	}
	return nil
}

// stopOnSignals makes SIGINT, SIGTERM and SIGHUP stop the daemon at every
// stage. Before started is called (start-up: discovery, opening the
// detectors, the first publish) nothing needs undoing that the next start
// does not undo (stale temporaries, a stale socket), and a stage may be
// stuck, so the first signal exits at once through exit; afterwards it
// cancels ctx and the daemon closes cleanly, removing its socket. SIGHUP
// stops too: it used to kill the daemon and leave the socket behind.
// SIGPIPE is ignored, so that a closed stderr makes log writes fail
// instead of killing the daemon.
func stopOnSignals(env *cmdEnv, exit func(int)) (ctx context.Context, started, stop func()) {
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	running := false
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			mu.Lock()
			defer mu.Unlock()
			if !running {
				fmt.Fprintf(env.stderr, "vmgenid daemon: %v during start-up: stopping\n", s)
				code := 1
				if n, ok := s.(syscall.Signal); ok {
					code = 128 + int(n)
				}
				exit(code)
				return
			}
			cancel()
		case <-done:
		}
	}()
	started = func() {
		mu.Lock()
		running = true
		mu.Unlock()
	}
	stop = func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
	return ctx, started, stop
}

func init() {
	o := daemonOptions{
		statePath:  vmgenid.DefaultStatePath,
		socketPath: vmgenid.DefaultSocketPath,
		detect:     daemon.DefaultDetectOptions(),
	}
	register(&command{
		name:    "daemon",
		summary: "watch for VM generation ID changes: reseed the kernel, advance and publish the entropy epoch",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&o.statePath, "state", o.statePath, "state file to publish")
			fs.StringVar(&o.socketPath, "socket", o.socketPath, "events socket (empty: none)")
			fs.DurationVar(&o.detect.Poll, "poll", o.detect.Poll, "where no event source covers the device (kernel fork notices, VMClock or devd notifications): how often to read the ID, or to poll interrupt counters, NetBSD's kern.entropy.epoch or a VMClock page (0: never)")
			fs.BoolVar(&o.detect.ForcePoll, "poll-always", o.detect.ForcePoll, "poll every --poll even where events cover the device")
			fs.StringVar(&o.detect.Kmsg, "kmsg", o.detect.Kmsg, "kernel log to follow for VM fork notices (empty: none)")
			fs.StringVar(&o.detect.GPE, "gpe", o.detect.GPE, "when polling: GPE number whose counter to poll (hex like 0x05 or decimal), \"auto\" to find the handler in the AML, \"off\"")
			fs.BoolVar(&o.detect.GED, "ged", o.detect.GED, "when polling: poll the ACPI:Ged interrupt counts (Firecracker) when no GPE handler is found")
			fs.BoolVar(&o.detect.Uevent, "uevent", o.detect.Uevent, "listen for the kernel's NEW_VMGENID uevent")
			fs.BoolVar(&o.publicID, "public-id", false, "publish the VM generation ID in the world-readable state file and to every event subscriber (default: root only, in the state file's .id companion and to root's subscribers)")
			fs.StringVar(&o.detect.VMClock, "vmclock", o.detect.VMClock, "VMClock device or page-image file whose generation counter to watch; \"auto\": the first "+vmclock.DevicePattern+", if any; \"off\"")
			fs.BoolVar(&o.verbose, "v", false, "log details (every source problem, spurious signals) and the ID")
			fs.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics (a loopback HOST:PORT; empty: none)")
			fs.BoolVar(&o.metricsAllowRemote, "metrics-allow-remote", false, "allow --metrics on an address other hosts can reach")
		},
		run: func(env *cmdEnv, args []string) error {
			if len(args) != 0 {
				return fmt.Errorf("unexpected arguments %q", args)
			}
			if err := checkPoll(o.detect.Poll); err != nil {
				return err
			}
			ctx, started, stop := stopOnSignals(env, os.Exit)
			defer stop()
			o.started = func(*daemon.Daemon) { started() }
			return runDaemon(ctx, env, o)
		},
	})
}

// runDaemon runs the daemon the flags describe until ctx is done.
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

	d, err := daemon.New(daemon.Config{
		StatePath:  o.statePath,
		PublicID:   o.publicID,
		LogID:      o.verbose,
		SocketPath: o.socketPath,
		Sources:    srcs,
		Detect:     &o.detect,
		Logf:       logf,
		Debugf:     debugf,
		Monitor:    monitor,
		Ready: func(status string) {
			if err := daemon.SystemdNotify("READY=1\nSTATUS=" + status); err != nil {
				logf("%v", err)
			}
		},
	})
	if err != nil {
		return err
	}
	if o.started != nil {
		o.started(d)
	}
	return d.Run(ctx)
}
