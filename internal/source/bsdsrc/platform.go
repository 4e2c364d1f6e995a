package bsdsrc

import (
	"errors"
	"fmt"
	"os"

	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// Platform is the source.Platform for goos's kernel (Platforms returns it on
// NetBSD and FreeBSD). In order:
//   - the kernel's own driver, when it shows a device (ForOS);
//   - else, if physical memory (opts.Mem) cannot be opened, no source, and
//     the looked-at text explains both problems (CheckFallback);
//   - else, if opts.ACPITables is a directory, no source of its own:
//     source.Detect uses those tables over opts.Mem;
//   - else the ACPI tables read out of physical memory (NewMemTables).
func Platform(goos string, r sysctl.Reader, opts source.Options) (source.Source, string, bool) {
	src, err := ForOS(goos, r)
	if err == nil {
		return src, "", true
	}
	var nde *NoDriverError
	if !errors.As(err, &nde) {
		return nil, fmt.Sprintf("%s kernel driver: %v", goos, err), false
	}
	if ferr := CheckFallback(err, opts.Mem); ferr != nil {
		return nil, ferr.Error(), false
	}
	if st, serr := os.Stat(opts.ACPITables); serr == nil && st.IsDir() {
		return nil, fmt.Sprintf("%v; using the ACPI tables in %s", nde, opts.ACPITables), false
	}
	ms, err := NewMemTables(goos, r, opts.Mem)
	if err != nil {
		return nil, fmt.Sprintf("%v; the ACPI tables could not be read through %s either: %v", nde, opts.Mem, err), false
	}
	return ms, "", true
}
