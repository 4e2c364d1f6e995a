package guest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vmgenid/vmgenid/internal/safefs"
)

// ErrUnavailable is wrapped by errors that mean the test guest cannot be
// built on this machine for want of something outside this project: QEMU,
// Debian's apt tools, or the kernel package (no network, no package lists).
var ErrUnavailable = errors.New("test guest unavailable")

// kernelPackages are the Debian packages tried for the guest kernel, in order:
// 6.12 boots faster; linux-image-amd64 (6.1 on Debian 12) is the fallback.
// Both are meta packages: the kernel is the linux-image-* they depend on.
var kernelPackages = []string{"linux-image-6.12-amd64", "linux-image-amd64"}

// CacheDir returns where downloaded kernels are kept: $VMGENID_CACHE, else
// $XDG_CACHE_HOME/vmgenid, else ~/.cache/vmgenid, else (no home) a folder
// of the caller's own in the temporary directory.
func CacheDir() (string, error) {
	if d := os.Getenv("VMGENID_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil { // no $HOME (some CI runners)
		return privateTempDir(filepath.Join(os.TempDir(), fmt.Sprintf("vmgenid-cache-%d", os.Getuid())))
	}
	return filepath.Join(d, "vmgenid"), nil
}

// privateTempDir creates dir with mode 0700, or accepts it if it exists as
// a real directory of the caller's that nobody else can write to. The
// temporary directory is shared: another user could otherwise plant a
// kernel there for the guest to boot.
func privateTempDir(dir string) (string, error) {
	if _, err := safefs.MakeDir(dir, 0o700); err != nil {
		return "", fmt.Errorf("kernel cache: %w; set VMGENID_CACHE", err)
	}
	return dir, nil
}

// Kernel returns the path of a Debian kernel (vmlinuz) for the test guest,
// downloading it into cacheDir on first use: "apt-get download" of the
// package, "dpkg-deb -x" into a scratch folder, and only vmlinuz kept.
// Nothing is installed. A kernel already in the cache is used as it is.
// Progress goes to progress.
func Kernel(ctx context.Context, cacheDir string, progress io.Writer) (string, error) {
	kernels := filepath.Join(cacheDir, "kernel")
	if path, ok := cachedKernel(kernels); ok {
		return path, nil
	}
	for _, tool := range []string{"apt-get", "apt-cache", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", fmt.Errorf("%w: the guest kernel comes from a Debian package and %s is missing (%v)", ErrUnavailable, tool, err)
		}
	}
	pkg, err := resolveKernelPackage(ctx, progress)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(kernels, 0o755); err != nil {
		return "", err
	}
	scratch, err := os.MkdirTemp(kernels, "download-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(scratch)

	fmt.Fprintf(progress, "guest: downloading Debian package %s (apt-get download, about 100 MB)...\n", pkg)
	dl := exec.CommandContext(ctx, "apt-get", "download", "-q", pkg)
	dl.Dir = scratch
	dl.Stdout = indent(progress)
	var dlErr strings.Builder
	dl.Stderr = &dlErr
	stopWatching := watchDownload(progress)
	err = dl.Run()
	stopWatching()
	if err != nil {
		return "", fmt.Errorf("%w: apt-get download %s: %v: %s", ErrUnavailable, pkg, err, strings.TrimSpace(dlErr.String()))
	}
	debs, _ := filepath.Glob(filepath.Join(scratch, "*.deb"))
	if len(debs) != 1 {
		return "", fmt.Errorf("apt-get download %s left %d .deb files in %s, want 1", pkg, len(debs), scratch)
	}
	fmt.Fprintf(progress, "guest: unpacking %s (dpkg-deb -x)...\n", filepath.Base(debs[0]))
	tree := filepath.Join(scratch, "tree")
	if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", debs[0], tree).CombinedOutput(); err != nil {
		return "", fmt.Errorf("dpkg-deb -x %s: %v: %s", debs[0], err, strings.TrimSpace(string(out)))
	}
	found, _ := filepath.Glob(filepath.Join(tree, "boot", "vmlinuz-*"))
	if len(found) != 1 {
		return "", fmt.Errorf("package %s holds %d boot/vmlinuz-* files, want 1", pkg, len(found))
	}
	version := strings.TrimPrefix(filepath.Base(found[0]), "vmlinuz-")
	dest := filepath.Join(kernels, version)
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return "", err
	}
	// Rename within the cache: a reader never sees a half-written kernel.
	if err := os.Rename(found[0], filepath.Join(dest, "vmlinuz")); err != nil {
		return "", err
	}
	fmt.Fprintf(progress, "guest: kernel %s cached in %s\n", version, dest)
	return filepath.Join(dest, "vmlinuz"), nil
}

// watchDownload says every few seconds that the download still runs
// (apt-get shows no progress bar when its output is not a terminal), until
// the returned function is called.
func watchDownload(progress io.Writer) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		tick := time.NewTicker(3 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				fmt.Fprintf(progress, "  still downloading (%v)...\n", time.Since(start).Round(time.Second))
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// cachedKernel returns the newest kernel in the cache, 6.12 first.
func cachedKernel(dir string) (string, bool) {
	found, _ := filepath.Glob(filepath.Join(dir, "*", "vmlinuz"))
	if len(found) == 0 {
		return "", false
	}
	sort.Slice(found, func(i, j int) bool {
		a, b := strings.Contains(found[i], "/6.12."), strings.Contains(found[j], "/6.12.")
		if a != b {
			return a
		}
		return found[i] > found[j]
	})
	return found[0], true
}

var kernelDep = regexp.MustCompile(`^\s*Depends:\s*(linux-image-[0-9][A-Za-z0-9.+~-]*-amd64)\s*$`)

// resolveKernelPackage finds the real kernel package behind the meta
// packages. Where apt has no package lists yet (a fresh container), it runs
// "apt-get update" once when it can (as root).
func resolveKernelPackage(ctx context.Context, progress io.Writer) (string, error) {
	updated := false
	for {
		for _, meta := range kernelPackages {
			out, err := exec.CommandContext(ctx, "apt-cache", "depends", meta).Output()
			if err != nil {
				continue
			}
			sc := bufio.NewScanner(strings.NewReader(string(out)))
			for sc.Scan() {
				if m := kernelDep.FindStringSubmatch(sc.Text()); m != nil {
					return m[1], nil
				}
			}
		}
		if updated || os.Geteuid() != 0 {
			return "", fmt.Errorf("%w: apt knows none of %s (run apt-get update as root)", ErrUnavailable, strings.Join(kernelPackages, ", "))
		}
		fmt.Fprintln(progress, "guest: apt has no kernel package listed; running apt-get update...")
		if out, err := exec.CommandContext(ctx, "apt-get", "update", "-q").CombinedOutput(); err != nil {
			return "", fmt.Errorf("%w: apt-get update: %v: %s", ErrUnavailable, err, lastLines(string(out), 5))
		}
		updated = true
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// indent returns a writer that prefixes every complete line written
// through it with two spaces, for nested progress output.
func indent(w io.Writer) io.Writer { return &prefixWriter{w: w, prefix: "  "} }

type prefixWriter struct {
	w       io.Writer
	prefix  string
	partial []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.partial = append(p.partial, b...)
	for {
		i := strings.IndexAny(string(p.partial), "\r\n")
		if i < 0 {
			break
		}
		if line := strings.TrimSpace(string(p.partial[:i])); line != "" {
			fmt.Fprintf(p.w, "%s%s\n", p.prefix, line)
		}
		p.partial = p.partial[i+1:]
	}
	return len(b), nil
}
