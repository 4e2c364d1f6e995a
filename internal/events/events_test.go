package events

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/genid"
)

const goodLine = `{"epoch":2,"id":"ddccbbaaffee11002233445566778899","id_known":true,"reason":"poll","time":"2026-11-27T04:30:00.123456789Z"}`

func sampleEvent(epoch uint64) Event {
	return Event{Epoch: epoch, ID: genid.ID{0xdd, 0xcc, 0xbb, 0xaa, 0xff, 0xee, 0x11, 0x00, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99}, IDKnown: true, Reason: "poll",
		Time: time.Date(2026, 11, 27, 4, 30, 0, 123456789, time.UTC)}
}

func sameEvent(a, b Event) bool {
	return a.Epoch == b.Epoch && a.ID == b.ID && a.IDKnown == b.IDKnown && a.Reason == b.Reason && a.Time.Equal(b.Time)
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		wantErr string // "" = success
	}{
		{"valid", goodLine, ""},
		{"with newline", goodLine + "\n", ""},
		{"unknown field ignored", strings.Replace(goodLine, `"reason"`, `"future":[1,2],"reason"`, 1), ""},
		{"unknown ID", `{"epoch":5,"id":"","id_known":false,"reason":"kmsg","time":"2026-11-27T04:30:00Z"}`, ""},
		{"empty", "", "empty line"},
		{"blank", "  \n", "empty line"},
		{"not JSON", "hello", "bad JSON"},
		{"array", "[1]", "bad JSON"},
		{"epoch negative", strings.Replace(goodLine, `"epoch":2`, `"epoch":-2`, 1), "bad JSON"},
		{"epoch too big", strings.Replace(goodLine, `"epoch":2`, `"epoch":18446744073709551616`, 1), "bad JSON"},
		{"epoch missing", strings.Replace(goodLine, `"epoch":2,`, ``, 1), "field epoch is missing"},
		{"id missing", strings.Replace(goodLine, `"id":"ddccbbaaffee11002233445566778899",`, ``, 1), "field id is missing"},
		{"id_known missing", strings.Replace(goodLine, `"id_known":true,`, ``, 1), "field id_known is missing"},
		{"time missing", strings.Replace(goodLine, `,"time":"2026-11-27T04:30:00.123456789Z"`, ``, 1), "field time is missing"},
		{"bad time", strings.Replace(goodLine, `2026-11-27T04`, `yesterday`, 1), "bad JSON"},
		{"epoch 0", strings.Replace(goodLine, `"epoch":2`, `"epoch":0`, 1), "epoch 0x0 is never published"},
		{"epoch all ones", strings.Replace(goodLine, `"epoch":2`, `"epoch":18446744073709551615`, 1), "never published"},
		{"short id", strings.Replace(goodLine, `ddcc`, ``, 1), "field id"},
		{"non-hex id", strings.Replace(goodLine, `ddcc`, `zzcc`, 1), "field id"},
		{"uppercase id", strings.Replace(goodLine, `ddcc`, `DDCC`, 1), "want lowercase"},
		{"id_known without id", `{"epoch":5,"id":"","id_known":true,"time":"2026-11-27T04:30:00Z"}`, "id_known is true"},
		{"id without id_known", strings.Replace(goodLine, `"id_known":true`, `"id_known":false`, 1), "id_known is false"},
		{"too long", `{"epoch":2,"reason":"` + strings.Repeat("x", MaxLine) + `"}`, "more than 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseLine([]byte(tt.line))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseLine: %v", err)
				}
				if err := ev.Validate(); err != nil {
					t.Errorf("accepted an invalid event: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseLine error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	ev, err := ParseLine([]byte(goodLine))
	if err != nil || !sameEvent(ev, sampleEvent(2)) {
		t.Errorf("ParseLine(goodLine) = %+v, %v", ev, err)
	}
}

func TestAppendLine(t *testing.T) {
	line, err := sampleEvent(2).AppendLine(nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(line) != goodLine+"\n" {
		t.Errorf("AppendLine = %s, want %s", line, goodLine)
	}
	if _, err := (Event{Epoch: 0}).AppendLine(nil); err == nil {
		t.Error("AppendLine accepted epoch 0")
	}
	if _, err := (Event{Epoch: 1, Reason: strings.Repeat("r", MaxLine)}).AppendLine(nil); err == nil {
		t.Error("AppendLine accepted a line longer than MaxLine")
	}
}

func listen(t *testing.T) *Server {
	t.Helper()
	s, err := Listen(filepath.Join(t.TempDir(), "run", "events.sock"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dial(t *testing.T, path string) *Client {
	t.Helper()
	c, err := Dial(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitClients waits until the server counts n clients; the bound only
// keeps a broken test from hanging.
func waitClients(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Clients() != n {
		if time.Now().After(deadline) {
			t.Fatalf("server has %d clients, want %d", s.Clients(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBroadcast(t *testing.T) {
	s := listen(t)
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o666 {
		t.Errorf("socket mode %v, want a socket with 0666", fi.Mode())
	}
	clients := []*Client{dial(t, s.Path()), dial(t, s.Path())}
	waitClients(t, s, 2)
	for e := uint64(1); e <= 3; e++ {
		if err := s.Broadcast(sampleEvent(e)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Broadcast(Event{Epoch: 0}); err == nil {
		t.Error("Broadcast accepted an invalid event")
	}
	for i, c := range clients {
		for e := uint64(1); e <= 3; e++ {
			ev, err := c.Next()
			if err != nil || !sameEvent(ev, sampleEvent(e)) {
				t.Fatalf("client %d event %d = %+v, %v", i, e, ev, err)
			}
		}
	}
	s.Close()
	for i, c := range clients {
		if _, err := c.Next(); !errors.Is(err, io.EOF) {
			t.Errorf("client %d after server Close: %v, want io.EOF", i, err)
		}
	}
	if _, err := os.Lstat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket still exists after Close: %v", err)
	}
}

// TestSlowClientDropped: a client that never reads is disconnected, and
// Broadcast never waits for it, while a reading client keeps its stream.
func TestSlowClientDropped(t *testing.T) {
	s := listen(t)
	stuck, err := net.Dial("unix", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	good := dial(t, s.Path())
	waitClients(t, s, 2)
	const limit = 100000
	e := uint64(1)
	for ; s.Clients() == 2; e++ {
		if e > limit {
			t.Fatalf("the client that never reads was not dropped after %d events", limit)
		}
		if err := s.Broadcast(sampleEvent(e)); err != nil {
			t.Fatal(err)
		}
		ev, err := good.Next()
		if err != nil || ev.Epoch != e {
			t.Fatalf("reading client got %+v, %v; want epoch %d", ev, err, e)
		}
	}
	t.Logf("dropped the stuck client after %d events", e-1)
	// The survivor is the reading client.
	if err := s.Broadcast(sampleEvent(e)); err != nil {
		t.Fatal(err)
	}
	if ev, err := good.Next(); err != nil || ev.Epoch != e {
		t.Fatalf("reading client after the drop: %+v, %v", ev, err)
	}
}

// TestTalkingClientDropped: the stream is one-way; a client that writes is
// disconnected.
func TestTalkingClientDropped(t *testing.T) {
	s := listen(t)
	c, err := net.Dial("unix", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitClients(t, s, 1)
	c.Write([]byte("subscribe please\n"))
	waitClients(t, s, 0)
}

func TestMaxClients(t *testing.T) {
	s := listen(t)
	for range MaxClients {
		dial(t, s.Path())
	}
	waitClients(t, s, MaxClients)
	extra := dial(t, s.Path())
	var re *RefusedError
	if _, err := extra.Next(); !errors.As(err, &re) || !strings.Contains(re.Reason, "limit") {
		t.Errorf("client beyond MaxClients: %v, want a refusal saying why", err)
	}
	if n := s.Clients(); n != MaxClients {
		t.Errorf("%d clients, want %d", n, MaxClients)
	}
}

func TestListenExistingPath(t *testing.T) {
	dir := t.TempDir()

	// A socket left by a dead server is replaced.
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	s, err := Listen(stale, Options{})
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	defer s.Close()

	// A live one is not.
	if _, err := Listen(stale, Options{}); err == nil || !strings.Contains(err.Error(), "another server") {
		t.Errorf("Listen over a live socket: %v", err)
	}
	// Nor is anything that is not a socket.
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("keep me"), 0o644)
	if _, err := Listen(file, Options{}); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Listen over a regular file: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep me" {
		t.Error("Listen damaged a regular file")
	}
}

// TestListenDirectory checks the socket's directory: one that others can
// write to is refused (they could swap the socket for a link to a file the
// chmod to 0666 would then open up), also with the sticky bit (they could
// bind the name first); a missing one is created 0755.
func TestListenDirectory(t *testing.T) {
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o755, true},
		{0o777, false},
		{0o775, false},
		{0o777 | os.ModeSticky, false},
		{0o775 | os.ModeSticky, false},
	} {
		dir := filepath.Join(t.TempDir(), "run")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, tc.mode); err != nil {
			t.Fatal(err)
		}
		s, err := Listen(filepath.Join(dir, "events.sock"), Options{})
		if tc.ok != (err == nil) {
			t.Errorf("directory mode %v: Listen error %v, want ok=%v", tc.mode, err, tc.ok)
		}
		if err == nil {
			s.Close()
		} else if !strings.Contains(err.Error(), "writable by other users") {
			t.Errorf("directory mode %v: error %q does not say why", tc.mode, err)
		}
	}
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := Listen(filepath.Join(dir, "events.sock"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("created directory: %v, %v; want mode 0755", fi.Mode(), err)
	}
}

// fakeServer serves raw bytes to one client, to test the client against
// hostile or broken servers.
func fakeServer(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fake.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write(data)
		c.Close()
	}()
	return path
}

func TestClientBadStream(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		events int    // good events before the error
		want   string // error substring; "EOF" = clean io.EOF
	}{
		{"clean end", goodLine + "\n" + goodLine + "\n", 2, "EOF"},
		{"nothing", "", 0, "EOF"},
		{"cut mid-line", goodLine + "\n" + goodLine[:20], 1, "line 2: stream ended after 20 bytes without a newline"},
		{"garbage", goodLine + "\n\x00\x01\x02\n", 1, "line 2: bad JSON"},
		{"too long", strings.Repeat("a", 2*MaxLine) + "\n", 0, "line 1 is longer than 4096 bytes"},
		{"invalid event", `{"epoch":0,"id":"","id_known":false,"time":"2026-11-27T04:30:00Z"}` + "\n", 0, "line 1: epoch 0x0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, fakeServer(t, []byte(tt.data)))
			for i := range tt.events {
				if _, err := c.Next(); err != nil {
					t.Fatalf("event %d: %v", i+1, err)
				}
			}
			_, err := c.Next()
			if tt.want == "EOF" {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("Next = %v, want io.EOF", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Next = %v, want an error containing %q", err, tt.want)
			}
			if _, again := c.Next(); again == nil || again.Error() != err.Error() {
				t.Errorf("second Next = %v, want the same error again", again)
			}
		})
	}
}

func TestDialErrors(t *testing.T) {
	if _, err := Dial(t.Context(), filepath.Join(t.TempDir(), "missing.sock")); err == nil {
		t.Error("Dial of a missing socket succeeded")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s := listen(t)
	if _, err := Dial(ctx, s.Path()); err == nil {
		t.Error("Dial with a cancelled context succeeded")
	}
}

// FuzzParseLine: any line is an event or an error, never a panic, and
// every accepted event survives a round trip.
func FuzzParseLine(f *testing.F) {
	f.Add([]byte(goodLine))
	f.Add([]byte(goodLine + "\n"))
	f.Add([]byte(`{"epoch":5,"id":"","id_known":false,"reason":"kmsg","time":"2026-11-27T04:30:00Z"}`))
	f.Add([]byte(`{"epoch":1e3}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, line []byte) {
		ev, err := ParseLine(line)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if err := ev.Validate(); err != nil {
			t.Fatalf("accepted an invalid event: %v", err)
		}
		out, err := ev.AppendLine(nil)
		if err != nil {
			// Re-encoding may grow a line (escapes), past MaxLine.
			if len(line) > MaxLine/2 {
				return
			}
			t.Fatalf("accepted %q but cannot encode it: %v", line, err)
		}
		back, err := ParseLine(out)
		if err != nil || !sameEvent(ev, back) {
			t.Fatalf("round trip: %+v -> %s -> %+v, %v", ev, out, back, err)
		}
		if bytes.Count(out, []byte("\n")) != 1 {
			t.Fatalf("encoded event is not one line: %q", out)
		}
	})
}
