package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is the release, set by the build (make: -ldflags "-X
// main.version=$(VERSION)", from the git tag); empty means "ask the module's
// build info".
var version string

// versionString is what "vmgenid --version" prints: the version, then the Go
// toolchain and target that built the binary.
func versionString() string {
	return fmt.Sprintf("vmgenid %s (%s %s/%s)", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// buildVersion is the version set by the build, else the module's version
// (go install ...@v1.2.3), else the VCS revision go build stamped, else
// "(devel)".
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "(devel)"
	}
	return "(devel) " + rev + dirty
}

func printVersion(w io.Writer) { fmt.Fprintln(w, versionString()) }
