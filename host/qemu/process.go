package qemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"
)

// DefaultBinary is the QEMU system emulator used when none is named.
const DefaultBinary = "qemu-system-x86_64"

// ErrNoQEMU says that the QEMU binary cannot be found.
var ErrNoQEMU = errors.New("QEMU not found (install Debian's qemu-system-x86)")

// LookPath finds the QEMU binary (DefaultBinary when name is empty), wrapping
// ErrNoQEMU when it is missing.
func LookPath(name string) (string, error) {
	if name == "" {
		name = DefaultBinary
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoQEMU, err)
	}
	return p, nil
}

// Process is one running QEMU. It is killed when the context given to Start
// ends, so a caller that cancels its context never leaks it.
type Process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been reaped

	tail *tailBuffer // the end of QEMU's output, for error messages

	mu      sync.Mutex
	waitErr error
	killed  bool
}

// tailBuffer keeps the last bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 2048

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// Start starts QEMU (binary, or DefaultBinary when empty) with args, its
// standard output and error going to output (discarded when nil) and its
// standard input reading nothing. QEMU runs in its own process group so that
// Kill also ends its helpers (the "cat" of an exec: migration).
func Start(ctx context.Context, binary string, args []string, output io.Writer) (*Process, error) {
	bin, err := LookPath(binary)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	tail := &tailBuffer{}
	var out io.Writer = tail
	if output != nil {
		out = io.MultiWriter(output, tail)
	}
	cmd.Stdout = out
	cmd.Stderr = out
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &Process{cmd: cmd, done: make(chan struct{}), tail: tail}
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			p.Kill()
		case <-p.done:
		}
	}()
	return p, nil
}

// OutputTail returns the last couple of KiB QEMU wrote to its standard
// output and error: where QEMU says why it failed.
func (p *Process) OutputTail() string { return p.tail.String() }

// Pid returns QEMU's process ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed once QEMU has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether QEMU has exited, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Wait waits until QEMU exits or ctx ends, and returns how QEMU exited.
func (p *Process) Wait(ctx context.Context) error {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.killed {
			return nil
		}
		return p.waitErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Kill kills QEMU and its process group, and waits until it has been reaped.
// Killing a process that has already exited does nothing.
func (p *Process) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	killGroup(p.cmd)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		// The process cannot outlive SIGKILL for long; don't hang a
		// cleanup path forever if the kernel is slow to reap it.
	}
}

// Stop asks QEMU to quit through m (when not nil) and kills it if it has not
// exited within a second, or at once when ctx ends.
func (p *Process) Stop(ctx context.Context, m *Monitor) {
	if m != nil {
		qctx, cancel := context.WithTimeout(ctx, time.Second)
		m.Quit(qctx)
		cancel()
		m.Close()
		select {
		case <-p.done:
			return
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	p.Kill()
}
