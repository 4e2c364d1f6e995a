package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestVersionFlag(t *testing.T) {
	for _, v := range []string{"", "1.2.3"} {
		version = v
		var out, errb bytes.Buffer
		if code := run([]string{"--version"}, &out, &errb); code != 0 {
			t.Fatalf("--version exited %d: %s", code, errb.String())
		}
		got := out.String()
		if !strings.HasPrefix(got, "vmgenid ") || !strings.Contains(got, runtime.Version()) || !strings.HasSuffix(got, "\n") {
			t.Errorf("--version = %q, want the version and %s", got, runtime.Version())
		}
		if v != "" && !strings.HasPrefix(got, "vmgenid "+v+" (") {
			t.Errorf("--version with the build's version %s = %q", v, got)
		}
	}
	version = ""
}
