package metrics

import (
	"errors"
	"testing"
)

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0", "localhost:0"} {
		l, err := Listen(addr, false)
		if err != nil {
			// A host without IPv6 cannot bind ::1; that is not a refusal.
			if errors.Is(err, ErrRemote) {
				t.Errorf("Listen(%s) refused a loopback address: %v", addr, err)
			}
			continue
		}
		l.Close()
	}
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "10.0.0.1:0", "example.com:0"} {
		if _, err := Listen(addr, false); !errors.Is(err, ErrRemote) {
			t.Errorf("Listen(%s) = %v, want ErrRemote", addr, err)
		}
	}
	if _, err := Listen("127.0.0.1", false); err == nil || errors.Is(err, ErrRemote) {
		t.Errorf("Listen without a port = %v, want a parse error", err)
	}
	l, err := Listen("0.0.0.0:0", true)
	if err != nil {
		t.Fatalf("Listen(0.0.0.0:0, allowRemote) = %v", err)
	}
	l.Close()
}
