// Package qemu drives QEMU from the host for the VM generation ID: ask a
// running VM for its generation ID over QMP, save a running VM's whole state
// to a file, and restore that file into new QEMU processes (clones), each
// with its own generation ID.
//
// QEMU refuses to change the guid of a running vmgenid device; restoring a
// saved state into a new process started with a different guid= is how a
// guest sees its generation ID change, exactly as a cloned VM would.
//
// QMP transport is github.com/digitalocean/go-qemu's qmp package; the replies
// are decoded here, defensively, because they come from another process.
//
// Its callers are cmd/vmgenid-host, the test scenario (internal/clonestory)
// and the test guest's builder (internal/guest); no guest-side package
// imports it.
package qemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/digitalocean/go-qemu/qmp"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/host"
)

// A Monitor is the host.VM of a QEMU process.
var _ host.VM = (*Monitor)(nil)

// Monitor is a QMP connection to one QEMU process. Its methods may be called
// from several goroutines; commands run one at a time.
//
// QMP cannot cancel a command, so a command whose context ends first closes
// the connection: later calls fail with ErrClosed.
type Monitor struct {
	path string
	mon  *qmp.SocketMonitor

	mu     sync.Mutex // guards closed
	closed bool
}

// ErrClosed is returned by a Monitor that has been closed.
var ErrClosed = errors.New("qmp: monitor connection closed")

// ErrConnectionClosed is wrapped by the error of a command whose reply never
// came because QEMU closed the connection (it exited, or is exiting).
var ErrConnectionClosed = errors.New("connection closed before the reply (did QEMU exit?)")

// Dial connects to the QMP server on the Unix socket at path and performs the
// capabilities handshake. It retries until the socket accepts or ctx ends,
// because a QEMU process that has just started may not have created it yet.
func Dial(ctx context.Context, path string) (*Monitor, error) {
	var lastErr error
	for {
		m, err := dialOnce(ctx, path)
		if err == nil {
			return m, nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("qmp: connect to %s: %w (last attempt: %v)", path, ctx.Err(), lastErr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func dialOnce(ctx context.Context, path string) (*Monitor, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	mon, err := qmp.NewSocketMonitor("unix", path, time.Second)
	if err != nil {
		return nil, err
	}
	result := make(chan error, 1)
	go func() { result <- mon.Connect() }()
	select {
	case err := <-result:
		if err != nil {
			mon.Disconnect()
			return nil, fmt.Errorf("qmp handshake: %w", err)
		}
		return &Monitor{path: path, mon: mon}, nil
	case <-ctx.Done():
		// Connect is blocked reading the greeting; it returns once the
		// QEMU process goes away. Close the connection then (not now: the
		// library does not allow Disconnect to race with Connect).
		go func() {
			<-result
			mon.Disconnect()
		}()
		return nil, ctx.Err()
	}
}

// Path returns the socket path the monitor is connected to.
func (m *Monitor) Path() string { return m.path }

// Close closes the connection. It does not stop QEMU.
func (m *Monitor) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	return m.mon.Disconnect()
}

// Execute runs one QMP command with optional arguments (nil for none) and
// decodes the "return" member of the reply into result (nil to ignore it).
func (m *Monitor) Execute(ctx context.Context, command string, args, result any) error {
	raw, err := m.run(ctx, command, args)
	if err != nil {
		return err
	}
	if err := decodeReturn(raw, result); err != nil {
		return fmt.Errorf("qmp %s: %w", command, err)
	}
	return nil
}

// run sends a command and returns the raw reply.
func (m *Monitor) run(ctx context.Context, command string, args any) ([]byte, error) {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("qmp %s: %w", command, ErrClosed)
	}
	req, err := json.Marshal(qmp.Command{Execute: command, Args: args})
	if err != nil {
		return nil, fmt.Errorf("qmp %s: encode arguments: %w", command, err)
	}
	type reply struct {
		raw []byte
		err error
	}
	done := make(chan reply, 1)
	go func() {
		raw, err := m.mon.Run(req)
		done <- reply{raw, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("qmp %s: %w", command, qmpError(r.err))
		}
		return r.raw, nil
	case <-ctx.Done():
		m.Close() // unblocks Run
		<-done
		return nil, fmt.Errorf("qmp %s: %w", command, ctx.Err())
	}
}

// qmpError explains the errors go-qemu returns. go-qemu hands a connection
// that ended before the reply to json.Unmarshal as an empty reply, which
// fails with a *json.SyntaxError: that becomes ErrConnectionClosed.
func qmpError(err error) error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("%w: %v", ErrConnectionClosed, err)
	}
	return err
}

