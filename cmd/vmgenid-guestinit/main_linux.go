// Command vmgenid-guestinit is the /init of the end-to-end test guest (see
// internal/guest). It mounts the kernel file systems, checks the VM
// generation ID with the vmgenid command, starts the vmgenid daemon, and then
// waits for the entropy epoch to move: each time it does (the VM was
// restored as a clone), it draws numbers from clonesafe and from a plain
// ChaCha8 generator seeded at boot, and reports everything on the serial
// console as protocol lines (internal/guest/report) for the host to check.
//
// The host saves the VM while this program sits in its wait loop, so every
// clone resumes inside that loop with the same memory: the same plain
// generator state (the control) and the same last-seen epoch.
package main

import (
	"bufio"
	"bytes"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vmgenid/vmgenid"
	"github.com/vmgenid/vmgenid/clonesafe"
	"github.com/vmgenid/vmgenid/internal/guest/report"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/state"
)

const (
	vmgenidBin = "/bin/vmgenid"
	statePath  = vmgenid.DefaultStatePath
	socketPath = vmgenid.DefaultSocketPath
	// daemonPoll is the daemon's ID polling interval; the kernel-log and
	// GPE detectors usually fire first.
	daemonPoll = "100ms"
	// epochPoll is how often this program loads the epoch while waiting.
	epochPoll = time.Millisecond
	// settle is how long after a change the epoch is read again.
	settle = 300 * time.Millisecond
	// draws is how many numbers each generator gives after a change.
	draws = 4
)

func main() {
	if err := setup(); err != nil {
		fatal(err)
	}
	fatal(run())
}

// emit prints one protocol line on the console.
func emit(event string, kv ...string) {
	os.Stdout.WriteString(report.Format(event, kv...) + "\n")
}

// fatal reports err and powers the VM off; PID 1 must never return.
func fatal(err error) {
	if err == nil {
		err = errors.New("guest init stopped")
	}
	emit("fatal", "msg", err.Error())
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {}
}

// setup mounts what the kernel does not mount for an initramfs /init and
// points the standard streams at the console.
func setup() error {
	mounts := []struct{ source, target, fstype, data string }{
		{"proc", "/proc", "proc", ""},
		{"sysfs", "/sys", "sysfs", ""},
		{"devtmpfs", "/dev", "devtmpfs", ""},
		{"tmpfs", "/run", "tmpfs", "mode=0755"},
		{"tmpfs", "/tmp", "tmpfs", ""},
	}
	for _, m := range mounts {
		if err := os.MkdirAll(m.target, 0o755); err != nil {
			return err
		}
		if err := unix.Mount(m.source, m.target, m.fstype, 0, m.data); err != nil && !errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("mount %s on %s: %w", m.fstype, m.target, err)
		}
	}
	console, err := os.OpenFile("/dev/console", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	for fd := 0; fd <= 2; fd++ {
		if err := unix.Dup3(int(console.Fd()), fd, 0); err != nil {
			return fmt.Errorf("console on fd %d: %w", fd, err)
		}
	}
	return nil
}

