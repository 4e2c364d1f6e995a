package source

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/genid"
)

// fakeSource is a platform source with fixed devices.
type fakeSource struct{ devs []Device }

func (f fakeSource) Kind() string               { return "fake" }
func (f fakeSource) Devices() ([]Device, error) { return f.devs, nil }
func (f fakeSource) ReadID(Device) (genid.ID, string, error) {
	return genid.ID{1}, "fake", nil
}

// fakePlatform is an OS-specific source that always applies.
func fakePlatform(Options) (Source, string, bool) {
	return fakeSource{[]Device{{Name: "acpivmgenid0", Path: "hw.acpivmgenid0"}}}, "", true
}

func TestDetect(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	fc := filepath.Join("testdata", "fixtures", "firecracker")
	dt := tree(t, map[string]map[string][]byte{
		"/":          {"#address-cells": cells(2), "#size-cells": cells(2)},
		"/vmgenid@1": {"compatible": vmgenidCompat, "reg": cells(0, 0x1000, 0, 0x10)},
	})
	emptyTree := tree(t, map[string]map[string][]byte{"/": {}})

	_, err := Detect(Options{ACPITables: none, DeviceTree: none + "2", Mem: "m"})
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "no ACPI tables in "+none) || !strings.Contains(err.Error(), "no device tree in "+none+"2") {
		t.Errorf("Detect(nowhere) = %v", err)
	}

	tests := []struct {
		opts      Options
		kinds     string
		names     string // Found names, in order
		paths     string
		noDevices bool
	}{
		{Options{ACPITables: fc, DeviceTree: none}, "acpi", "acpivmgenid0", `\_SB.VGEN`, false},
		{Options{ACPITables: none, DeviceTree: dt}, "devicetree", "acpivmgenid0", "/vmgenid@1", false},
		{Options{ACPITables: fc, DeviceTree: dt}, "acpi,devicetree", "acpivmgenid0,acpivmgenid1", `\_SB.VGEN,/vmgenid@1`, false},
		{Options{ACPITables: fc, DeviceTree: dt, Mem: "m", Platforms: []Platform{fakePlatform}}, "fake,acpi,devicetree", "acpivmgenid0,acpivmgenid1,acpivmgenid2", `hw.acpivmgenid0,\_SB.VGEN,/vmgenid@1`, false},
		{Options{DeviceTree: emptyTree}, "devicetree", "", "", true},
	}
	for _, tt := range tests {
		srcs, err := Detect(tt.opts)
		if err != nil {
			t.Errorf("Detect(%+v): %v", tt.opts, err)
			continue
		}
		var kinds []string
		for _, s := range srcs {
			kinds = append(kinds, s.Kind())
		}
		if got := strings.Join(kinds, ","); got != tt.kinds {
			t.Errorf("Detect(%+v) kinds = %s, want %s", tt.opts, got, tt.kinds)
		}
		found, problems, err := FindAll(srcs)
		if len(problems) > 0 {
			t.Errorf("FindAll(%+v) problems: %v", tt.opts, problems)
		}
		if tt.noDevices {
			var nd *NoDeviceError
			if !errors.As(err, &nd) || !strings.Contains(err.Error(), "device tree "+emptyTree) {
				t.Errorf("FindAll(%+v) err = %v, want NoDeviceError naming the tree", tt.opts, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("FindAll(%+v): %v", tt.opts, err)
			continue
		}
		var names, paths []string
		for _, f := range found {
			names = append(names, f.Name)
			paths = append(paths, f.Device.Path)
		}
		if got := strings.Join(names, ","); got != tt.names {
			t.Errorf("FindAll(%+v) names = %s, want %s", tt.opts, got, tt.names)
		}
		if got := strings.Join(paths, ","); got != tt.paths {
			t.Errorf("FindAll(%+v) paths = %s, want %s", tt.opts, got, tt.paths)
		}
		if err := CloseAll(srcs); err != nil {
			t.Errorf("CloseAll: %v", err)
		}
	}
}

func TestFindAllProblems(t *testing.T) {
	bad := NewACPI(t.TempDir(), "") // a directory without tables
	found, problems, err := FindAll([]Source{bad})
	if len(found) != 0 || len(problems) != 1 {
		t.Fatalf("FindAll = %v, %v", found, problems)
	}
	var nd *NoDeviceError
	if !errors.As(err, &nd) || !strings.Contains(err.Error(), "no DSDT or SSDT") {
		t.Errorf("err = %v, want a NoDeviceError with the reason", err)
	}
}