// ID returns the guest's VM generation ID as QEMU reports it
// (query-vm-generation-id). It fails if the VM has no vmgenid device.
func (m *Monitor) ID(ctx context.Context) (genid.ID, error) {
	raw, err := m.run(ctx, "query-vm-generation-id", nil)
	if err != nil {
		return genid.ID{}, err
	}
	id, err := decodeGUID(raw)
	if err != nil {
		return genid.ID{}, fmt.Errorf("qmp query-vm-generation-id: %w", err)
	}
	return id, nil
}

// Status returns QEMU's run state (query-status).
func (m *Monitor) Status(ctx context.Context) (Status, error) {
	raw, err := m.run(ctx, "query-status", nil)
	if err != nil {
		return Status{}, err
	}
	s, err := decodeStatus(raw)
	if err != nil {
		return Status{}, fmt.Errorf("qmp query-status: %w", err)
	}
	return s, nil
}

// Migration returns the state of the current or last migration (query-migrate).
func (m *Monitor) Migration(ctx context.Context) (MigrationStatus, error) {
	raw, err := m.run(ctx, "query-migrate", nil)
	if err != nil {
		return MigrationStatus{}, err
	}
	s, err := decodeMigration(raw)
	if err != nil {
		return MigrationStatus{}, fmt.Errorf("qmp query-migrate: %w", err)
	}
	return s, nil
}

// Stop pauses the virtual CPUs.
func (m *Monitor) Stop(ctx context.Context) error { return m.Execute(ctx, "stop", nil, nil) }

// Cont resumes the virtual CPUs.
func (m *Monitor) Cont(ctx context.Context) error { return m.Execute(ctx, "cont", nil, nil) }

// Quit asks QEMU to exit. The connection closes as QEMU goes, so an error
// reading the reply is not reported.
func (m *Monitor) Quit(ctx context.Context) error {
	_, err := m.run(ctx, "quit", nil)
	if err != nil && ctx.Err() == nil && errors.Is(err, ErrConnectionClosed) {
		return nil
	}
	return err
}

// ReadPhys copies len(p) bytes of guest physical memory at addr into p,
// through QMP's pmemsave (QEMU writes them to a temporary host file).
func (m *Monitor) ReadPhys(ctx context.Context, addr uint64, p []byte) error {
	f, err := os.CreateTemp("", "vmgenid-pmem-*")
	if err != nil {
		return fmt.Errorf("qmp pmemsave: %w", err)
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	args := map[string]any{"val": addr, "size": len(p), "filename": name}
	if err := m.Execute(ctx, "pmemsave", args, nil); err != nil {
		return err
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("qmp pmemsave: %w", err)
	}
	if len(data) != len(p) {
		return fmt.Errorf("qmp pmemsave: QEMU wrote %d bytes, want %d", len(data), len(p))
	}
	copy(p, data)
	return nil
}

// Save stops the VM and writes its whole state to the file at path (a QEMU
// migration to "exec:cat > path"), calling progress (if not nil) with each
// reading of the migration's state until it completes. The VM stays paused.
func (m *Monitor) Save(ctx context.Context, path string, progress func(host.SaveProgress)) error {
	if err := m.Stop(ctx); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	uri := "exec:cat > " + shellQuote(path)
	if err := m.Execute(ctx, "migrate", map[string]any{"uri": uri}, nil); err != nil {
		return fmt.Errorf("save to %s: %w", path, err)
	}
	s, err := m.WaitMigration(ctx, func(s MigrationStatus) {
		if progress != nil {
			progress(host.SaveProgress{State: s.State, Transferred: s.Transferred, Total: s.Total, Done: s.Done()})
		}
	})
	if err != nil {
		return fmt.Errorf("save to %s: %w", path, err)
	}
	if s.State != "completed" {
		return fmt.Errorf("save to %s: migration %s: %s", path, s.State, s.Error)
	}
	return nil
}

// WaitMigration polls query-migrate until the migration reaches an end state
// ("completed", "failed" or "cancelled") and returns that last reading.
func (m *Monitor) WaitMigration(ctx context.Context, progress func(MigrationStatus)) (MigrationStatus, error) {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := m.Migration(ctx)
		if err != nil {
			return s, err
		}
		if progress != nil {
			progress(s)
		}
		if s.Done() {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return s, fmt.Errorf("waiting for the migration (last state %q): %w", s.State, ctx.Err())
		case <-tick.C:
		}
	}
}

// shellQuote quotes s for /bin/sh, which QEMU's exec: migration uses.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
