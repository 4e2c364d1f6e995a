package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/vmgenid/vmgenid"
)

// watchOptions are the flags of "vmgenid watch".
type watchOptions struct {
	statePath  string
	socketPath string
	exec       string
	json       bool
	// began, if set, is called with the state watching began from
	// (tests: a change must come after it to be one).
	began func(vmgenid.State)
}

func init() {
	o := watchOptions{statePath: vmgenid.DefaultStatePath, socketPath: vmgenid.DefaultSocketPath}
	register(&command{
		name:    "watch",
		summary: "print each entropy-epoch change the daemon publishes, or run a command for each",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&o.statePath, "state", o.statePath, "the daemon's state file")
			fs.StringVar(&o.socketPath, "socket", o.socketPath, "the daemon's events socket (empty: poll the state file only)")
			fs.StringVar(&o.exec, "exec", "", "run this command (with /bin/sh -c) for each change, with VMGENID_EPOCH and VMGENID_ID set")
			fs.BoolVar(&o.json, "json", false, "print each new state as a JSON line")
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

// runWatch reports every change of the published state until ctx is done.
// It is vmgenid.StateFile.Watch: events from the socket when the daemon
// serves them (from root or the state file's owner only), polling the
// state file otherwise, across daemon restarts. Problems with the socket,
// such as the daemon's reason for refusing the connection, go to stderr.
func runWatch(ctx context.Context, env *cmdEnv, o watchOptions) error {
	f := vmgenid.NewStateFile(o.statePath, o.socketPath)
	defer f.Close()
	report := func(err error) { fmt.Fprintf(env.stderr, "vmgenid watch: %v\n", err) }
	first := true
	for st := range f.Watch(ctx, report) {
		if first {
			// The state when watching began: not a change.
			first = false
			if o.began != nil {
				o.began(st)
			}
			continue
		}
		switch {
		case o.exec != "":
			runHook(env, o.exec, st)
		case o.json:
			b, err := json.Marshal(st)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "%s\n", b)
		default:
			fmt.Fprintln(env.stdout, formatState(st))
		}
	}
	return nil
}

// formatState is the readable one-line form of a change.
func formatState(st vmgenid.State) string {
	id := "unknown"
	if st.IDKnown {
		id = st.ID.String()
	}
	return fmt.Sprintf("%s epoch %d id %s (change %d)", st.LastChange.Format(time.RFC3339Nano), st.Epoch, id, st.Changes)
}

// runHook runs the --exec command for one change and waits for it. A
// failing command is reported and watching goes on.
func runHook(env *cmdEnv, command string, st vmgenid.State) {
	id := "" // empty when the daemon could not read the ID
	if st.IDKnown {
		id = st.ID.String()
	}
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Env = append(os.Environ(),
		"VMGENID_EPOCH="+strconv.FormatUint(st.Epoch, 10),
		"VMGENID_ID="+id,
	)
	cmd.Stdout, cmd.Stderr = env.stdout, env.stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(env.stderr, "vmgenid watch: --exec for epoch %d: %v\n", st.Epoch, err)
	}
}
