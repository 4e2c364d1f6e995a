package e2e

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/host/libvirt"
)

// What Debian 12's libvirt 9.0 needs to run QEMU guests without systemd
// (libvirt-daemon-system would set it up; its units need systemd).
var (
	libvirtDirs = []string{"/var/log/libvirt", "/var/lib/libvirt", "/var/cache/libvirt"}
	// The QEMU driver looks its built-in default user up before it reads
	// qemu.conf.
	qemuConf = `# written by the vmgenid libvirt end-to-end test; removed when it ends
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
`
)

const qemuConfPath = "/etc/libvirt/qemu.conf"

// startLibvirt returns a connection to a running libvirt daemon: the one
// already answering on qemu:///system, or one it starts (virtlogd and
// libvirtd, as root, with the setup above) and stops when the test ends.
// It skips the test where libvirt cannot be had, unless CI is set.
func startLibvirt(t *testing.T, ctx context.Context, ci bool) *libvirt.Conn {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if ci {
			t.Fatalf("CI is set but %s", msg)
		}
		t.Skipf("skipping: %s (set CI=true to make this a failure)", msg)
	}
	if c, err := dialLibvirt(ctx, time.Second); err == nil {
		t.Log("libvirt: using the daemon already running")
		return c
	}
	libvirtd, err := findDaemon("libvirtd")
	if err != nil {
		unavailable("libvirt is not installed (Debian: libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-utils; scripts/install-deps installs them): %v", err)
	}
	virtlogd, err := findDaemon("virtlogd")
	if err != nil {
		unavailable("virtlogd is not installed: %v", err)
	}
	if os.Geteuid() != 0 {
		unavailable("starting libvirtd takes root (it is not running)")
	}
	for _, d := range libvirtDirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(qemuConfPath); errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(qemuConfPath, []byte(qemuConf), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(qemuConfPath) })
	}
	ensureSystemUser(t, "libvirt-qemu")

	dir := t.TempDir()
	conf := filepath.Join(dir, "libvirtd.conf")
	if err := os.WriteFile(conf, []byte("auth_unix_rw = \"none\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	// virtlogd may run already (it outlives a libvirtd); a second one exits
	// at once, and only a pid file written by ours names a process to stop.
	logdPid := filepath.Join(dir, "virtlogd.pid")
	daemonize(t, virtlogd, "-d", "-p", logdPid)
	stopAtCleanup(t, "virtlogd", logdPid)
	libvirtdPid := filepath.Join(dir, "libvirtd.pid")
	daemonize(t, libvirtd, "-d", "-f", conf, "-p", libvirtdPid)
	stopAtCleanup(t, "libvirtd", libvirtdPid)
	// libvirtd sometimes takes seconds before it answers.
	c, err := dialLibvirt(ctx, 60*time.Second)
	if err != nil {
		t.Fatalf("libvirtd started but does not answer: %v", err)
	}
	t.Logf("libvirt: started virtlogd and libvirtd; answering after %v", time.Since(started).Round(10*time.Millisecond))
	return c
}

// dialLibvirt connects to qemu:///system, retrying until within passes.
func dialLibvirt(ctx context.Context, within time.Duration) (*libvirt.Conn, error) {
	deadline := time.Now().Add(within)
	for {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := libvirt.Dial(dctx, libvirt.DefaultURI)
		cancel()
		if err == nil || time.Now().After(deadline) {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// findDaemon finds a libvirt daemon: on PATH, or in /usr/sbin (not on a
// normal user's PATH).
func findDaemon(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	p := filepath.Join("/usr/sbin", name)
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// daemonize runs a daemon that forks into the background (-d) and waits for
// the foreground process to exit.
func daemonize(t *testing.T, bin string, args ...string) {
	t.Helper()
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Logf("%s %s: %v: %s", bin, strings.Join(args, " "), err, out)
	}
}

// stopAtCleanup stops the process named in pidFile, if the daemon wrote
// one, when the test ends: SIGTERM, then SIGKILL if it has not gone in 15 s.
func stopAtCleanup(t *testing.T, name, pidFile string) {
	t.Cleanup(func() {
		data, err := os.ReadFile(pidFile)
		if err != nil {
			return // it never ran as ours
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 1 {
			t.Errorf("%s pid file %s: %q", name, pidFile, data)
			return
		}
		syscall.Kill(pid, syscall.SIGTERM)
		for i := 0; i < 150; i++ {
			if syscall.Kill(pid, 0) != nil {
				t.Logf("libvirt: stopped %s (pid %d)", name, pid)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("%s (pid %d) ignored SIGTERM for 15 s: killed", name, pid)
	})
}

// ensureSystemUser creates a system user and group called name if missing.
func ensureSystemUser(t *testing.T, name string) {
	t.Helper()
	if exec.Command("getent", "group", name).Run() != nil {
		if out, err := exec.Command("groupadd", "--system", name).CombinedOutput(); err != nil {
			t.Fatalf("groupadd %s: %v: %s", name, err, out)
		}
	}
	if exec.Command("getent", "passwd", name).Run() != nil {
		out, err := exec.Command("useradd", "--system", "--gid", name, "--no-create-home",
			"--home-dir", "/var/lib/libvirt", "--shell", "/usr/sbin/nologin", name).CombinedOutput()
		if err != nil {
			t.Fatalf("useradd %s: %v: %s", name, err, out)
		}
	}
}
