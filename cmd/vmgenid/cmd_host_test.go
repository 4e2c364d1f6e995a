package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostRunsHostProgram: "vmgenid host ARGS" runs vmgenid-host ARGS found
// on PATH, passes its output through and fails when it fails.
func TestHostRunsHostProgram(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\necho \"args: $*\"\necho oops >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(dir, hostProgram), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	var stdout, stderr bytes.Buffer
	code := run([]string{"host", "id", "--domain", "vm 1"}, &stdout, &stderr)
	if code != 1 || stdout.String() != "args: id --domain vm 1\n" || stderr.String() != "oops\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1, the arguments passed on and its stderr alone", code, stdout.String(), stderr.String())
	}
}

// TestHostWithoutHostProgram: without vmgenid-host the command says how to
// get it.
func TestHostWithoutHostProgram(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var stdout, stderr bytes.Buffer
	if code := run([]string{"host", "id"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "go install github.com/vmgenid/vmgenid/cmd/vmgenid-host") {
		t.Errorf("exit %d, stderr %q; want exit 1 and how to install vmgenid-host", code, stderr.String())
	}
}
