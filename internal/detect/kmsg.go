package detect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// DefaultKmsgPath is the Linux kernel log device.
const DefaultKmsgPath = "/dev/kmsg"

// kmsgStream is where Kmsg reads records from: /dev/kmsg on Linux (one
// record per read), or in tests a pipe or file (records in arbitrary
// chunks). Kmsg reassembles lines, so both work.
type kmsgStream interface {
	// Read returns more bytes. It returns errBacklogEnd once, when every
	// record that existed when the stream was opened has been read (the
	// stream goes on); io.EOF when the stream has ended.
	Read(p []byte) (int, error)
	Close() error
}

// errBacklogEnd marks the end of the records present at open.
var errBacklogEnd = errors.New("end of kernel log backlog")

// maxKmsgLine bounds one line; the kernel's records are at most about
// 1 KiB (plus continuation lines, which come as separate lines). A longer
// line is skipped rather than buffered without end.
const maxKmsgLine = 16 << 10

// maxKmsgJunk bounds the bytes read without one kernel log record in
// them: a path that is not the kernel log (--kmsg /dev/zero) fails with
// an error instead of being read forever. The kernel's records are far
// denser than this.
const maxKmsgJunk = 1 << 20

// Kmsg follows the Linux kernel log and reports the kernel's own VM fork
// notices ("random: crng reseeded due to virtual machine fork"). When it
// opens the log it counts the notices since boot, so that a restarted
// daemon knows whether a fork happened while it was down; then it follows
// new records and signals each notice with its kernel timestamp.
type Kmsg struct {
	path   string
	stream kmsgStream

	mu    sync.Mutex
	forks uint64 // fork notices since boot
	lost  uint64 // times records were lost
	// seqKnown and nextSeq track the sequence numbers to detect lost
	// records.
	seqKnown   bool
	nextSeq    uint64
	malformed  uint64
	lastFork   time.Duration
	line       []byte
	discarding bool // inside an over-long line, skipping to its end
	junk       int  // bytes read since the last record (maxKmsgJunk)
	running    bool
}

// OpenKmsg opens the kernel log at path (DefaultKmsgPath on Linux) and
// reads the records already there, counting the fork notices since boot.
// It returns ErrUnsupported where there is no such log.
func OpenKmsg(path string) (*Kmsg, error) {
	s, err := openKmsgStream(path)
	if err != nil {
		return nil, err
	}
	k := &Kmsg{path: path, stream: s}
	if err := k.readBacklog(); err != nil {
		s.Close()
		return nil, err
	}
	return k, nil
}

// readBacklog reads until the end of the records present at open.
func (k *Kmsg) readBacklog() error {
	buf := make([]byte, 8192)
	for {
		n, err := k.stream.Read(buf)
		k.feed(buf[:n], nil)
		if jerr := k.junkError(); jerr != nil {
			return jerr
		}
		switch {
		case err == nil:
		case errors.Is(err, errBacklogEnd), errors.Is(err, io.EOF):
			return nil
		default:
			return fmt.Errorf("detect: reading kernel log %s: %w", k.path, err)
		}
	}
}

// Name returns "kmsg".
func (k *Kmsg) Name() string { return "kmsg" }

// Count returns the fork notices seen since boot (KernelForks), and how
// often records were lost.
func (k *Kmsg) Count() Count {
	k.mu.Lock()
	defer k.mu.Unlock()
	return Count{Kind: KernelForks, N: k.forks, Lost: k.lost}
}

// Malformed returns how many lines could not be parsed as records.
func (k *Kmsg) Malformed() uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.malformed
}

// LastFork returns the kernel timestamp of the last fork notice seen, or 0.
func (k *Kmsg) LastFork() time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastFork
}