func run() error {
	var uts unix.Utsname
	unix.Uname(&uts)
	emit("boot", "kernel", unix.ByteSliceToString(uts.Release[:]), "uptime_ms", strconv.FormatInt(uptime().Milliseconds(), 10))

	// What the vmgenid command sees, before the daemon runs.
	uuid, err := vmgenidOutput("id", "--uuid")
	if err != nil {
		return err
	}
	sysctl, err := vmgenidOutput("sysctl")
	if err != nil {
		return err
	}
	fmt.Println(sysctl)
	paddr, ok := sysctlValue(sysctl, "hw.acpivmgenid0.paddr")
	if !ok {
		return fmt.Errorf("vmgenid sysctl printed no hw.acpivmgenid0.paddr:\n%s", sysctl)
	}
	vgia, err := qemuVGIA(source.DefaultACPITables)
	if err != nil {
		return err
	}
	emit("id", "uuid", uuid, "paddr", paddr, "acpi_vgia", "0x"+strconv.FormatUint(uint64(vgia), 16))

	// The daemon, and its first published epoch.
	daemon := exec.Command(vmgenidBin, "daemon", "--state", statePath, "--socket", socketPath, "--poll", daemonPoll)
	daemon.Stdout, daemon.Stderr = os.Stdout, os.Stderr
	if err := daemon.Start(); err != nil {
		return fmt.Errorf("start vmgenid daemon: %w", err)
	}
	daemonDone := make(chan error, 1)
	go func() { daemonDone <- daemon.Wait() }()
	start := time.Now()
	epoch := vmgenid.Epoch()
	for epoch == 0 {
		select {
		case err := <-daemonDone:
			return fmt.Errorf("vmgenid daemon exited before publishing: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Since(start) > 60*time.Second {
			return errors.New("vmgenid daemon published no epoch within 60 s")
		}
		epoch = vmgenid.Epoch()
	}
	st, err := daemonState()
	if err != nil {
		return err
	}
	emit("daemon", "epoch", strconv.FormatUint(epoch, 10), "id", st.ID.GUID(), "id_known", strconv.FormatBool(st.IDKnown),
		"id_withheld", strconv.FormatBool(st.IDWithheld), "paddr", strconv.FormatUint(st.PAddr, 10), "start_ms", strconv.FormatInt(time.Since(start).Milliseconds(), 10))

	// The control: a plain generator seeded once, as most programs do.
	var seed [32]byte
	crand.Read(seed[:])
	control := rand.NewChaCha8(seed)
	clonesafe.Uint64() // seed clonesafe under the current epoch

	emit("ready", "epoch", strconv.FormatUint(epoch, 10), "protected", strconv.FormatBool(clonesafe.Protected()))

	// Wait for the epoch to move. The host saves the VM in this loop.
	for {
		select {
		case err := <-daemonDone:
			return fmt.Errorf("vmgenid daemon exited: %v", err)
		case <-time.After(epochPoll):
		}
		now := vmgenid.Epoch()
		if now == epoch {
			continue
		}
		observed := monotonic()
		emit("epoch", "epoch", strconv.FormatUint(now, 10), "prev", strconv.FormatUint(epoch, 10))
		reportChange(now, epoch, observed, control)
		epoch = now
	}
}

// daemonState is the daemon's published state with the ID it knows. By
// default the public state file withholds the ID (as NetBSD keeps
// hw.acpivmgenidN.id root's); this init runs as root, so it takes the ID from
// the root-only ID file beside the state, as a root program would.
func daemonState() (vmgenid.State, error) {
	st, err := vmgenid.Current()
	if err != nil || !st.IDWithheld {
		return st, err
	}
	f, err := vmgenid.Open(state.IDPath(statePath))
	if err != nil {
		return st, fmt.Errorf("the public state withholds the ID: %w", err)
	}
	defer f.Close()
	return f.Current()
}

// reportChange draws from both generators and reports the change: the new
// state, what vmgenid id says now, and the delays measured in the guest.
func reportChange(epoch, prev uint64, observed time.Duration, control *rand.ChaCha8) {
	safe := make([]uint64, draws)
	plain := make([]uint64, draws)
	for i := range draws {
		safe[i] = clonesafe.Uint64()
		plain[i] = control.Uint64()
	}
	kv := []string{
		"epoch", strconv.FormatUint(epoch, 10),
		"prev", strconv.FormatUint(prev, 10),
		"clonesafe", report.FormatUints(safe),
		"control", report.FormatUints(plain),
	}
	st, err := daemonState()
	if err != nil {
		kv = append(kv, "state_error", err.Error())
	} else {
		kv = append(kv, "id", st.ID.GUID(), "id_known", strconv.FormatBool(st.IDKnown), "id_withheld", strconv.FormatBool(st.IDWithheld),
			"changes", strconv.FormatUint(st.Changes, 10))
	}
	if uuid, err := vmgenidOutput("id", "--uuid"); err != nil {
		kv = append(kv, "uuid_error", err.Error())
	} else {
		kv = append(kv, "uuid", uuid)
	}
	timing, err := measure(st.LastChange, observed)
	if err != nil {
		kv = append(kv, "timing_error", err.Error())
	}
	kv = append(kv, timing...)
	// One change must advance the epoch once, whichever of the daemon's
	// detectors fire: look again after several of its poll intervals.
	time.Sleep(settle)
	kv = append(kv, "settled_epoch", strconv.FormatUint(vmgenid.Epoch(), 10))
	emit("change", kv...)
}

// measure places the kernel's VM-fork line, the daemon's publication and
// this program's observation on one clock and returns the delays as
// key/value pairs in microseconds. Kernel-log timestamps come from the
// kernel's local clock, which need not equal CLOCK_MONOTONIC; a mark written
// to /dev/kmsg ties the two together.
func measure(published time.Time, observed time.Duration) ([]string, error) {
	mark := fmt.Sprintf("vmgenid-guestinit: clock mark %d", rand.Uint64())
	before := monotonic()
	if err := writeKmsg(mark); err != nil {
		return nil, err
	}
	after := monotonic()
	fork, markAt, err := scanKmsg("virtual machine fork", mark)
	if err != nil {
		return nil, err
	}
	if markAt < 0 {
		return nil, errors.New("clock mark not found in /dev/kmsg")
	}
	offset := (before+after)/2 - markAt // monotonic = kernel-log clock + offset
	var kv []string
	if !published.IsZero() {
		publishedMono := published.Sub(time.Now()) + monotonic() // wall clock → monotonic
		kv = append(kv, "publish_to_observe_us", micros(observed-publishedMono))
		if fork >= 0 {
			kv = append(kv, "fork_to_publish_us", micros(publishedMono-(fork+offset)))
		}
	}
	if fork < 0 {
		return append(kv, "fork_line", "false"), nil
	}
	kv = append(kv, "fork_line", "true", "fork_to_observe_us", micros(observed-(fork+offset)),
		"clock_mark_error_us", micros(after-before))
	return kv, nil
}

func micros(d time.Duration) string { return strconv.FormatInt(d.Microseconds(), 10) }

// monotonic returns CLOCK_MONOTONIC as a duration since boot.
func monotonic() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return time.Duration(ts.Nano())
}

