package source

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/genid"
)

// cells encodes big-endian cells, as a property file holds them.
func cells(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, c := range v {
		binary.BigEndian.PutUint32(b[4*i:], c)
	}
	return b
}

// tree writes a device tree directory: node path -> property -> bytes.
func tree(t *testing.T, nodes map[string]map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	for node, props := range nodes {
		dir := filepath.Join(root, filepath.FromSlash(node))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range props {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

var vmgenidCompat = []byte("microsoft,vmgenid\x00")

func TestDeviceTreeDevices(t *testing.T) {
	tests := []struct {
		name      string
		nodes     map[string]map[string][]byte
		want      []Device // AddrErr compared by substring of wantErr
		wantErrs  []string
		wantFatal string
	}{{
		name: "firecracker layout, 2+2 cells at the root",
		nodes: map[string]map[string][]byte{
			"/":                 {"#address-cells": cells(2), "#size-cells": cells(2), "compatible": []byte("linux,dummy-virt\x00")},
			"/vmgenid@80000000": {"compatible": vmgenidCompat, "reg": cells(0, 0x80000000, 0, 0x10)},
			"/memory@80000000":  {"device_type": []byte("memory\x00"), "reg": cells(0, 0x80000000, 0, 0x8000000)},
		},
		want:     []Device{{Name: "acpivmgenid0", Path: "/vmgenid@80000000", HID: "microsoft,vmgenid", Origin: "devicetree", PAddr: 0x80000000}},
		wantErrs: []string{""},
	}, {
		name: "default cells (2 address, 1 size), high address",
		nodes: map[string]map[string][]byte{
			"/":          {},
			"/vmgenid@0": {"compatible": []byte("acme,vmgenid\x00microsoft,vmgenid\x00"), "reg": cells(0x1, 0x2000, 0x1000)},
		},
		want:     []Device{{Name: "acpivmgenid0", Path: "/vmgenid@0", HID: "microsoft,vmgenid", CIDs: []string{"acme,vmgenid"}, Origin: "devicetree", PAddr: 0x1_0000_2000}},
		wantErrs: []string{""},
	}, {
		name: "on a bus with ranges, two devices, one disabled",
		nodes: map[string]map[string][]byte{
			"/":             {"#address-cells": cells(2), "#size-cells": cells(2)},
			"/soc":          {"#address-cells": cells(1), "#size-cells": cells(1), "ranges": cells(0x0, 0x0, 0x40000000, 0x10000000)},
			"/soc/gen@1000": {"compatible": vmgenidCompat, "reg": cells(0x1000, 0x1000), "status": []byte("okay\x00")},
			"/soc/gen@2000": {"compatible": vmgenidCompat, "reg": cells(0x2000, 0x1000), "status": []byte("disabled\x00")},
			"/soc/gen@3000": {"compatible": vmgenidCompat, "reg": cells(0x3008, 0x10)},
		},
		want: []Device{
			{Name: "acpivmgenid0", Path: "/soc/gen@1000", HID: "microsoft,vmgenid", Origin: "devicetree", PAddr: 0x40001000},
			{Name: "acpivmgenid1", Path: "/soc/gen@3000", HID: "microsoft,vmgenid", Origin: "devicetree", PAddr: 0x40003008},
		},
		wantErrs: []string{"", ""},
	}, {
		name: "empty ranges is identity; misaligned is a warning",
		nodes: map[string]map[string][]byte{
			"/":          {"#address-cells": cells(1), "#size-cells": cells(1)},
			"/bus":       {"#address-cells": cells(1), "#size-cells": cells(1), "ranges": nil},
			"/bus/g@ffc": {"compatible": vmgenidCompat, "reg": cells(0xffc, 0x10)},
		},
		want:     []Device{{Name: "acpivmgenid0", Path: "/bus/g@ffc", HID: "microsoft,vmgenid", Origin: "devicetree", PAddr: 0xffc}},
		wantErrs: []string{"not 8-byte aligned and crosses a 4 KiB page boundary"},
	}, {
		name: "bus without ranges",
		nodes: map[string]map[string][]byte{
			"/":        {"#address-cells": cells(1), "#size-cells": cells(1)},
			"/i2c":     {"#address-cells": cells(1), "#size-cells": cells(0)},
			"/i2c/g@1": {"compatible": vmgenidCompat, "reg": cells(0x50)},
		},
		want:     []Device{{Name: "acpivmgenid0", Path: "/i2c/g@1", HID: "microsoft,vmgenid", Origin: "devicetree"}},
		wantErrs: []string{"has no ranges property"},
	}, {
		name: "address outside the bus ranges",
		nodes: map[string]map[string][]byte{
			"/":        {"#address-cells": cells(1), "#size-cells": cells(1)},
			"/bus":     {"#address-cells": cells(1), "#size-cells": cells(1), "ranges": cells(0, 0x1000, 0x100)},
			"/bus/g@1": {"compatible": vmgenidCompat, "reg": cells(0x200, 0x10)},
		},
		want:     []Device{{Name: "acpivmgenid0", Path: "/bus/g@1", HID: "microsoft,vmgenid", Origin: "devicetree"}},
		wantErrs: []string{"outside every range"},
	}, {
		name: "bad reg length, missing reg, tiny region, zero address",
		nodes: map[string]map[string][]byte{
			"/":    {"#address-cells": cells(2), "#size-cells": cells(2)},
			"/a@1": {"compatible": vmgenidCompat, "reg": cells(0, 0x1000, 0)},
			"/b@2": {"compatible": vmgenidCompat},
			"/c@3": {"compatible": vmgenidCompat, "reg": cells(0, 0x1000, 0, 8)},
			"/d@4": {"compatible": vmgenidCompat, "reg": cells(0, 0, 0, 16)},
		},
		want: []Device{
			{Name: "acpivmgenid0", Path: "/a@1", HID: "microsoft,vmgenid", Origin: "devicetree"},
			{Name: "acpivmgenid1", Path: "/b@2", HID: "microsoft,vmgenid", Origin: "devicetree"},
			{Name: "acpivmgenid2", Path: "/c@3", HID: "microsoft,vmgenid", Origin: "devicetree"},
			{Name: "acpivmgenid3", Path: "/d@4", HID: "microsoft,vmgenid", Origin: "devicetree"},
		},
		wantErrs: []string{"a@1/reg: reg: 12 bytes is not a whole number", "b@2: no reg property", "smaller than the 16-byte ID", "physical address is 0"},
	}, {
		name: "no device",
		nodes: map[string]map[string][]byte{
			"/":       {"compatible": []byte("linux,dummy-virt\x00")},
			"/uart@1": {"compatible": []byte("arm,pl011\x00"), "reg": cells(0, 1, 0x1000)},
		},
	}, {
		name: "corrupt #address-cells",
		nodes: map[string]map[string][]byte{
			"/":    {"#address-cells": cells(9)},
			"/g@1": {"compatible": vmgenidCompat, "reg": cells(1)},
		},
		wantFatal: "#address-cells: 9 cells: more than 4",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tree(t, tt.nodes)
			got, err := NewDeviceTree(dir, "/nonexistent").Devices()
			if tt.wantFatal != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantFatal) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantFatal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("found %d devices %+v, want %d", len(got), got, len(tt.want))
			}
			for i, d := range got {
				w := tt.want[i]
				if d.Name != w.Name || d.Path != w.Path || d.HID != w.HID || d.Origin != w.Origin || d.PAddr != w.PAddr || strings.Join(d.CIDs, ",") != strings.Join(w.CIDs, ",") {
					t.Errorf("device %d = %+v, want %+v", i, d, w)
				}
				if tt.wantErrs[i] == "" {
					if d.AddrErr != nil {
						t.Errorf("device %d: AddrErr = %v", i, d.AddrErr)
					}
				} else if d.AddrErr == nil || !strings.Contains(d.AddrErr.Error(), tt.wantErrs[i]) {
					t.Errorf("device %d: AddrErr = %v, want one containing %q", i, d.AddrErr, tt.wantErrs[i])
				}
			}
		})
	}
}

