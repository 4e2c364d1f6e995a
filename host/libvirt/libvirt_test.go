package libvirt

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestDialUnreachable: a daemon that is not there is an *UnreachableError
// naming the socket that was dialled.
func TestDialUnreachable(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "no-libvirt-sock")
	_, err := Dial(context.Background(), "qemu:///system?socket="+sock)
	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) || unreachable.Socket != sock || !strings.Contains(err.Error(), sock) {
		t.Fatalf("err = %v, want an *UnreachableError naming %s", err, sock)
	}
}

func TestDialBadURI(t *testing.T) {
	if _, err := Dial(context.Background(), "no scheme"); err == nil || !strings.Contains(err.Error(), DefaultURI) {
		t.Errorf("err = %v, want one showing a good URI", err)
	}
}

func TestSocketOf(t *testing.T) {
	for uri, want := range map[string]string{
		"qemu:///system":                     defaultSocket,
		"qemu+unix:///system?socket=/r/sock": "/r/sock",
		"qemu+ssh://host/system":             "",
		"qemu+tcp://host/system":             "",
		"qemu://host/system":                 "",
	} {
		u, err := parseURI(uri)
		if err != nil {
			t.Fatal(err)
		}
		if got := socketOf(u); got != want {
			t.Errorf("socketOf(%s) = %q, want %q", uri, got, want)
		}
	}
}