// Run follows the kernel log until ctx is done, calling notify for every
// fork notice and whenever records were lost (a lost record may have been
// a notice). It returns an error if the log ends or cannot be read. Run
// closes the log when it returns; it may be called only once.
func (k *Kmsg) Run(ctx context.Context, notify func(Signal)) error {
	k.mu.Lock()
	if k.running {
		k.mu.Unlock()
		return errors.New("detect: kmsg: Run called twice")
	}
	k.running = true
	k.mu.Unlock()

	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			k.stream.Close() // unblocks Read
		case <-done:
			k.stream.Close()
		}
	}()
	buf := make([]byte, 8192)
	for {
		n, err := k.stream.Read(buf)
		k.feed(buf[:n], notify)
		if jerr := k.junkError(); jerr != nil {
			return jerr
		}
		if err == nil || errors.Is(err, errBacklogEnd) {
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("detect: kernel log %s ended", k.path)
		}
		return fmt.Errorf("detect: reading kernel log %s: %w", k.path, err)
	}
}

// Close closes the log; only needed when Run is never called.
func (k *Kmsg) Close() error { return k.stream.Close() }

// junkError says that the stream is not a kernel log, when more than
// maxKmsgJunk bytes came without one record.
func (k *Kmsg) junkError() error {
	if k.junk <= maxKmsgJunk {
		return nil
	}
	return fmt.Errorf("detect: %s: %d bytes without one kernel log record: it is not the kernel log (/dev/kmsg)", k.path, k.junk)
}

// feed splits bytes into lines and handles each complete one. A nil
// notify counts without signalling (the backlog).
func (k *Kmsg) feed(p []byte, notify func(Signal)) {
	k.junk += len(p) // until a record resets it
	for len(p) > 0 {
		nl := bytes.IndexByte(p, '\n')
		chunk := p
		if nl >= 0 {
			chunk = p[:nl]
		}
		if !k.discarding {
			if len(k.line)+len(chunk) > maxKmsgLine {
				k.discarding = true
				k.line = k.line[:0]
				k.mu.Lock()
				k.malformed++
				k.mu.Unlock()
			} else {
				k.line = append(k.line, chunk...)
			}
		}
		if nl < 0 {
			return
		}
		p = p[nl+1:]
		if !k.discarding {
			k.handleLine(k.line, notify)
		}
		k.discarding = false
		k.line = k.line[:0]
	}
}

// handleLine handles one complete line of the log.
func (k *Kmsg) handleLine(line []byte, notify func(Signal)) {
	if len(line) == 0 || line[0] == ' ' {
		return // blank, or a KEY=VALUE continuation line
	}
	rec, err := ParseKmsgRecord(line)
	k.mu.Lock()
	if err != nil {
		k.malformed++
		k.mu.Unlock()
		return
	}
	k.junk = 0
	var sigs []Signal
	switch {
	case !k.seqKnown && rec.Seq != 0, k.seqKnown && rec.Seq > k.nextSeq:
		// The first record is not the boot's first, or sequence numbers
		// jumped: records were overwritten before we read them.
		k.lost++
		sigs = append(sigs, Signal{Detector: "kmsg", Reason: fmt.Sprintf("kernel log records lost before seq %d (a fork notice may be among them)", rec.Seq)})
	}
	k.seqKnown, k.nextSeq = true, rec.Seq+1
	if IsForkNotice(rec) {
		k.forks++
		t := time.Duration(rec.Usec) * time.Microsecond
		if rec.Usec > uint64(1<<63-1)/uint64(time.Microsecond) {
			t = 0 // absurd timestamp: no time rather than a wrapped one
		}
		k.lastFork = t
		sigs = append(sigs, Signal{
			Detector:   "kmsg",
			Reason:     fmt.Sprintf("kernel log at %s: %s", fmtKernelTime(t), rec.Message),
			KernelTime: t,
		})
	}
	k.mu.Unlock()
	if notify != nil {
		for _, s := range sigs {
			notify(s)
		}
	}
}

// fmtKernelTime formats a time since boot the way dmesg does: seconds with
// six decimals.
func fmtKernelTime(t time.Duration) string {
	us := t / time.Microsecond
	return fmt.Sprintf("%d.%06ds", us/1e6, us%1e6)
}