func TestDeviceTreeMissing(t *testing.T) {
	_, err := NewDeviceTree(filepath.Join(t.TempDir(), "none"), "").Devices()
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want ErrNotExist", err)
	}
}

func TestDeviceTreeReadID(t *testing.T) {
	want, _ := genid.ParseGUID("aabbccdd-eeff-0011-2233-445566778899")
	dir := tree(t, map[string]map[string][]byte{
		"/":             {"#address-cells": cells(2), "#size-cells": cells(2)},
		"/vmgenid@1000": {"compatible": vmgenidCompat, "reg": cells(0, 0x1ff0, 0, 0x10)},
	})
	mem := filepath.Join(t.TempDir(), "mem")
	data := make([]byte, 0x3000)
	copy(data[0x1ff0:], want[:])
	if err := os.WriteFile(mem, data, 0o600); err != nil {
		t.Fatal(err)
	}
	src := NewDeviceTree(dir, mem)
	defer src.Close()
	devs, err := src.Devices()
	if err != nil || len(devs) != 1 {
		t.Fatalf("Devices() = %v, %v", devs, err)
	}
	id, method, err := src.ReadID(devs[0])
	if err != nil {
		t.Fatal(err)
	}
	if id != want || method != "pread "+mem {
		t.Errorf("ReadID = %v, %q; want %v, pread", id, method, want)
	}
	bad := devs[0]
	bad.PAddr, bad.AddrErr = 0, ErrNoAddr
	if _, _, err := src.ReadID(bad); !errors.Is(err, ErrNoAddr) {
		t.Errorf("ReadID of a device without address: %v", err)
	}
}

