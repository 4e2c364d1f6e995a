package detect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseKmsgRecord(t *testing.T) {
	tests := []struct {
		in      string
		want    KmsgRecord
		wantErr string
	}{
		{in: "5,338,1199622,-;random: crng reseeded due to virtual machine fork\n",
			want: KmsgRecord{Facility: 0, Level: 5, Seq: 338, Usec: 1199622, Flag: '-', Message: forkNotice}},
		{in: "6,339,1210640,-;tokio-rt-worker (70): drop_caches: 3",
			want: KmsgRecord{Level: 6, Seq: 339, Usec: 1210640, Flag: '-', Message: "tokio-rt-worker (70): drop_caches: 3"}},
		// Continuation lines and extra header fields (CONFIG_PRINTK_CALLER).
		{in: "14,7,42,c,caller=T1;virtio: hello\n SUBSYSTEM=virtio\n DEVICE=+virtio:virtio1\n",
			want: KmsgRecord{Facility: 1, Level: 6, Seq: 7, Usec: 42, Flag: 'c', Message: "virtio: hello"}},
		{in: "0,0,0,+;", want: KmsgRecord{Flag: '+'}},
		{in: "5,1,2;msg", wantErr: "want at least 4"},
		{in: "5,1,2,-", wantErr: "no ';'"},
		{in: ",1,2,-;x", wantErr: "prio is empty"},
		{in: "5,x,2,-;x", wantErr: "offset 2: seq: byte 'x'"},
		{in: "5,1,99999999999999999999,-;x", wantErr: "usec overflows"},
		{in: "5,1,2,--;x", wantErr: "flags"},
		{in: "999999,1,2,-;x", wantErr: "prio 999999 out of range"},
		{in: strings.Repeat("1", 300) + ";x", wantErr: "header is 300 bytes"},
		{in: "", wantErr: "no ';'"},
	}
	for _, tt := range tests {
		got, err := ParseKmsgRecord([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseKmsgRecord(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			var re *KmsgRecordError
			if err != nil && !errors.As(err, &re) {
				t.Errorf("ParseKmsgRecord(%q) error %T is not a *KmsgRecordError", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseKmsgRecord(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestIsForkNotice(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"5,338,1199622,-;random: crng reseeded due to virtual machine fork", true},
		// Written by user space to /dev/kmsg: facility 1 (user), not the kernel.
		{"13,339,1199622,-;random: crng reseeded due to virtual machine fork", false},
		{"5,338,1199622,-;random: crng reseeded on system resumption", false},
		{"5,338,1199622,-;xrandom: crng reseeded due to virtual machine fork", false},
	}
	for _, tt := range tests {
		r, err := ParseKmsgRecord([]byte(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		if got := IsForkNotice(r); got != tt.want {
			t.Errorf("IsForkNotice(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// pipeKmsg returns a path that opens a new descriptor on the read end of
// a pipe (Linux's /proc/self/fd), and the write end.
func pipeKmsg(t *testing.T) (string, *os.File) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the kmsg detector exists only on Linux")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return fmt.Sprintf("/proc/self/fd/%d", r.Fd()), w
}

func rec(seq int, usec int, msg string) string {
	return fmt.Sprintf("%d,%d,%d,-;%s\n", 5, seq, usec, msg)
}

func TestKmsgCountsBacklogAndFollows(t *testing.T) {
	path, w := pipeKmsg(t)
	// The backlog: boot messages with one fork notice, a continuation
	// line and a malformed line; written in odd-sized pieces, as a pipe
	// may deliver them.
	backlog := rec(0, 0, "Linux version 6.18") + " SUBSYSTEM=x\n" + rec(1, 1199622, forkNotice) +
		"garbage line\n" + rec(2, 1210640, "after")
	for i := 0; i < len(backlog); i += 7 {
		if _, err := w.WriteString(backlog[i:min(i+7, len(backlog))]); err != nil {
			t.Fatal(err)
		}
	}
	k, err := OpenKmsg(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.Count(); got != (Count{Kind: KernelForks, N: 1}) {
		t.Fatalf("backlog Count = %+v, want 1 fork, none lost", got)
	}
	if got := k.Malformed(); got != 1 {
		t.Errorf("Malformed = %d, want 1", got)
	}
	if got := k.LastFork(); got != 1199622*time.Microsecond {
		t.Errorf("LastFork = %v", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan Signal, 10)
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx, func(s Signal) { sigs <- s }) }()

	// A new fork notice, split across writes.
	line := rec(3, 5000000, forkNotice)
	w.WriteString(line[:10])
	time.Sleep(10 * time.Millisecond)
	w.WriteString(line[10:])
	s := recv(t, sigs, "signal for the fork notice")
	if s.Detector != "kmsg" || s.KernelTime != 5*time.Second || !strings.Contains(s.Reason, "5.000000s") {
		t.Errorf("signal = %+v", s)
	}
	if got := k.Count(); got != (Count{Kind: KernelForks, N: 2}) {
		t.Errorf("Count = %+v, want 2 forks", got)
	}
	// Records lost (sequence jumps 4 -> 9): a signal and a Lost count.
	w.WriteString(rec(4, 6000000, "x") + rec(9, 7000000, "y"))
	s = recv(t, sigs, "signal for the lost records")
	if !strings.Contains(s.Reason, "lost") {
		t.Errorf("signal after a gap = %+v, want a lost-records signal", s)
	}
	if got := k.Count(); got != (Count{Kind: KernelForks, N: 2, Lost: 1}) || got.Exact() {
		t.Errorf("Count = %+v, want 2 forks, 1 loss", got)
	}
	// Forged notice (user facility): nothing. The kernel's next notice
	// shows that the forged one has been read: its signal comes next.
	w.WriteString("13,10,8000000,-;" + forkNotice + "\n")
	w.WriteString(rec(11, 9000000, forkNotice))
	if s = recv(t, sigs, "signal for the notice after the forged one"); s.KernelTime != 9*time.Second {
		t.Errorf("signal after a forged notice = %+v, want the kernel's notice at 9s", s)
	}
	if got := k.Count(); got.N != 3 {
		t.Errorf("Count = %+v, want 3 forks (the forged one not counted)", got)
	}
	cancel()
	if err := recv(t, done, "return from Run after cancel"); err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	select {
	case s := <-sigs:
		t.Errorf("unexpected signal %+v", s)
	default:
	}
}

// recv receives from ch, failing the test (rather than hanging it) when
// nothing comes within 10 s.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10 s", what)
	}
	panic("unreachable")
}

func TestKmsgLostAtStart(t *testing.T) {
	path, w := pipeKmsg(t)
	w.WriteString(rec(500, 1, "oldest record still in the ring") + rec(501, 2, forkNotice))
	k, err := OpenKmsg(path)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if got := k.Count(); got != (Count{Kind: KernelForks, N: 1, Lost: 1}) {
		t.Errorf("Count = %+v, want 1 fork and a loss (the ring wrapped)", got)
	}
}

func TestKmsgStreamEnds(t *testing.T) {
	path, w := pipeKmsg(t)
	w.WriteString(rec(0, 1, "x"))
	k, err := OpenKmsg(path)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	err = k.Run(context.Background(), func(Signal) {})
	if err == nil || !strings.Contains(err.Error(), "ended") {
		t.Errorf("Run on a closed stream = %v, want an 'ended' error", err)
	}
}

func TestKmsgOverlongLine(t *testing.T) {
	k := &Kmsg{}
	k.feed([]byte(strings.Repeat("a", maxKmsgLine+10)), nil)
	k.feed([]byte("bbb\n"+rec(0, 1, forkNotice)), nil)
	if got := k.Count(); got.N != 1 {
		t.Errorf("Count after an over-long line = %+v, want 1 fork", got)
	}
	if k.Malformed() != 1 {
		t.Errorf("Malformed = %d, want 1", k.Malformed())
	}
}

// On a real Linux kernel log every record must parse.
func TestKmsgRealLog(t *testing.T) {
	const needs = "this test needs a readable Linux kernel log at " + DefaultKmsgPath + " (Linux; root or CAP_SYSLOG where kernel.dmesg_restrict is 1)"
	if _, err := os.Stat(DefaultKmsgPath); err != nil {
		t.Skipf("%s: %v", needs, err)
	}
	k, err := OpenKmsg(DefaultKmsgPath)
	if errors.Is(err, os.ErrPermission) || errors.Is(err, ErrUnsupported) {
		t.Skipf("%s: %v", needs, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if m := k.Malformed(); m != 0 {
		t.Errorf("%d records of the real kernel log failed to parse", m)
	}
	t.Logf("fork notices since boot: %+v", k.Count())
}

func FuzzParseKmsgRecord(f *testing.F) {
	f.Add([]byte("5,338,1199622,-;random: crng reseeded due to virtual machine fork\n"))
	f.Add([]byte("14,7,42,c,caller=T1;virtio: hello\n SUBSYSTEM=virtio\n"))
	f.Add([]byte("5,1,2,-"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseKmsgRecord(b)
		if err != nil {
			return
		}
		if r.Flag != '-' && r.Flag != 'c' && r.Flag != '+' {
			t.Errorf("accepted flag %q", r.Flag)
		}
		if strings.Contains(r.Message, "\n") {
			t.Errorf("message holds a newline: %q", r.Message)
		}
		// The stream handling must not panic on the same bytes either.
		k := &Kmsg{}
		k.feed(b, func(Signal) {})
	})
}

// TestKmsgNotALog: a path that gives bytes but no
// kernel log record (--kmsg /dev/zero) fails with a clear error instead
// of being read forever at full speed.
func TestKmsgNotALog(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("needs /dev/zero")
	}
	_, err := OpenKmsg("/dev/zero")
	if errors.Is(err, ErrUnsupported) {
		t.Skip("no kernel log reader on this system")
	}
	if err == nil || !strings.Contains(err.Error(), "without one kernel log record") {
		t.Fatalf("OpenKmsg(/dev/zero) = %v, want an error saying it is not the kernel log", err)
	}
}
