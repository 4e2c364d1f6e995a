package vmgenid

import (
	"errors"
	"fmt"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/state"
)

// ID is a VM generation ID: 16 bytes in guest-memory order.
type ID = genid.ID

// ErrNoState is wrapped by errors that mean no valid state is published:
// the state file is missing (no daemon has run since boot), unreadable,
// or holds no epoch yet.
var ErrNoState = errors.New("vmgenid: no published state")

// State is one consistent record published by the daemon.
type State struct {
	// Epoch is the entropy epoch: never 0 in a State returned without
	// error; it changes on every VM generation change.
	Epoch uint64
	// ID is the current VM generation ID, valid when IDKnown. It is
	// unknown where the daemon learns of changes without being able to
	// read the ID (for instance from kernel messages only).
	ID ID
	// IDKnown says whether ID holds the VM generation ID.
	IDKnown bool
	// PAddr is the physical address the ID is read from; 0 if unknown.
	PAddr uint64
	// Changes counts the changes the daemon has seen since boot.
	Changes uint64
	// LastChange is when the last change was published; zero if none
	// since boot.
	LastChange time.Time
}

// stateFrom converts a decoded record.
func stateFrom(r state.Record) State {
	s := State{Epoch: r.Epoch, IDKnown: r.IDKnown(), PAddr: r.PAddr, Changes: r.Changes}
	if s.IDKnown {
		s.ID = r.ID
	}
	if r.LastChange != 0 {
		s.LastChange = time.Unix(0, r.LastChange)
	}
	return s
}

// readState reads a consistent record from m, mapping "no epoch yet" to
// ErrNoState.
func readState(m *state.Mapping) (State, error) {
	r, err := m.Read()
	if err != nil {
		if errors.Is(err, state.ErrNoEpoch) {
			return State{}, fmt.Errorf("%w: %w", ErrNoState, err)
		}
		return State{}, fmt.Errorf("vmgenid: %w", err)
	}
	return stateFrom(r), nil
}

// Published is a state file mapped from a path of the caller's choice,
// for daemons run with --state PATH. Its methods are safe for concurrent
// use until Close.
type Published struct {
	m *state.Mapping
}

// Open maps the state file at path. The error wraps ErrNoState when the
// file does not exist or is not a valid state file.
func Open(path string) (*Published, error) {
	m, err := state.Map(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoState, err)
	}
	return &Published{m: m}, nil
}

// Epoch returns the published epoch with one atomic load and no system
// call; 0 if the file holds no epoch yet.
func (p *Published) Epoch() uint64 { return p.m.Epoch() }

// Current returns a consistent copy of the published record (see the
// package-level Current).
func (p *Published) Current() (State, error) { return readState(p.m) }

// Close unmaps the file. The Published must not be used afterwards.
func (p *Published) Close() error { return p.m.Close() }