func TestParseReg(t *testing.T) {
	tests := []struct {
		data   []byte
		ac, sc int
		want   []RegEntry
		err    string
	}{
		{cells(0, 0x1000, 0, 0x10), 2, 2, []RegEntry{{0x1000, 0x10}}, ""},
		{cells(0x1000, 0x10, 0x2000, 0x20), 1, 1, []RegEntry{{0x1000, 0x10}, {0x2000, 0x20}}, ""},
		{cells(0x50), 1, 0, []RegEntry{{0x50, 0}}, ""},
		{cells(0, 0, 0x1000, 0x10), 3, 1, []RegEntry{{0x1000, 0x10}}, ""},
		{cells(1, 0, 0x1000, 0x10), 3, 1, nil, "does not fit in 64 bits"},
		{cells(1, 2), 0, 2, nil, "#address-cells is 0"},
		{nil, 2, 1, nil, "0 bytes"},
		{cells(1, 2), 2, 1, nil, "8 bytes"},
		{cells(1), 5, 1, nil, "outside"},
	}
	for _, tt := range tests {
		got, err := ParseReg(tt.data, tt.ac, tt.sc)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseReg(% x, %d, %d) err = %v, want %q", tt.data, tt.ac, tt.sc, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("ParseReg(% x, %d, %d) = %v, %v; want %v", tt.data, tt.ac, tt.sc, got, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("ParseReg(% x, %d, %d)[%d] = %v, want %v", tt.data, tt.ac, tt.sc, i, got[i], tt.want[i])
			}
		}
	}
}

func TestParseStringList(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"microsoft,vmgenid\x00", "microsoft,vmgenid"},
		{"a\x00b\x00", "a|b"},
		{"a\x00\x00b", "a|b"},
		{"", ""},
		{"\x00", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(ParseStringList([]byte(tt.in)), "|"); got != tt.want {
			t.Errorf("ParseStringList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzDeviceTreeProperties feeds arbitrary property bytes and cell counts
// to the decoders: they must never panic, and what they accept must
// account for every byte.
func FuzzDeviceTreeProperties(f *testing.F) {
	f.Add(cells(0, 0x80000000, 0, 0x10), uint8(2), uint8(2), uint8(1))
	f.Add(cells(0x1000, 0x10), uint8(1), uint8(1), uint8(2))
	f.Add(cells(0, 0, 0x40000000, 0x10000000), uint8(1), uint8(1), uint8(2))
	f.Add([]byte("microsoft,vmgenid\x00"), uint8(2), uint8(1), uint8(2))
	f.Add(cells(2), uint8(3), uint8(0), uint8(4))
	f.Add([]byte{}, uint8(0), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, ac, sc, pac uint8) {
		a, s, p := int(ac%6), int(sc%6), int(pac%6)
		if regs, err := ParseReg(data, a, s); err == nil {
			if len(regs)*4*(a+s) != len(data) {
				t.Fatalf("ParseReg accepted %d bytes as %d entries of %d+%d cells", len(data), len(regs), a, s)
			}
		}
		if rs, err := ParseRanges(data, a, p, s); err == nil {
			if len(rs)*4*(a+p+s) != len(data) {
				t.Fatalf("ParseRanges accepted %d bytes as %d entries of %d+%d+%d cells", len(data), len(rs), a, p, s)
			}
			for _, r := range rs {
				translate(r.Child, rs)
			}
		}
		if n, err := ParseCellCount(data); err == nil && (n < 0 || n > MaxCells || len(data) != 4) {
			t.Fatalf("ParseCellCount(% x) = %d", data, n)
		}
		for _, s := range ParseStringList(data) {
			if s == "" || strings.ContainsRune(s, 0) {
				t.Fatalf("ParseStringList gave %q", s)
			}
		}
	})
}
