package qemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vmgenid/vmgenid/genid"
)

// CloneOptions say how to restore a saved VM into new QEMU processes.
type CloneOptions struct {
	// Binary is the QEMU binary; DefaultBinary when empty.
	Binary string
	// Args are the source VM's QEMU arguments (without the binary). They
	// must hold a "-device vmgenid"; see CloneArgs for what is rewritten.
	Args []string
	// From is the state file written by Monitor.Save.
	From string
	// Count is the number of clones to start.
	Count int
	// GUIDs are the generation IDs of the first len(GUIDs) clones; the
	// others get fresh random ones.
	GUIDs []genid.ID
	// Dir is where the clones' QMP sockets go (clone0.qmp, clone1.qmp, ...).
	Dir string
	// Output, if not nil, gives the writer for clone i's standard output
	// and error (its serial console with -nographic); nil discards them.
	Output func(i int) io.Writer
	// Progress, if not nil, is told about each step of each clone (one
	// call at a time).
	Progress func(i int, step string)
}

// Clone is one QEMU process restored from a saved VM and resumed.
type Clone struct {
	Index    int
	GUID     genid.ID // the guid it was started with
	ID       genid.ID // what QEMU reports after the restore (query-vm-generation-id)
	QMPPath  string
	Process  *Process
	Monitor  *Monitor
	Restored time.Duration // from starting QEMU to the end of the incoming migration
	Resumed  time.Time     // just before the "cont" command was sent
}

// Stop quits the clone's QEMU (killing it if it does not go).
func (c *Clone) Stop(ctx context.Context) { c.Process.Stop(ctx, c.Monitor) }

// StartClones starts opts.Count QEMU processes restoring opts.From, each with
// its own generation ID, waits until every restore has completed, then
// resumes them one after another. The processes live until ctx ends or they
// are stopped; on any error every process started is killed.
func StartClones(ctx context.Context, opts CloneOptions) (clones []*Clone, err error) {
	if opts.Count < 1 {
		return nil, fmt.Errorf("clone count %d: want at least 1", opts.Count)
	}
	if len(opts.GUIDs) > opts.Count {
		return nil, fmt.Errorf("%d guids given for %d clones", len(opts.GUIDs), opts.Count)
	}
	if _, err := os.Stat(opts.From); err != nil {
		return nil, fmt.Errorf("saved state: %w", err)
	}
	from, err := filepath.Abs(opts.From)
	if err != nil {
		return nil, err
	}
	var progressMu sync.Mutex // the restores report from several goroutines
	progress := func(i int, step string) {
		if opts.Progress != nil {
			progressMu.Lock()
			defer progressMu.Unlock()
			opts.Progress(i, step)
		}
	}
	defer func() {
		if err != nil {
			for _, c := range clones {
				if c != nil {
					c.Process.Kill()
					if c.Monitor != nil {
						c.Monitor.Close()
					}
				}
			}
			clones = nil
		}
	}()

	clones = make([]*Clone, opts.Count)
	for i := range clones {
		guid := genid.ID{}
		if i < len(opts.GUIDs) {
			guid = opts.GUIDs[i]
		} else {
			guid = genid.New()
		}
		sock := filepath.Join(opts.Dir, fmt.Sprintf("clone%d.qmp", i))
		os.Remove(sock) // a stale socket from an earlier run would be dialled by mistake
		args, err := CloneArgs(opts.Args, guid, sock, from)
		if err != nil {
			return clones, err
		}
		var out io.Writer
		if opts.Output != nil {
			out = opts.Output(i)
		}
		progress(i, "starting QEMU with guid "+guid.GUID())
		p, err := Start(ctx, opts.Binary, args, out)
		if err != nil {
			return clones, fmt.Errorf("clone %d: %w", i, err)
		}
		clones[i] = &Clone{Index: i, GUID: guid, QMPPath: sock, Process: p}
	}

	// Restore all clones in parallel: each one waits for its QMP socket
	// and its incoming migration.
	started := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(clones))
	for i, c := range clones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = waitRestored(ctx, c, started, func(s string) { progress(i, s) })
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return clones, err
	}
	for i, c := range clones {
		c.Resumed = time.Now()
		if err := c.Monitor.Cont(ctx); err != nil {
			return clones, fmt.Errorf("clone %d: resume: %w", i, err)
		}
		progress(i, "resumed")
	}
	for i, c := range clones {
		if c.ID, err = c.Monitor.ID(ctx); err != nil {
			return clones, fmt.Errorf("clone %d: %w", i, err)
		}
	}
	return clones, nil
}

// waitRestored connects to a clone's QMP socket and waits until its incoming
// migration has completed (or failed, or QEMU exited).
func waitRestored(ctx context.Context, c *Clone, started time.Time, progress func(string)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // stop waiting as soon as QEMU exits
		select {
		case <-c.Process.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	m, err := Dial(ctx, c.QMPPath)
	if err != nil {
		return restoreError(ctx, c, err)
	}
	c.Monitor = m
	progress("restoring")
	s, err := m.WaitMigration(ctx, nil)
	if err != nil {
		return restoreError(ctx, c, err)
	}
	if s.State != "completed" {
		return fmt.Errorf("clone %d: restore %s: %s", c.Index, s.State, s.Error)
	}
	c.Restored = time.Since(started)
	// The incoming side reports "completed" as it finishes loading; the
	// VM is resumable once QEMU has left the "inmigrate" state.
	for {
		st, err := m.Status(ctx)
		if err != nil {
			return restoreError(ctx, c, err)
		}
		if st.State != "inmigrate" {
			break
		}
		select {
		case <-ctx.Done():
			return restoreError(ctx, c, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	progress(fmt.Sprintf("restored in %v", c.Restored.Round(time.Millisecond)))
	return nil
}

// restoreError explains a failed restore, preferring QEMU's own words when
// the process has exited (the QMP error is then only a symptom).
func restoreError(ctx context.Context, c *Clone, err error) error {
	select {
	case <-c.Process.Done():
	case <-time.After(time.Second):
	}
	if exited, werr := c.Process.Exited(); exited {
		msg := strings.TrimSpace(c.Process.OutputTail())
		if msg == "" {
			msg = "(no output)"
		}
		return fmt.Errorf("clone %d: QEMU exited during the restore (%v): %s", c.Index, werr, msg)
	}
	return fmt.Errorf("clone %d: %w", c.Index, err)
}
