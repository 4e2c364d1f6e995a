package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSysctlStateFIFO: "vmgenid sysctl --state FIFO kern.entropy.epoch"
// fails at once saying the file is not a regular file; it blocked in open.
func TestSysctlStateFIFO(t *testing.T) {
	if kernelHasEpoch {
		t.Skip("on NetBSD kern.entropy.epoch is the kernel's, not the state file's")
	}
	fifo := filepath.Join(t.TempDir(), "state")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	var stdout, stderr bytes.Buffer
	env := &cmdEnv{stdout: &stdout, stderr: &stderr}
	done := make(chan error, 1)
	go func() { done <- runSysctl(env, []string{epochName}, false, fifo) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(stderr.String(), "not a regular file") {
			t.Errorf("sysctl --state FIFO = %v, stderr %q; want a failure saying it is not a regular file", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sysctl --state FIFO blocked")
	}
}
