package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/vmgenid/vmgenid"
	"github.com/vmgenid/vmgenid/internal/events"
)

// watchOptions are the flags of "vmgenid watch".
type watchOptions struct {
	socketPath string
	exec       string
	json       bool
}

func init() {
	o := watchOptions{socketPath: vmgenid.DefaultSocketPath}
	register(&command{
		name:    "watch",
		summary: "print each entropy-epoch change the daemon announces, or run a command for each",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&o.socketPath, "socket", o.socketPath, "the daemon's events socket")
			fs.StringVar(&o.exec, "exec", "", "run this command (with /bin/sh -c) for each change, with VMGENID_EPOCH and VMGENID_ID set")
			fs.BoolVar(&o.json, "json", false, "print the events as JSON lines, as the daemon sends them")
		},
		run: func(env *cmdEnv, args []string) error {
			if len(args) != 0 {
				return fmt.Errorf("unexpected arguments %q", args)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runWatch(ctx, env, o)
		},
	})
}

// runWatch follows the events socket until ctx is done or the daemon
// closes the stream.
func runWatch(ctx context.Context, env *cmdEnv, o watchOptions) error {
	c, err := events.Dial(ctx, o.socketPath)
	if err != nil {
		return fmt.Errorf("%w (is the vmgenid daemon running?)", err)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	defer c.Close()
	for {
		ev, err := c.Next()
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, io.EOF) {
			return errors.New("the daemon closed the events stream (it stopped or restarted)")
		}
		if err != nil {
			return err
		}
		if o.exec != "" {
			runHook(env, o.exec, ev)
			continue
		}
		if o.json {
			b, err := json.Marshal(ev)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "%s\n", b)
			continue
		}
		fmt.Fprintln(env.stdout, formatEvent(ev))
	}
}

// formatEvent is the readable one-line form of an event.
func formatEvent(ev events.Event) string {
	id := "unknown"
	if ev.IDKnown {
		id = ev.ID
	}
	return fmt.Sprintf("%s epoch %d id %s (%s)", ev.Time.Format(time.RFC3339Nano), ev.Epoch, id, ev.Reason)
}

// runHook runs the --exec command for one event and waits for it. A
// failing command is reported and watching goes on.
func runHook(env *cmdEnv, command string, ev events.Event) {
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Env = append(os.Environ(),
		"VMGENID_EPOCH="+strconv.FormatUint(ev.Epoch, 10),
		"VMGENID_ID="+ev.ID, // empty when the daemon could not read the ID
		"VMGENID_REASON="+ev.Reason,
	)
	cmd.Stdout, cmd.Stderr = env.stdout, env.stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(env.stderr, "vmgenid watch: --exec for epoch %d: %v\n", ev.Epoch, err)
	}
}
