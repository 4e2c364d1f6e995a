package detect

import (
	"context"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/internal/source/bsdsrc"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// vmgenEvent is the message FreeBSD's vmgenc(4) sends through
// acpi_UserNotify("VMGenerationCounter", handle, 0) and devctl_notify.
const vmgenEvent = "!system=ACPI subsystem=VMGenerationCounter type=\\_SB_.VGEN notify=0x00\n"

func u32le(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

// devdServer is a stand-in for devd(8): a seqpacket listener that sends
// each client the messages it is given.
type devdServer struct {
	path  string
	ln    *net.UnixListener
	conns chan *net.UnixConn
}

func TestDevdDetector(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "devd.pipe")
	srv := newDevdServer(t, path)
	d, err := NewDevdDetector(path)
	if err != nil {
		t.Fatal(err)
	}
	d.retry = 5 * time.Millisecond
	if d.Name() != "devd" {
		t.Errorf("Name = %q", d.Name())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan Signal, 16)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, func(s Signal) { signals <- s }) }()

	conn := recv(t, srv.conns, "connection from the detector")
	for _, msg := range []string{
		"!system=IFNET subsystem=em0 type=LINK_UP\n",
		"!system=\"broken\n",
		vmgenEvent,
	} {
		if _, err := conn.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case s := <-signals:
		if s.Detector != "devd" || !strings.Contains(s.Reason, `VMGenerationCounter notify on \_SB_.VGEN`) {
			t.Errorf("signal = %+v", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no signal for the VMGenerationCounter event")
	}

	// devd restarts: the detector reconnects and keeps listening.
	conn.Close()
	var conn2 *net.UnixConn
	select {
	case conn2 = <-srv.conns:
	case <-time.After(10 * time.Second):
		t.Fatal("the detector did not reconnect")
	}
	if _, err := conn2.Write([]byte(vmgenEvent)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-signals:
	case <-time.After(10 * time.Second):
		t.Fatal("no signal after reconnecting")
	}
	select {
	case s := <-signals:
		t.Errorf("extra signal %+v", s)
	default:
	}
	if n := d.Malformed(); n != 1 {
		t.Errorf("Malformed = %d; want 1", n)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel = %v; want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestDevdDetectorGivesUp(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "devd.pipe")
	if _, err := NewDevdDetector(path); err == nil || !strings.Contains(err.Error(), "is devd running?") {
		t.Fatalf("NewDevdDetector without devd = %v", err)
	}
	srv := newDevdServer(t, path)
	d, err := NewDevdDetector(path)
	if err != nil {
		t.Fatal(err)
	}
	d.retry, d.maxRetries = time.Millisecond, 3
	done := make(chan error, 1)
	go func() { done <- d.Run(context.Background(), func(Signal) {}) }()
	conn := recv(t, srv.conns, "connection from the detector")
	srv.ln.Close()
	os.Remove(path)
	conn.Close()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "3 reconnections failed") {
			t.Fatalf("Run = %v; want it to give up", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not give up")
	}
}

func TestDevdDetectorClose(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "devd.pipe")
	newDevdServer(t, path)
	d, err := NewDevdDetector(path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(context.Background(), func(Signal) {}) }()
	time.Sleep(10 * time.Millisecond)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after Close = %v; want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after Close")
	}
}

