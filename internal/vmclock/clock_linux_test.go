package vmclock

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeDevice stands in for a notifying /dev/vmclock0: the read end of a
// pipe is the device's file descriptor (readable = "the page changed"),
// and acknowledging a notification drains it, as read() on the real device
// re-arms poll().
type fakeDevice struct {
	r, w int
	acks int
}

func newFakeDevice(t *testing.T) *fakeDevice {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	d := &fakeDevice{r: p[0], w: p[1]}
	t.Cleanup(func() { unix.Close(d.r); d.hangUp() })
	return d
}

func (d *fakeDevice) notify(t *testing.T) {
	if _, err := unix.Write(d.w, []byte{1}); err != nil {
		t.Fatal(err)
	}
}

// hangUp closes the write end: poll() then reports POLLHUP, as the driver
// does when the hypervisor announces no notifications.
func (d *fakeDevice) hangUp() {
	if d.w >= 0 {
		unix.Close(d.w)
		d.w = -1
	}
}

func (d *fakeDevice) ack() error {
	d.acks++
	var b [64]byte
	for {
		n, err := unix.Read(d.r, b[:])
		if n <= 0 || errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// eventClock opens the page file pf as a Clock that waits on dev.
func eventClock(t *testing.T, pf *pageFile, dev *fakeDevice) *Clock {
	t.Helper()
	c, err := Open(pf.path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := newPollNotifier("fake", dev.r, dev.ack)
	if err != nil {
		t.Fatal(err)
	}
	c.notifier = n
	return c
}

func TestPollNotifierWait(t *testing.T) {
	dev := newFakeDevice(t)
	c := eventClock(t, newPageFile(t, testPage()), dev)
	defer c.Close()
	ctx := context.Background()

	if got, err := c.Wait(ctx, 10*time.Millisecond); got || err != nil {
		t.Errorf("Wait with no notification = %v, %v; want a timeout", got, err)
	}
	dev.notify(t)
	if got, err := c.Wait(ctx, time.Hour); !got || err != nil {
		t.Errorf("Wait after a notification = %v, %v; want true", got, err)
	}
	if dev.acks != 1 {
		t.Errorf("%d acknowledgements, want 1", dev.acks)
	}
	// The acknowledgement re-armed the wait: it blocks again.
	if got, err := c.Wait(ctx, 10*time.Millisecond); got || err != nil {
		t.Errorf("Wait after the acknowledgement = %v, %v; want a timeout", got, err)
	}

	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	if _, err := c.Wait(cctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait after cancel = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v to wake poll()", d)
	}
	// The stale wake-up byte of the cancelled context must not end the next
	// wait early.
	if got, err := c.Wait(ctx, 10*time.Millisecond); got || err != nil {
		t.Errorf("Wait after a cancelled wait = %v, %v; want a timeout", got, err)
	}
	if !c.EventDriven() {
		t.Error("clock stopped being event-driven")
	}
}

func TestPollNotifierHangUpFallsBackToTimer(t *testing.T) {
	dev := newFakeDevice(t)
	c := eventClock(t, newPageFile(t, testPage()), dev)
	defer c.Close()
	dev.hangUp()
	start := time.Now()
	if got, err := c.Wait(context.Background(), 30*time.Millisecond); got || err != nil {
		t.Errorf("Wait on a device that hung up = %v, %v; want a timer wait", got, err)
	}
	if c.EventDriven() {
		t.Error("clock still event-driven after POLLHUP")
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("Wait returned after %v, before its timeout: no timer fallback", d)
	}
}

func TestPollNotifierThatNeverBlocksFallsBack(t *testing.T) {
	dev := newFakeDevice(t)
	c := eventClock(t, newPageFile(t, testPage()), dev)
	defer c.Close()
	// A driver without poll support reports the file readable forever; the
	// acknowledgement does not change that.
	n := c.notifier.(*pollNotifier)
	n.ack = func() error { return nil }
	dev.notify(t)
	for i := 0; i < maxSpins+2 && c.EventDriven(); i++ {
		if _, err := c.Wait(context.Background(), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if c.EventDriven() {
		t.Errorf("still event-driven after %d immediate wake-ups", maxSpins+2)
	}
}

func TestDetectorEventDriven(t *testing.T) {
	pf := newPageFile(t, testPage())
	dev := newFakeDevice(t)
	// An hour-long interval: only a notification can make the detector look.
	d := &Detector{Interval: time.Hour}
	d.openClock = func() (*Clock, error) { return eventClock(t, pf, dev), nil }
	reasons, stop := runDetector(t, d)

	pf.update(4, 8)
	expectNone(t, reasons, 30*time.Millisecond)
	dev.notify(t)
	expectReason(t, reasons, "vmclock generation counter 3 → 4")

	// A notification for a clock update only (seq_count moved, counter
	// did not) reports nothing.
	pf.update(4, 8)
	dev.notify(t)
	expectNone(t, reasons, 30*time.Millisecond)

	if err := stop(); err != nil {
		t.Errorf("Run = %v, want nil (a clean stop)", err)
	}
}

func TestFindDevicesLinux(t *testing.T) {
	devs, err := FindDevices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		c, err := Open(d)
		if err != nil {
			t.Logf("%s: %v", d, err) // e.g. no permission: not a failure here
			continue
		}
		p, err := c.Read()
		c.Close()
		if err != nil {
			t.Errorf("%s: %v", d, err)
		}
		t.Logf("%s: %+v", d, p)
	}
}
