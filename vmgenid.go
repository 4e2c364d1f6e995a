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

// State is one consistent record published by the daemon. It encodes to
// JSON with the field names of docs/state-file.md, the ID as 32 hex digits
// and left out when not known.
type State struct {
	// Epoch is the entropy epoch: never 0 in a State returned without
	// error; it changes on every VM generation change.
	Epoch uint64 `json:"epoch"`
	// ID is the current VM generation ID, valid when IDKnown. It is
	// unknown where the daemon learns of changes without being able to
	// read the ID (for instance from kernel messages only).
	ID ID `json:"id,omitzero"`
	// IDKnown says whether ID holds the VM generation ID.
	IDKnown bool `json:"id_known"`
	// IDWithheld says that the daemon knows the ID but does not publish
	// it to every user (its default, as NetBSD keeps hw.acpivmgenidN.id
	// to root): IDKnown is then false. Root reads it with "vmgenid id".
	IDWithheld bool `json:"id_withheld,omitempty"`
	// PAddr is the physical address the ID is read from; 0 if unknown.
	PAddr uint64 `json:"paddr"`
	// Changes counts the changes the daemon has seen since boot.
	Changes uint64 `json:"changes"`
	// LastChange is when the last change was published; zero if none
	// since boot.
	LastChange time.Time `json:"last_change,omitzero"`
}

// stateFrom converts a decoded record.
func stateFrom(r state.Record) State {
	s := State{Epoch: r.Epoch, PAddr: r.PAddr, Changes: r.Changes}
	// A withheld ID is unknown whatever the other bit says: its bytes
	// are zeros, not the ID.
	s.IDWithheld = r.Flags&state.FlagIDWithheld != 0
	s.IDKnown = r.IDKnown() && !s.IDWithheld
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
