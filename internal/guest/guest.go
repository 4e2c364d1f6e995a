// Package guest builds and boots the end-to-end test guest: a Debian kernel
// (downloaded with apt-get, unpacked with dpkg-deb, never installed), an
// initramfs holding static builds of the vmgenid command and of
// cmd/vmgenid-guestinit as /init, and the QEMU command line with a vmgenid
// device. The guest reports on its serial console in the line protocol of
// internal/guest/report; Console picks those lines out.
package guest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/host/qemu"
)

// Image is a bootable test guest.
type Image struct {
	Kernel    string // vmlinuz
	Initramfs string // gzip-compressed newc cpio
}

// PrepareOptions say where Prepare works.
type PrepareOptions struct {
	CacheDir string    // downloaded kernels; CacheDir() when empty
	WorkDir  string    // built binaries and the initramfs (required)
	Progress io.Writer // progress lines; nil discards them
}

// Prepare makes sure QEMU is installed, fetches the kernel (cached), builds
// the guest binaries and writes the initramfs. Errors that mean this machine
// cannot run the guest at all wrap ErrUnavailable.
func Prepare(ctx context.Context, opts PrepareOptions) (*Image, error) {
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	if _, err := qemu.LookPath(""); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	cache := opts.CacheDir
	if cache == "" {
		var err error
		if cache, err = CacheDir(); err != nil {
			return nil, err
		}
	}
	kernel, err := Kernel(ctx, cache, progress)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "guest: kernel %s\n", kernel)
	initrd := filepath.Join(opts.WorkDir, "initramfs.cpio.gz")
	if err := BuildInitramfs(ctx, initrd, progress); err != nil {
		return nil, err
	}
	return &Image{Kernel: kernel, Initramfs: initrd}, nil
}

// BuildInitramfs builds static linux/amd64 binaries of the vmgenid command
// and the guest init from this module's source, and writes the initramfs to
// path.
func BuildInitramfs(ctx context.Context, path string, progress io.Writer) error {
	module, err := moduleDir(ctx)
	if err != nil {
		return err
	}
	bin := filepath.Join(filepath.Dir(path), "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	fmt.Fprintln(progress, "guest: building vmgenid and the guest init (go build, CGO_ENABLED=0, linux/amd64)...")
	start := time.Now()
	builds := map[string]string{"vmgenid": "./cmd/vmgenid", "init": "./cmd/vmgenid-guestinit"}
	for name, pkg := range builds {
		cmd := exec.CommandContext(ctx, goTool(), "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(bin, name), pkg)
		cmd.Dir = module
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	fmt.Fprintf(progress, "guest: built in %v\n", time.Since(start).Round(100*time.Millisecond))
	initBin, err := os.ReadFile(filepath.Join(bin, "init"))
	if err != nil {
		return err
	}
	vmgenidBin, err := os.ReadFile(filepath.Join(bin, "vmgenid"))
	if err != nil {
		return err
	}
	files := []File{
		{Name: "bin", Mode: os.ModeDir | 0o755},
		{Name: "dev", Mode: os.ModeDir | 0o755},
		// The kernel opens /dev/console for init before init can mount
		// devtmpfs; without this node init starts without a console.
		{Name: "dev/console", Mode: os.ModeDevice | os.ModeCharDevice | 0o600, Major: 5, Minor: 1},
		{Name: "proc", Mode: os.ModeDir | 0o755},
		{Name: "sys", Mode: os.ModeDir | 0o755},
		{Name: "run", Mode: os.ModeDir | 0o755},
		{Name: "tmp", Mode: os.ModeDir | 0o1777},
		{Name: "init", Mode: 0o755, Data: initBin},
		{Name: "bin/vmgenid", Mode: 0o755, Data: vmgenidBin},
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteInitramfs(f, files); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// moduleDir finds the root of the vmgenid module from the working directory
// (tests run in their package's directory, "go run" in the module).
func moduleDir(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("the guest is built from the vmgenid source: run from inside the module (go env GOMOD is %q)", gomod)
	}
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	if !bytes.Contains(data, []byte("module github.com/vmgenid/vmgenid\n")) {
		return "", fmt.Errorf("%s is not the vmgenid module's go.mod", gomod)
	}
	return filepath.Dir(gomod), nil
}

// goTool returns the go command: the one on PATH, else the one of the Go
// installation this program was built with.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// KernelCommandLine is what the guest kernel is booted with: console on the
// first serial port, quiet, and no reboot after a panic (QEMU exits).
const KernelCommandLine = "console=ttyS0 panic=-1 quiet"

// QEMUArgs returns the QEMU arguments that boot img with generation ID guid
// (without a -qmp option). TCG, not KVM: nested KVM is unreliable on the
// machines this runs on. -cpu max gives the guest kernel an RNG that is
// ready during boot, so that it logs VM forks.
func QEMUArgs(img *Image, guid genid.ID) []string {
	return []string{
		"-accel", "tcg", "-machine", "q35", "-m", "256", "-smp", "1", "-cpu", "max",
		"-nographic", "-no-reboot", "-nic", "none",
		"-kernel", img.Kernel, "-initrd", img.Initramfs, "-append", KernelCommandLine,
		"-device", "vmgenid,id=vgid0,guid=" + guid.GUID(),
	}
}

// VM is one running test guest.
type VM struct {
	Name    string
	GUID    genid.ID
	Args    []string // QEMU arguments without -qmp (what clones are started with)
	Process *qemu.Process
	Monitor *qemu.Monitor
	Console *Console
	Started time.Time
}

// Boot starts QEMU on img with generation ID guid, its QMP socket in dir,
// its console lines copied to log (prefixed with name) when log is not nil.
// The VM is killed when ctx ends; call Stop when done with it.
func Boot(ctx context.Context, img *Image, guid genid.ID, dir, name string, log io.Writer) (*VM, error) {
	sock := filepath.Join(dir, name+".qmp")
	os.Remove(sock)
	args := QEMUArgs(img, guid)
	console := NewConsole(name, log)
	started := time.Now()
	p, err := qemu.Start(ctx, "", append(args, "-qmp", "unix:"+sock+",server=on,wait=off"), console)
	if err != nil {
		return nil, err
	}
	console.Attach(p.Done())
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, err := qemu.Dial(dctx, sock)
	if err != nil {
		p.Kill()
		return nil, fmt.Errorf("boot %s: %w; QEMU said: %s", name, err, strings.TrimSpace(p.OutputTail()))
	}
	return &VM{Name: name, GUID: guid, Args: args, Process: p, Monitor: m, Console: console, Started: started}, nil
}

// Stop ends the VM (QMP quit, then kill).
func (vm *VM) Stop(ctx context.Context) { vm.Process.Stop(ctx, vm.Monitor) }
