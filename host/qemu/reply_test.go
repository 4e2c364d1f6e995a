package qemu

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeGUID(t *testing.T) {
	tests := []struct {
		name, reply, want, err string
	}{
		{"ok", `{"return": {"guid": "aabbccdd-eeff-0011-2233-445566778899"}}`, "aabbccdd-eeff-0011-2233-445566778899", ""},
		{"ok with id and newline", `{"return": {"guid": "324e6eaf-d1d1-4bf6-bf41-b9bb6c91fb87"}, "id": "x"}` + "\r\n", "324e6eaf-d1d1-4bf6-bf41-b9bb6c91fb87", ""},
		{"error reply", `{"error": {"class": "GenericError", "desc": "VM Generation ID device not found"}}`, "", "GenericError"},
		{"no guid", `{"return": {}}`, "", `no "guid"`},
		{"bad guid", `{"return": {"guid": "zz"}}`, "", "guid"},
		{"guid not string", `{"return": {"guid": 5}}`, "", "unexpected"},
		{"no return", `{"event": "STOP"}`, "", `neither "return"`},
		{"not json", `QEMU 7.2 monitor`, "", "not a JSON object"},
		{"empty", ``, "", "empty reply"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := decodeGUID([]byte(tc.reply))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("decodeGUID(%q) error = %v, want one containing %q", tc.reply, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeGUID(%q): %v", tc.reply, err)
			}
			if id.GUID() != tc.want {
				t.Errorf("decodeGUID(%q) = %s, want %s", tc.reply, id.GUID(), tc.want)
			}
		})
	}
}

func TestDecodeErrorClass(t *testing.T) {
	err := decodeReturn([]byte(`{"error": {"class": "CommandNotFound", "desc": "The command foo has not been found"}}`), nil)
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Class != "CommandNotFound" || !strings.Contains(ce.Desc, "foo") {
		t.Fatalf("error = %#v, want a CommandError of class CommandNotFound", err)
	}
}

func TestDecodeReplyTooLarge(t *testing.T) {
	big := `{"return": {"guid": "` + strings.Repeat("a", maxReply) + `"}}`
	if _, err := decodeGUID([]byte(big)); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("decodeGUID(huge) error = %v, want the size limit", err)
	}
}

func TestDecodeStatus(t *testing.T) {
	tests := []struct {
		reply string
		want  Status
		err   bool
	}{
		{`{"return": {"status": "running", "singlestep": false, "running": true}}`, Status{true, "running"}, false},
		{`{"return": {"status": "paused", "running": false}}`, Status{false, "paused"}, false},
		{`{"return": {"status": "paused"}}`, Status{}, true},
		{`{"return": {"status": 1, "running": false}}`, Status{}, true},
		{`{"return": []}`, Status{}, true},
	}
	for _, tc := range tests {
		got, err := decodeStatus([]byte(tc.reply))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("decodeStatus(%q) = %+v, %v; want %+v, error %v", tc.reply, got, err, tc.want, tc.err)
		}
	}
}

func TestDecodeMigration(t *testing.T) {
	tests := []struct {
		reply string
		want  MigrationStatus
		err   bool
	}{
		{`{"return": {}}`, MigrationStatus{}, false},
		{`{"return": {"status": "setup"}}`, MigrationStatus{State: "setup"}, false},
		{`{"return": {"status": "active", "total-time": 250, "ram": {"transferred": 1000, "remaining": 3000, "total": 268435456, "duplicate": 5}}}`,
			MigrationStatus{State: "active", Transferred: 1000, Remaining: 3000, Total: 268435456, Elapsed: 250 * time.Millisecond}, false},
		{`{"return": {"status": "failed", "error-desc": "Unable to write to command: Broken pipe"}}`,
			MigrationStatus{State: "failed", Error: "Unable to write to command: Broken pipe"}, false},
		{`{"return": {"status": "completed", "total-time": -5}}`, MigrationStatus{}, true},
		{`{"return": {"status": "active", "ram": {"transferred": -1}}}`, MigrationStatus{}, true},
		{`{"return": {"status": "` + strings.Repeat("x", 100) + `"}}`, MigrationStatus{}, true},
	}
	for _, tc := range tests {
		got, err := decodeMigration([]byte(tc.reply))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("decodeMigration(%q) = %+v, %v; want %+v, error %v", tc.reply, got, err, tc.want, tc.err)
		}
	}
	if !(MigrationStatus{State: "completed"}).Done() || (MigrationStatus{State: "active"}).Done() {
		t.Error("Done() is wrong for completed/active")
	}
}

// FuzzDecodeReply feeds arbitrary bytes to every reply decoder: none may
// panic, and whatever they accept must be consistent.
func FuzzDecodeReply(f *testing.F) {
	for _, s := range []string{
		`{"return": {"guid": "aabbccdd-eeff-0011-2233-445566778899"}}`,
		`{"return": {"status": "running", "singlestep": false, "running": true}}`,
		`{"return": {"status": "active", "total-time": 250, "ram": {"transferred": 1000, "remaining": 3000, "total": 268435456}}}`,
		`{"error": {"class": "GenericError", "desc": "x"}}`,
		`{"return": {}}`,
		`{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if id, err := decodeGUID(raw); err == nil && id.GUID() == "" {
			t.Fatal("accepted guid has no text form")
		}
		if s, err := decodeStatus(raw); err == nil && len(s.State) > 64 {
			t.Fatalf("accepted status of %d bytes", len(s.State))
		}
		if s, err := decodeMigration(raw); err == nil && (len(s.State) > 64 || s.Elapsed < 0 || len(s.Error) > maxText+len("…")) {
			t.Fatalf("accepted migration status %+v", s)
		}
		var anything any
		_ = decodeReturn(raw, &anything)
	})
}

// TestQMPErrorClosed: go-qemu reports a connection that ended before the
// reply as an empty reply that fails to unmarshal; callers recognise it by
// ErrConnectionClosed, not by its text.
func TestQMPErrorClosed(t *testing.T) {
	empty := json.Unmarshal(nil, new(any))
	if err := qmpError(empty); !errors.Is(err, ErrConnectionClosed) {
		t.Errorf("qmpError(%v) = %v, want ErrConnectionClosed", empty, err)
	}
	other := errors.New("GenericError: no such command")
	if err := qmpError(other); errors.Is(err, ErrConnectionClosed) || err != other {
		t.Errorf("qmpError(%v) = %v, want it unchanged", other, err)
	}
}
