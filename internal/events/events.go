// Package events streams entropy-epoch changes over a Unix socket: the
// daemon's Server writes one JSON object per line per change to every
// connected client, and Client reads them back.
//
// The stream is one-way. A client that sends anything, or that reads so
// slowly that its queue fills, is disconnected: a slow or hostile client
// never delays the daemon. A client that missed events can always read the
// current state from the state file; the stream says only "it changed".
//
// Wire format, one object per line (at most MaxLine bytes with the "\n"):
//
//	{"epoch":2,"id":"ddccbbaaffee11002233445566778899","id_known":true,"reason":"poll","time":"2026-11-27T04:30:00.123456789Z"}
//
// The ID goes only to root (and the daemon's own user); other clients get
// "id":"", "id_known":false and "id_withheld":true, unless the daemon runs
// with --public-id (docs/state-file.md, "The ID policy").
//
// A client the server will not serve (too many connections from its user)
// gets one line saying why, then the server closes the connection:
//
//	{"refused":"too many connections from uid 1000 (16 allowed per user)"}
//
// Client.Next returns it as a *RefusedError.
//
// The daemon runs the Server; the root package's Watch is the Client's
// caller. The package knows nothing of how a change is detected: an event
// only says "look", and the reader takes the state from the state file.
package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vmgenid/vmgenid/genid"
)

// MaxLine is the longest line, newline included, a Client accepts and a
// Server sends.
const MaxLine = 4096

// Event is one change of the entropy epoch.
type Event struct {
	// Epoch is the new epoch: never 0 nor all ones.
	Epoch uint64 `json:"epoch"`
	// ID is the new VM generation ID, zero when the daemon could not read
	// it or withholds it. On the wire it is 32 lowercase hex digits in
	// memory order, or "" when not sent.
	ID genid.ID
	// IDKnown is true exactly when ID is set.
	IDKnown bool
	// IDWithheld is true when the daemon knows the ID but does not send
	// it to this client (only root's get it); ID is then zero.
	IDWithheld bool
	// Reason names the detector that noticed the change ("poll", "kmsg",
	// "gpe", "uevent", "restart", …).
	Reason string
	// Time is when the daemon published the change.
	Time time.Time
}

// MarshalJSON encodes the event as the wire format's object.
func (e Event) MarshalJSON() ([]byte, error) {
	w := wireOut{Epoch: e.Epoch, IDKnown: e.IDKnown, IDWithheld: e.IDWithheld, Reason: e.Reason, Time: e.Time}
	if e.IDKnown {
		w.ID = e.ID.String()
	}
	return json.Marshal(w)
}

// wireOut is an event as the wire carries it.
type wireOut struct {
	Epoch      uint64    `json:"epoch"`
	ID         string    `json:"id"`
	IDKnown    bool      `json:"id_known"`
	IDWithheld bool      `json:"id_withheld,omitempty"`
	Reason     string    `json:"reason"`
	Time       time.Time `json:"time"`
}

// Validate checks the rules every event obeys.
func (e Event) Validate() error {
	if err := e.validate(); err != nil {
		return fmt.Errorf("events: %w", err)
	}
	return nil
}

func (e Event) validate() error {
	if e.Epoch == 0 || e.Epoch == ^uint64(0) {
		return fmt.Errorf("epoch %#x is never published", e.Epoch)
	}
	if e.IDKnown == e.ID.IsZero() {
		id := ""
		if !e.ID.IsZero() {
			id = e.ID.String()
		}
		return fmt.Errorf("id_known is %v but id is %q", e.IDKnown, id)
	}
	if e.IDWithheld && e.IDKnown {
		return errors.New("id_withheld and id_known are both true")
	}
	return nil
}

// Withheld returns e as a client that may not see the ID gets it.
func (e Event) Withheld() Event {
	if e.IDKnown {
		e.ID, e.IDKnown, e.IDWithheld = genid.ID{}, false, true
	}
	return e
}

// RefusedError is what Client.Next returns when the server refused the
// client and said why before closing.
type RefusedError struct {
	// Reason is the server's explanation, as sent.
	Reason string
}

// Error says that the daemon refused this client, and why.
func (e *RefusedError) Error() string {
	return "events: the daemon refused this connection: " + e.Reason
}

// refusalLine is the line a server sends to a client it refuses.
func refusalLine(reason string) []byte {
	j, _ := json.Marshal(struct {
		Refused string `json:"refused"`
	}{reason})
	return append(j, '\n')
}

// AppendLine appends e as one JSON line, newline included.
func (e Event) AppendLine(b []byte) ([]byte, error) {
	if err := e.Validate(); err != nil {
		return b, err
	}
	j, err := json.Marshal(e)
	if err != nil {
		return b, fmt.Errorf("events: %w", err)
	}
	if len(j)+1 > MaxLine {
		return b, fmt.Errorf("events: event is %d bytes encoded, more than %d", len(j)+1, MaxLine)
	}
	b = append(b, j...)
	return append(b, '\n'), nil
}

// wireEvent mirrors Event with pointers, to tell a missing field from a
// zero one.
type wireEvent struct {
	Epoch      *uint64    `json:"epoch"`
	ID         *string    `json:"id"`
	IDKnown    *bool      `json:"id_known"`
	IDWithheld bool       `json:"id_withheld"`
	Reason     string     `json:"reason"`
	Time       *time.Time `json:"time"`
	Refused    *string    `json:"refused"`
}

// ParseLine decodes one line of the stream, with or without its trailing
// newline. Unknown fields are ignored (later versions may add some); the
// fields epoch, id, id_known and time are required and checked. A
// server's refusal ({"refused":"why"}) yields a *RefusedError.
func ParseLine(line []byte) (Event, error) {
	ev, err := parseLine(line)
	if err != nil {
		return Event{}, fmt.Errorf("events: %w", err)
	}
	return ev, nil
}

// parseLine is ParseLine with errors that do not name the package, for
// the client to prefix with the line number.
func parseLine(line []byte) (Event, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	if len(line)+1 > MaxLine {
		return Event{}, fmt.Errorf("line is %d bytes, more than %d", len(line)+1, MaxLine)
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return Event{}, errors.New("empty line")
	}
	var w wireEvent
	if err := json.Unmarshal(line, &w); err != nil {
		return Event{}, fmt.Errorf("bad JSON: %w", err)
	}
	switch {
	case w.Refused != nil:
		return Event{}, &RefusedError{Reason: *w.Refused}
	case w.Epoch == nil:
		return Event{}, errors.New("field epoch is missing")
	case w.ID == nil:
		return Event{}, errors.New("field id is missing")
	case w.IDKnown == nil:
		return Event{}, errors.New("field id_known is missing")
	case w.Time == nil:
		return Event{}, errors.New("field time is missing")
	}
	e := Event{Epoch: *w.Epoch, IDKnown: *w.IDKnown, IDWithheld: w.IDWithheld, Reason: w.Reason, Time: *w.Time}
	if *w.ID != "" {
		id, err := genid.ParseHex(*w.ID)
		if err != nil {
			return Event{}, fmt.Errorf("field id: %w", err)
		}
		if *w.ID != strings.ToLower(*w.ID) {
			return Event{}, fmt.Errorf("field id %q: want lowercase hex", *w.ID)
		}
		e.ID = id
	}
	if err := e.validate(); err != nil {
		return Event{}, err
	}
	return e, nil
}
