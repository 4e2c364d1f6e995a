package vmgenid

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/vmgenid/vmgenid/internal/events"
)

// Watch timing: how often the epoch is polled, how often a lost or absent
// event socket is dialled again, and how often the state file's identity
// is checked (one stat). Tests change them; a Watch copies them when it
// starts, so that its goroutine never reads them while a test writes them.
var (
	pollInterval   = 100 * time.Millisecond
	redialInterval = time.Second
	recheckEvery   = 10 // polls between two stats of the state file
)

// Watch reports changes of the state published in DefaultStatePath, with
// events from DefaultSocketPath: see StateFile.Watch.
func Watch(ctx context.Context) <-chan State { return defaultFile.Watch(ctx, nil) }

// Watch reports changes of the published state. The returned channel
// first receives the current state, then one State per change observed,
// and is closed when ctx is done. If nothing is published yet, the first
// State is the first one the daemon publishes.
//
// Changes arrive from the daemon's event socket, when it serves one,
// within microseconds; otherwise, and as a safety net, Watch polls the
// mapped epoch every 100 ms (a memory load, no system call) and dials the
// socket again every second. An event only says "look": every State is read
// from the state file. Events are taken only from a server run by root or
// by the owner of the state file (the kernel's record of the peer, e.g.
// SO_PEERCRED), so that another user who binds the socket name first cannot
// make a watcher act. Successive values have different epochs; changes
// closer together than the receiver reads are coalesced into the latest
// one, so a slow receiver never falls behind.
//
// Problems with the event socket (none listening, an untrusted server, a
// refusal, a broken stream) do not end Watch: it polls meanwhile. If report
// is not nil, Watch calls it from its goroutine with each problem, once
// until the problem changes.
func (f *StateFile) Watch(ctx context.Context, report func(error)) <-chan State {
	ch := make(chan State, 1)
	w := &watcher{
		f: f, ctx: ctx, out: ch, report: report,
		poke: make(chan struct{}, 1), lost: make(chan lostConn, 1),
		poll: pollInterval, redial: redialInterval, recheck: recheckEvery,
	}
	go w.loop()
	return ch
}

// watcher is the state of one Watch.
type watcher struct {
	f           *StateFile
	ctx         context.Context
	out         chan<- State
	report      func(error)
	last        uint64        // epoch of the last State sent; 0 before the first
	poke        chan struct{} // an event arrived (capacity 1: coalesces)
	lost        chan lostConn // a socket reader stopped
	client      *events.Client
	lastDial    time.Time
	lastProblem string
	poll        time.Duration // pollInterval, redialInterval and recheckEvery
	redial      time.Duration // when Watch was called
	recheck     int
}

// lostConn says why the reader of client stopped.
type lostConn struct {
	client *events.Client
	err    error
}

func (w *watcher) loop() {
	defer close(w.out)
	defer w.hangUp()
	tick := time.NewTicker(w.poll)
	defer tick.Stop()
	// Dial before reading the current state, so that no change falls
	// between the two.
	w.dial()
	if !w.check(true) {
		return
	}
	for polls := 1; ; polls++ {
		var ok bool
		select {
		case <-w.ctx.Done():
			return
		case <-w.poke:
			ok = w.check(true)
		case l := <-w.lost:
			if l.client == w.client {
				w.hangUp()
				w.problem(l.err)
			}
			ok = true
		case <-tick.C:
			if w.client == nil && w.f.socket != "" && time.Since(w.lastDial) >= w.redial {
				w.dial()
			}
			// Until the first publish, look for the file on every poll.
			ok = w.check(w.last == 0 || polls%w.recheck == 0)
		}
		if !ok {
			return
		}
	}
}

// problem reports err unless it is the one reported last.
func (w *watcher) problem(err error) {
	if w.report != nil && err.Error() != w.lastProblem {
		w.lastProblem = err.Error()
		w.report(err)
	}
}

// dial connects to the event socket, if the daemon serves one, checks who
// serves it, and starts a reader that pokes the loop for every event.
func (w *watcher) dial() {
	if w.f.socket == "" {
		return
	}
	w.lastDial = time.Now()
	dctx, cancel := context.WithTimeout(w.ctx, time.Second)
	defer cancel()
	c, err := events.Dial(dctx, w.f.socket)
	if err != nil {
		w.problem(fmt.Errorf("%w (polling the state file meanwhile)", err))
		return
	}
	if err := w.f.trust(c); err != nil {
		c.Close()
		w.problem(err)
		return
	}
	w.client, w.lastProblem = c, ""
	go func() {
		for {
			_, err := c.Next()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = fmt.Errorf("events: the daemon closed the stream on %s (it stopped or restarted): polling and dialling again", w.f.socket)
				}
				select {
				case w.lost <- lostConn{c, err}:
				default:
				}
				return
			}
			select {
			case w.poke <- struct{}{}:
			default:
			}
		}
	}()
}

// trust checks that the event server runs as root or as the owner of the
// state file.
func (f *StateFile) trust(c *events.Client) error {
	uid, ok := c.PeerUID()
	if !ok {
		return fmt.Errorf("events socket %s: the system does not say who serves it: ignoring it", f.socket)
	}
	if uid == 0 {
		return nil
	}
	owner, err := fileOwner(f.path)
	if err != nil {
		return fmt.Errorf("events socket %s is served by uid %d, not root, and the owner of the state file is unknown (%w): ignoring it", f.socket, uid, err)
	}
	if uid != owner {
		return fmt.Errorf("events socket %s is served by uid %d, neither root nor the owner of %s (uid %d): ignoring it", f.socket, uid, f.path, owner)
	}
	return nil
}

// hangUp closes the event connection, if any; its reader then stops.
func (w *watcher) hangUp() {
	if w.client != nil {
		w.client.Close()
		w.client = nil
	}
}

// check sends the current state if its epoch differs from the last one
// sent. With full set it reads the record through Current (noticing a
// replaced state file); otherwise it first compares the mapped epoch,
// which costs no system call. It returns false when ctx is done.
func (w *watcher) check(full bool) bool {
	if !full {
		if e := w.f.Epoch(); e == 0 || e == w.last {
			return true
		}
	}
	st, err := w.f.Current()
	if err != nil || st.Epoch == w.last {
		return true // no state yet, or nothing new: keep watching
	}
	select {
	case w.out <- st:
		w.last = st.Epoch
		return true
	case <-w.ctx.Done():
		return false
	}
}
