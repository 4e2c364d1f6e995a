package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenACPI covers "vmgenid acpi namespace" and "vmgenid acpi eval" on
// the committed tables: ACPICA-style listing, acpiexec-style text, JSON,
// --zero-regions, and failures naming object, opcode and table offset.
func TestGoldenACPI(t *testing.T) {
	none := filepath.Join("testdata", "none")
	tables := func(name string) string { return filepath.Join("testdata", "tables", name) }
	tests := []struct {
		name, dir string
		args      []string
	}{
		{"acpi-namespace-firecracker", "firecracker", []string{"acpi", "namespace"}},
		{"acpi-namespace-qemu-q35", "qemu-q35", []string{"acpi", "namespace"}},
		{"acpi-eval-firecracker", "firecracker", []string{"acpi", "eval", `\_SB_.VGEN.ADDR`}},
		{"acpi-eval-json-firecracker", "firecracker", []string{"acpi", "eval", "--json", `\_SB.VGEN.ADDR`}},
		{"acpi-eval-hid-qemu-q35", "qemu-q35", []string{"acpi", "eval", `\_SB.VGEN._HID`, "--json"}},
		{"acpi-eval-method-qemu-q35", "qemu-q35", []string{"acpi", "eval", `\_SB.PCI0._CRS`}},
		{"acpi-eval-region", "opregion-addr", []string{"acpi", "eval", `\_SB.VGEN.ADDR`}},
		{"acpi-eval-region-nomem", "opregion-addr", []string{"--mem", filepath.Join(none, "mem"), "acpi", "eval", `\_SB.VGEN.ADDR`}},
		{"acpi-eval-region-zero", "opregion-addr", []string{"--mem", filepath.Join(none, "mem"), "acpi", "eval", `\_SB.VGEN.ADDR`, "--zero-regions", "--json"}},
		{"acpi-eval-nosuch", "firecracker", []string{"acpi", "eval", `\_SB.NOPE`}},
		{"acpi-eval-device", "firecracker", []string{"acpi", "eval", `\_SB.VGEN`}},
		{"acpi-eval-noarg", "firecracker", []string{"acpi", "eval"}},
		{"acpi-nosub", "firecracker", []string{"acpi"}},
		{"acpi-namespace-notables", "", []string{"acpi", "namespace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := none
			if tt.dir != "" {
				dir = tables(tt.dir)
			}
			args := []string{"--acpi-tables", dir, "--devicetree", none}
			if !strings.HasPrefix(tt.args[0], "--mem") {
				mem := fakeMem(t, tt.dir)
				args = append(args, "--mem", mem)
				golden(t, tt.name, strings.ReplaceAll(runCLI(append(args, tt.args...)), mem, "$MEM"))
				return
			}
			golden(t, tt.name, runCLI(append(args, tt.args...)))
		})
	}
}
