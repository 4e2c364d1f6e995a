package guest

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestConsoleNext(t *testing.T) {
	var log strings.Builder
	c := NewConsole("vm", &log)
	// QEMU's writes split lines anywhere; firmware output has escapes.
	for _, chunk := range []string{"\x1b[2JSeaBIOS\r\n[    1.0] random: crng init done\r\nE2E bo", "ot kernel=6.12 uptime_ms=4000\r\n",
		"E2E epoch epoch=2 prev=1\r\nE2E epoch epoch=3 prev=2\r\n", "[ 2.0] noise E2E epoch epoch=4 prev=3\r\n", "E2E epoch x=\"bad\r\n"} {
		c.Write([]byte(chunk))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r, err := c.Next(ctx, "boot")
	if err != nil || r.Fields["kernel"] != "6.12" {
		t.Fatalf("Next(boot) = %+v, %v", r, err)
	}
	for _, want := range []string{"2", "3", "4"} {
		r, err := c.Next(ctx, "epoch")
		if err != nil || r.Fields["epoch"] != want {
			t.Fatalf("Next(epoch) = %+v, %v; want epoch %s", r, err, want)
		}
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := c.Next(short, "epoch"); err == nil || !strings.Contains(err.Error(), "malformed report") {
		t.Errorf("Next after the last epoch = %v; want a timeout listing the malformed line", err)
	}
	if strings.Contains(log.String(), "\x1b") || !strings.Contains(log.String(), "[vm] SeaBIOS") {
		t.Errorf("log not cleaned: %q", log.String())
	}

	c.Write([]byte("E2E fatal msg=\"no daemon\"\n"))
	if _, err := c.Next(ctx, "change"); err == nil || !strings.Contains(err.Error(), "no daemon") {
		t.Errorf("Next after fatal = %v; want the guest's message", err)
	}
}
