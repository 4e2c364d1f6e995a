package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/state"
	"github.com/vmgenid/vmgenid/internal/vmclock"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden with the current output")

// testID returns the ID the fake memory holds for device n: the GUID
// aabbccdd-eeff-0011-2233-4455667788NN.
func testID(n int) []byte {
	id, err := genid.ParseGUID(fmt.Sprintf("aabbccdd-eeff-0011-2233-4455667788%02x", n))
	if err != nil {
		panic(err)
	}
	return id[:]
}

// memory is what the fake physical-memory file holds for each table
// directory: the IDs at the addresses ADDR gives, and for opregion-addr
// the ADDR halves the firmware keeps in memory.
var memory = map[string]map[uint64][]byte{
	"firecracker":   {0xdfff0: testID(0)},
	"qemu-q35":      {0x0ffff028: testID(0)},
	"qemu-pc":       {0x0ffff028: testID(0)},
	"method-addr":   {0x0ffff028: testID(0)},
	"name-addr":     {0xdfff0: testID(0)},
	"nested-scopes": {0x3000: testID(0), 0x3100: testID(1)},
	"cid-package":   {0x4000: testID(9), 0x5000: testID(0), 0x5100: testID(1)},
	"sta":           {0x6000: testID(0), 0x6100: testID(1), 0x6200: testID(9), 0x6300: testID(2), 0x6400: testID(9)},
	"high-addr":     {0x1_ffff_f028: testID(0)},
	"opregion-addr": {0x7000: {0x00, 0x20, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, 0x1_0000_2000: testID(0)},
	"invalid":       {0x8004: testID(7), 0x8ff8: testID(8)},
	"arm64":         {0x8fffe000: testID(1), 0x40000f00: testID(0), 0x40000e00: testID(9)},
}

// fakeMem writes a sparse physical-memory file for a table directory.
func fakeMem(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mem")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for addr, data := range memory[name] {
		if _, err := f.WriteAt(data, int64(addr)); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// runCLI runs vmgenid with args and returns what it printed and its exit
// status, in one text for golden files.
func runCLI(args []string) string {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return fmt.Sprintf("$ vmgenid %s\n--- stdout\n%s--- stderr\n%s--- exit %d\n", strings.Join(args, " "), stdout.String(), stderr.String(), code)
}

func TestGolden(t *testing.T) {
	type cmd struct {
		suffix string
		args   []string
	}
	all := []cmd{
		{"status", []string{"status"}},
		{"status-json", []string{"status", "--json"}},
		{"sysctl", []string{"sysctl"}},
		{"id-uuid", []string{"id", "--uuid"}},
	}
	tests := []struct {
		dir  string // under testdata/tables, or "arm64" for the device tree
		cmds []cmd
	}{
		{"firecracker", slices.Concat(all, []cmd{
			{"sysctl-n-id", []string{"sysctl", "-n", "hw.acpivmgenid0.id"}},
			{"sysctl-node", []string{"sysctl", "hw.acpivmgenid0"}},
			{"sysctl-unknown", []string{"sysctl", "hw.acpivmgenid0.paddr", "hw.acpivmgenid1.id", "kern.nosuch"}},
			{"id", []string{"id"}},
			{"id-nodevice", []string{"id", "--device", "acpivmgenid3"}},
		})},
		{"qemu-q35", all},
		{"qemu-pc", all[:1]},
		{"method-addr", all[:1]},
		{"name-addr", all[:1]},
		{"nested-scopes", slices.Concat(all[:1], []cmd{{"id-device", []string{"id", "--device", "acpivmgenid1"}}})},
		{"cid-package", all[:1]},
		{"sta", slices.Concat(all[:1], []cmd{{"sysctl", []string{"sysctl"}}})},
		{"high-addr", all[:3]},
		{"opregion-addr", all[:1]},
		{"invalid", slices.Concat(all[:3], []cmd{{"id", []string{"id"}}})},
		{"arm64", all},
	}
	for _, tt := range tests {
		for _, c := range tt.cmds {
			name := tt.dir + "-" + c.suffix
			t.Run(name, func(t *testing.T) {
				mem := fakeMem(t, tt.dir)
				tables, dt := filepath.Join("testdata", "tables", tt.dir), filepath.Join("testdata", "none")
				if tt.dir == "arm64" {
					tables, dt = filepath.Join("testdata", "none"), filepath.Join("testdata", "devicetree", "arm64")
				}
				args := append([]string{"--acpi-tables", tables, "--devicetree", dt, "--mem", mem}, c.args...)
				got := strings.ReplaceAll(runCLI(hermetic(args)), mem, "$MEM")
				golden(t, name, got)
			})
		}
	}
}

// TestGoldenErrors covers the situations where nothing can be read.
func TestGoldenErrors(t *testing.T) {
	none := filepath.Join("testdata", "none")
	fc := filepath.Join("testdata", "tables", "firecracker")
	tests := []struct {
		name string
		args []string
	}{
		{"nowhere-status", []string{"--acpi-tables", none, "--devicetree", none, "status"}},
		{"nowhere-sysctl", []string{"--acpi-tables", none, "--devicetree", none, "sysctl", "hw.acpivmgenid0.id"}},
		{"nowhere-id", []string{"--acpi-tables", none, "--devicetree", none, "id"}},
		{"nodevice-status", []string{"--acpi-tables", filepath.Join("testdata", "devicetree"), "--devicetree", none, "status"}},
		{"nomem-status", []string{"--acpi-tables", fc, "--devicetree", none, "--mem", filepath.Join(none, "mem"), "status"}},
		{"nomem-sysctl", []string{"--acpi-tables", fc, "--devicetree", none, "--mem", filepath.Join(none, "mem"), "sysctl"}},
		{"nomem-id", []string{"--acpi-tables", fc, "--devicetree", none, "--mem", filepath.Join(none, "mem"), "id"}},
		{"corrupt-tree-sysctl", []string{"--acpi-tables", fc, "--devicetree", filepath.Join("testdata", "devicetree", "corrupt"), "--mem", filepath.Join(none, "mem"), "sysctl", "hw.acpivmgenid0.paddr"}},
		{"corrupt-tree-status", []string{"--acpi-tables", fc, "--devicetree", filepath.Join("testdata", "devicetree", "corrupt"), "--mem", filepath.Join(none, "mem"), "status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, runCLI(hermetic(tt.args)))
		})
	}
}

// hermetic points sysctl at a state file that does not exist unless args
// name one, so that a daemon running on the test machine changes nothing.
func hermetic(args []string) []string {
	i := slices.Index(args, "sysctl")
	if i < 0 || slices.Contains(args, "--state") {
		return args
	}
	return slices.Concat(args[:i+1], []string{"--state", filepath.Join("testdata", "none", "state")}, args[i+1:])
}

// TestGoldenEpoch reads kern.entropy.epoch from a state file published
// the way the daemon publishes it.
func TestGoldenEpoch(t *testing.T) {
	dir := t.TempDir()
	statePath := filepath.Join(dir, "state")
	w, err := state.Create(statePath, state.Options{PublicID: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var id genid.ID
	copy(id[:], testID(0))
	if err := w.Publish(state.Record{Flags: state.FlagIDKnown, Epoch: 7, ID: id, PAddr: 0xdfff0, Changes: 6}); err != nil {
		t.Fatal(err)
	}
	mem := fakeMem(t, "firecracker")
	base := []string{"--acpi-tables", filepath.Join("testdata", "tables", "firecracker"), "--devicetree", filepath.Join("testdata", "none"), "--mem", mem}
	none := filepath.Join("testdata", "none")
	tests := []struct {
		name string
		args []string
	}{
		{"epoch-sysctl-all", []string{"sysctl", "--state", statePath}},
		{"epoch-sysctl", []string{"sysctl", "--state", statePath, "kern.entropy.epoch"}},
		{"epoch-sysctl-n-node", []string{"sysctl", "-n", "--state", statePath, "kern.entropy"}},
		{"epoch-sysctl-nodaemon", []string{"sysctl", "--state", filepath.Join(none, "state"), "kern.entropy.epoch", "hw.acpivmgenid0.paddr"}},
		{"epoch-sysctl-nowhere", []string{"--acpi-tables", none, "--devicetree", none, "sysctl", "--state", statePath}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args[0] == "sysctl" {
				args = slices.Concat(base, args)
			}
			out := strings.ReplaceAll(runCLI(args), mem, "$MEM")
			golden(t, tt.name, strings.ReplaceAll(out, statePath, "$STATE"))
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to accept):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestLiveStatus checks "vmgenid status" on this machine's own tables, as
// on a Firecracker guest: the devices and addresses it prints are the ones
// the live tables hold (worked out here from the tables, not written
// down), and without /dev/mem it says why no ID could be read. It needs
// Linux's /sys/firmware/acpi/tables with a VM generation ID device and no
// /dev/mem (a kernel without CONFIG_DEVMEM), and skips saying so
// elsewhere.
func TestLiveStatus(t *testing.T) {
	const live = "/sys/firmware/acpi/tables"
	if _, err := os.Stat("/dev/mem"); err == nil {
		t.Skip("needs a machine without /dev/mem (such as a Firecracker guest); this one has it")
	}
	devs, err := source.NewACPI(live, "").Devices()
	if err != nil {
		t.Skipf("needs readable ACPI tables in %s: %v", live, err)
	}
	if len(devs) == 0 {
		t.Skipf("needs a VM generation ID device in the tables in %s; they have none", live)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"status"}, &stdout, &stderr)
	out := stdout.String()
	var want []string
	for _, d := range devs {
		want = append(want, fmt.Sprintf(`(?m)^%s %s$`, d.Name, regexp.QuoteMeta(d.Path)))
		if d.AddrErr == nil {
			want = append(want, fmt.Sprintf(`(?m)^\s+paddr\s+%#x$`, d.PAddr))
		}
	}
	want = append(want, `CONFIG_DEVMEM`)
	// VMClock devices are listed with their page from _CRS and whether
	// a driver is bound (or which kernel option would bind one).
	ns, err := acpi.LoadDir(live, aml.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range vmclock.Discover(ns.Namespace) {
		want = append(want, fmt.Sprintf(`(?m)^vmclock%d %s \(VMClock\)$`, i, regexp.QuoteMeta(d.Path)))
		if d.AddrErr == nil {
			want = append(want, fmt.Sprintf(`(?m)^\s+page\s+%#x, %#x bytes \(%s in _CRS\)$`, d.PAddr, d.Length, d.Resource))
		}
		want = append(want, `(?m)^\s+driver\s+(bound to driver \S+|.*`+vmclock.KernelOption+`|.*absent|.*neither present)`)
	}
	for _, w := range want {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("status output does not match %q:\n%s", w, out)
		}
	}
	if code != 1 {
		t.Errorf("exit status %d, want 1 (no ID could be read)", code)
	}
}
