package vmgenid

import (
	"context"
	"time"

	"github.com/vmgenid/vmgenid/internal/events"
)

// Watch timing: how often the epoch is polled, how often a lost or absent
// event socket is dialled again, and how often the state file's identity
// is checked (one stat).
var (
	socketPath     = DefaultSocketPath // tests point it elsewhere
	pollInterval   = 100 * time.Millisecond
	redialInterval = time.Second
	recheckEvery   = 10 // polls between two stats of the state file
)

// Watch reports changes of the published state. The returned channel
// first receives the current state, then one State per change observed,
// and is closed when ctx is done.
//
// Changes arrive from the daemon's event socket (DefaultSocketPath) when it
// serves one, within microseconds; otherwise, and as a safety net, Watch
// polls the mapped epoch every 100 ms (a memory load, no system call) and
// dials the socket again every second. Successive values have different
// epochs; changes closer together than the receiver reads are coalesced
// into the latest one, so a slow receiver never falls behind.
//
// Watch returns an error wrapping ErrNoState if no state file is published
// when it is called.
func Watch(ctx context.Context) (<-chan State, error) {
	if _, err := currentMapping(); err != nil {
		return nil, err
	}
	ch := make(chan State, 1)
	go watchLoop(ctx, ch)
	return ch, nil
}

// watcher is the state of one Watch.
type watcher struct {
	ctx      context.Context
	out      chan<- State
	last     uint64        // epoch of the last State sent
	poke     chan struct{} // an event arrived (capacity 1: coalesces)
	lost     chan struct{} // the socket reader stopped
	client   *events.Client
	lastDial time.Time
}

func watchLoop(ctx context.Context, out chan<- State) {
	defer close(out)
	w := &watcher{ctx: ctx, out: out, poke: make(chan struct{}, 1), lost: make(chan struct{}, 1)}
	defer w.hangUp()
	// Dial before reading the current state, so that no change falls
	// between the two.
	w.dial()
	if !w.check(true) {
		return
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for polls := 1; ; polls++ {
		var ok bool
		select {
		case <-ctx.Done():
			return
		case <-w.poke:
			ok = w.check(true)
		case <-w.lost:
			w.hangUp()
			ok = true
		case <-tick.C:
			if w.client == nil && time.Since(w.lastDial) >= redialInterval {
				w.dial()
			}
			ok = w.check(polls%recheckEvery == 0)
		}
		if !ok {
			return
		}
	}
}

// dial connects to the event socket, if the daemon serves one, and starts
// a reader that pokes the loop for every event.
func (w *watcher) dial() {
	w.lastDial = time.Now()
	dctx, cancel := context.WithTimeout(w.ctx, time.Second)
	defer cancel()
	c, err := events.Dial(dctx, socketPath)
	if err != nil {
		return // polling covers for it
	}
	w.client = c
	go func() {
		for {
			if _, err := c.Next(); err != nil {
				select {
				case w.lost <- struct{}{}:
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
		if e := Epoch(); e == 0 || e == w.last {
			return true
		}
	}
	st, err := Current()
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