func shortTempDir(t *testing.T) string {
	t.Helper()
	// Socket paths are limited to about 100 bytes; t.TempDir can be longer.
	dir, err := os.MkdirTemp("", "devd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func newDevdServer(t *testing.T, path string) *devdServer {
	t.Helper()
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		t.Skipf("no unixpacket sockets here: %v", err)
	}
	s := &devdServer{path: path, ln: ln, conns: make(chan *net.UnixConn, 4)}
	go func() {
		for {
			c, err := ln.AcceptUnix()
			if err != nil {
				return
			}
			s.conns <- c
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func TestEpochDetector(t *testing.T) {
	m := sysctl.NewMap(map[string][]byte{bsdsrc.NetBSDEpochNode: u32le(7)})
	d, err := NewEpochDetector(m, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	var _ Counter = d
	if d.Name() != "kern.entropy.epoch" {
		t.Errorf("Name = %q", d.Name())
	}
	if c := d.Count(); c != (Count{Kind: KernelReseeds, N: 7}) {
		t.Errorf("initial Count = %+v; want 7 exact kernel reseeds", c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan Signal, 16)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, func(s Signal) { signals <- s }) }()

	m.SetUint32(bsdsrc.NetBSDEpochNode, 9)
	select {
	case s := <-signals:
		if s.Detector != "kern.entropy.epoch" || s.Reason != "kern.entropy.epoch advanced 7 -> 9" {
			t.Errorf("signal = %+v", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no signal after the epoch advanced")
	}
	if c := d.Count(); c.N != 9 {
		t.Errorf("Count after 7 -> 9 = %+v; want 9", c)
	}
	// An unchanged epoch signals nothing, however long we wait.
	for range 20 {
		m.SetUint32(bsdsrc.NetBSDEpochNode, 9)
		time.Sleep(time.Millisecond)
	}
	select {
	case s := <-signals:
		t.Errorf("signal without a change: %+v", s)
	default:
	}
	// The node vanishing stops the detector with an error naming it.
	m.SetErr(bsdsrc.NetBSDEpochNode, syscall.ENOENT)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), bsdsrc.NetBSDEpochNode) {
			t.Fatalf("Run = %v; want an error naming the node", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept going after the node vanished")
	}

	// Cancellation ends Run with nil.
	m.SetUint32(bsdsrc.NetBSDEpochNode, 9)
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { done <- d.Run(ctx2, func(Signal) {}) }()
	cancel2()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
}

func TestNewEpochDetectorErrors(t *testing.T) {
	m := sysctl.NewMap(nil)
	if _, err := NewEpochDetector(m, time.Second); err == nil || !sysctl.IsNotExist(err) {
		t.Errorf("NewEpochDetector without the node: %v; want not-exist", err)
	}
	m.SetUint32(bsdsrc.NetBSDEpochNode, 1)
	if _, err := NewEpochDetector(m, 0); err == nil {
		t.Error("NewEpochDetector with interval 0 succeeded")
	}
	m.SetUint32(bsdsrc.NetBSDEpochNode, 0xffffffff)
	d, err := NewEpochDetector(m, time.Second)
	if err != nil || d.Count().N != 0 {
		t.Errorf("NewEpochDetector before entropy is ready: %+v, %v; want count 0", d, err)
	}
}

func TestBSD(t *testing.T) {
	m := sysctl.NewMap(map[string][]byte{bsdsrc.NetBSDEpochNode: u32le(4)})
	dets, notes := BSD("netbsd", m, time.Second, "")
	if len(dets) != 1 || len(notes) != 0 || dets[0].Name() != bsdsrc.NetBSDEpochNode {
		t.Errorf("netbsd: %v, %v", dets, notes)
	}
	dets, notes = BSD("netbsd", sysctl.NewMap(nil), time.Second, "")
	if len(dets) != 0 || len(notes) != 1 || !strings.Contains(notes[0].Error(), "not watching kern.entropy.epoch") {
		t.Errorf("netbsd without the node: %v, %v", dets, notes)
	}

	path := filepath.Join(shortTempDir(t), "devd.pipe")
	dets, notes = BSD("freebsd", m, time.Second, path)
	if len(dets) != 0 || len(notes) != 1 || !strings.Contains(notes[0].Error(), "not listening to devd") {
		t.Errorf("freebsd without devd: %v, %v", dets, notes)
	}
	newDevdServer(t, path)
	dets, notes = BSD("freebsd", m, time.Second, path)
	if len(dets) != 1 || len(notes) != 0 || dets[0].Name() != "devd" {
		t.Errorf("freebsd: %v, %v", dets, notes)
	}
	for _, d := range dets {
		d.(*DevdDetector).Close()
	}

	if dets, notes := BSD("linux", m, time.Second, path); len(dets)+len(notes) != 0 {
		t.Errorf("linux: %v, %v", dets, notes)
	}
}