func uptime() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
	return time.Duration(ts.Nano())
}

func writeKmsg(msg string) error {
	f, err := os.OpenFile("/dev/kmsg", os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(msg + "\n")
	return err
}

// scanKmsg reads the kernel log from the start and returns the timestamp of
// the last record containing fork and of the record containing mark (-1 when
// absent).
func scanKmsg(fork, mark string) (forkAt, markAt time.Duration, err error) {
	fd, err := unix.Open("/dev/kmsg", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, -1, fmt.Errorf("open /dev/kmsg: %w", err)
	}
	defer unix.Close(fd)
	forkAt, markAt = -1, -1
	buf := make([]byte, 8192)
	for range 100000 {
		n, err := unix.Read(fd, buf)
		if errors.Is(err, unix.EPIPE) {
			continue // records overwritten while we read: go on with the next
		}
		if errors.Is(err, unix.EAGAIN) {
			return forkAt, markAt, nil
		}
		if err != nil {
			return -1, -1, fmt.Errorf("read /dev/kmsg: %w", err)
		}
		header, msg, ok := bytes.Cut(buf[:n], []byte(";"))
		if !ok {
			continue
		}
		fields := strings.Split(string(header), ",")
		if len(fields) < 3 {
			continue
		}
		usec, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			continue
		}
		at := time.Duration(usec) * time.Microsecond
		if bytes.Contains(msg, []byte(fork)) {
			forkAt = at
		}
		if bytes.Contains(msg, []byte(mark)) {
			markAt = at
		}
	}
	return forkAt, markAt, errors.New("read /dev/kmsg: too many records")
}

// vmgenidOutput runs the vmgenid command and returns its trimmed output.
func vmgenidOutput(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	cmd := exec.Command(vmgenidBin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("vmgenid %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// sysctlValue finds "NAME = VALUE" in vmgenid sysctl's output.
func sysctlValue(out, name string) (string, bool) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " = ")
		if ok && k == name {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// qemuVGIA finds QEMU's "Name (VGIA, 0x...)" in the SSDTs: the address of
// the page QEMU's firmware allocated for the ID (the ID is at +0x28). It is a
// check of vmgenid's AML evaluation that does not use any of it: the
// firmware patches the 32-bit value into the table as NameOp 'VGIA'
// DWordPrefix.
func qemuVGIA(dir string) (uint32, error) {
	names, _ := filepath.Glob(filepath.Join(dir, "SSDT*"))
	dyn, _ := filepath.Glob(filepath.Join(dir, "dynamic", "SSDT*"))
	for _, name := range append(names, dyn...) {
		data, err := os.ReadFile(name)
		if err != nil {
			return 0, err
		}
		pattern := []byte{0x08, 'V', 'G', 'I', 'A', 0x0c}
		if i := bytes.Index(data, pattern); i >= 0 && i+len(pattern)+4 <= len(data) {
			return binary.LittleEndian.Uint32(data[i+len(pattern):]), nil
		}
	}
	return 0, fmt.Errorf("no Name (VGIA, DWord) in %s/SSDT*", dir)
}
