package guest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKernelDependency(t *testing.T) {
	// apt-cache depends output as Debian 12 prints it.
	tests := map[string]string{
		"  Depends: linux-image-6.12.117+deb12-amd64": "linux-image-6.12.117+deb12-amd64",
		"  Depends: linux-image-6.1.0-56-amd64":       "linux-image-6.1.0-56-amd64",
		"  Depends: <linux-image-6.1.0-56-amd64>":     "",
		"  Recommends: firmware-linux-free":           "",
		"  Depends: linux-image-6.1.0-56-amd64; rm":   "",
	}
	for line, want := range tests {
		got := ""
		if m := kernelDep.FindStringSubmatch(line); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", line, got, want)
		}
	}
}

func TestCachedKernel(t *testing.T) {
	dir := t.TempDir()
	if _, ok := cachedKernel(dir); ok {
		t.Fatal("empty cache has a kernel")
	}
	for _, v := range []string{"6.1.0-56-amd64", "6.12.117+deb12-amd64", "download-1/tree"} {
		os.MkdirAll(filepath.Join(dir, v), 0o755)
		os.WriteFile(filepath.Join(dir, v, "vmlinuz"), nil, 0o644)
	}
	got, ok := cachedKernel(dir)
	if !ok || !strings.Contains(got, "6.12.117") {
		t.Errorf("cachedKernel = %q, %v; want the 6.12 kernel", got, ok)
	}
}

func TestCacheDirOverride(t *testing.T) {
	t.Setenv("VMGENID_CACHE", "/somewhere")
	if d, err := CacheDir(); d != "/somewhere" || err != nil {
		t.Errorf("CacheDir() = %q, %v", d, err)
	}
}

func TestPrefixWriter(t *testing.T) {
	var b strings.Builder
	w := indent(&b)
	w.Write([]byte("Get:1 http://x [107 MB]\nFetch"))
	w.Write([]byte("ed 107 MB in 1s\r\n"))
	if got, want := b.String(), "  Get:1 http://x [107 MB]\n  Fetched 107 MB in 1s\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPrivateTempDir(t *testing.T) {
	base := t.TempDir()
	mine := filepath.Join(base, "mine")
	if d, err := privateTempDir(mine); d != mine || err != nil {
		t.Fatalf("privateTempDir(new) = %q, %v", d, err)
	}
	if fi, err := os.Stat(mine); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("new cache dir mode = %v, %v; want 0700", fi.Mode(), err)
	}
	if _, err := privateTempDir(mine); err != nil {
		t.Errorf("privateTempDir(existing own) = %v", err)
	}
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := privateTempDir(open); err == nil {
		t.Error("a world-writable cache dir was accepted")
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(mine, link); err != nil {
		t.Fatal(err)
	}
	if _, err := privateTempDir(link); err == nil {
		t.Error("a symlink was accepted as the cache dir")
	}
}
