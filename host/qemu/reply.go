package qemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vmgenid/vmgenid/genid"
)

// maxReply bounds the size of one QMP reply we are willing to decode. The
// replies this package asks for are a few hundred bytes; go-qemu's reader
// already stops at 64 KiB lines, this is a second, explicit limit.
const maxReply = 1 << 20

// maxText bounds the strings taken from a reply (status names, error texts).
const maxText = 4096

// CommandError is an error reply from QEMU: {"error": {"class": ..., "desc": ...}}.
type CommandError struct {
	Class string // QMP error class, such as "GenericError"
	Desc  string // QEMU's human-readable description
}

// Error gives QEMU's error class and description.
func (e *CommandError) Error() string {
	if e.Class == "" {
		return "QEMU error: " + e.Desc
	}
	return fmt.Sprintf("QEMU error (%s): %s", e.Class, e.Desc)
}

// decodeReturn checks that raw is one QMP success reply and decodes its
// "return" member into out (skipped when out is nil). An error reply becomes
// a *CommandError.
func decodeReturn(raw []byte, out any) error {
	if len(raw) > maxReply {
		return fmt.Errorf("reply of %d bytes exceeds the %d-byte limit", len(raw), maxReply)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return errors.New("empty reply")
	}
	var envelope struct {
		Return json.RawMessage `json:"return"`
		Error  *struct {
			Class string `json:"class"`
			Desc  string `json:"desc"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		return fmt.Errorf("reply is not a JSON object: %w (%s)", err, excerpt(raw))
	}
	if envelope.Error != nil {
		return &CommandError{Class: clip(envelope.Error.Class), Desc: clip(envelope.Error.Desc)}
	}
	if envelope.Return == nil {
		return fmt.Errorf("reply has neither \"return\" nor \"error\" (%s)", excerpt(raw))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(envelope.Return, out); err != nil {
		return fmt.Errorf("unexpected \"return\" value: %w (%s)", err, excerpt(envelope.Return))
	}
	return nil
}

// excerpt quotes the start of a reply for an error message.
func excerpt(b []byte) string {
	const n = 120
	if len(b) > n {
		return fmt.Sprintf("%q…", b[:n])
	}
	return fmt.Sprintf("%q", b)
}

func clip(s string) string {
	if len(s) > maxText {
		return s[:maxText] + "…"
	}
	return s
}

// decodeGUID decodes the reply of query-vm-generation-id: {"return": {"guid": "..."}}.
func decodeGUID(raw []byte) (genid.ID, error) {
	var r struct {
		GUID *string `json:"guid"`
	}
	if err := decodeReturn(raw, &r); err != nil {
		return genid.ID{}, err
	}
	if r.GUID == nil {
		return genid.ID{}, errors.New("reply has no \"guid\" member")
	}
	id, err := genid.ParseGUID(*r.GUID)
	if err != nil {
		return genid.ID{}, fmt.Errorf("reply's guid: %w", err)
	}
	return id, nil
}

// Status is QEMU's run state, the reply of query-status.
type Status struct {
	Running bool   // the virtual CPUs run
	State   string // "running", "paused", "inmigrate", "postmigrate", "shutdown", ...
}

func decodeStatus(raw []byte) (Status, error) {
	var r struct {
		Running *bool   `json:"running"`
		Status  *string `json:"status"`
	}
	if err := decodeReturn(raw, &r); err != nil {
		return Status{}, err
	}
	if r.Running == nil || r.Status == nil {
		return Status{}, errors.New("query-status reply lacks \"running\" or \"status\"")
	}
	if len(*r.Status) > 64 {
		return Status{}, fmt.Errorf("query-status reply: status name of %d bytes", len(*r.Status))
	}
	return Status{Running: *r.Running, State: *r.Status}, nil
}

// MigrationStatus is one reading of query-migrate: how far a migration (an
// outgoing save or an incoming restore) has come.
type MigrationStatus struct {
	// State is QEMU's migration state: "" before any migration, then
	// "setup", "active", "device", "completed", "failed", "cancelled", ...
	State string
	// RAM bytes: transferred so far, still to go, and the guest's total.
	// QEMU reports them for outgoing migrations only.
	Transferred, Remaining, Total uint64
	// Elapsed is QEMU's "total-time" (outgoing migrations).
	Elapsed time.Duration
	// Error is QEMU's error description when State is "failed".
	Error string
}

// Done reports whether the migration has reached an end state.
func (s MigrationStatus) Done() bool {
	switch s.State {
	case "completed", "failed", "cancelled":
		return true
	}
	return false
}

func decodeMigration(raw []byte) (MigrationStatus, error) {
	var r struct {
		Status    string `json:"status"`
		TotalTime int64  `json:"total-time"`
		ErrorDesc string `json:"error-desc"`
		RAM       *struct {
			Transferred uint64 `json:"transferred"`
			Remaining   uint64 `json:"remaining"`
			Total       uint64 `json:"total"`
		} `json:"ram"`
	}
	if err := decodeReturn(raw, &r); err != nil {
		return MigrationStatus{}, err
	}
	if len(r.Status) > 64 {
		return MigrationStatus{}, fmt.Errorf("query-migrate reply: status name of %d bytes", len(r.Status))
	}
	if r.TotalTime < 0 || r.TotalTime > int64(24*time.Hour/time.Millisecond) {
		return MigrationStatus{}, fmt.Errorf("query-migrate reply: total-time %d ms out of range", r.TotalTime)
	}
	s := MigrationStatus{
		State:   r.Status,
		Elapsed: time.Duration(r.TotalTime) * time.Millisecond,
		Error:   clip(r.ErrorDesc),
	}
	if r.RAM != nil {
		s.Transferred, s.Remaining, s.Total = r.RAM.Transferred, r.RAM.Remaining, r.RAM.Total
	}
	return s, nil
}
