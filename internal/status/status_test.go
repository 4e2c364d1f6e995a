package status

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/source/bsdsrc"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

const guid = "aabbccdd-eeff-0011-2233-445566778803"

func testID(t *testing.T) genid.ID {
	t.Helper()
	id, err := genid.ParseGUID(guid)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// fakeMem writes a physical-memory file holding data at addr (nothing
// when data is nil) and returns its path.
func fakeMem(t *testing.T, addr int64, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mem")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if data != nil {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt(data, addr); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestBuild(t *testing.T) {
	id := testID(t)
	none := filepath.Join(t.TempDir(), "none")
	// name-addr holds one FCVMGID device whose ADDR says 0xdfff0.
	nameAddr := filepath.Join("..", "source", "testdata", "tables", "name-addr")
	// A FreeBSD vmgenc(4) driver on recorded sysctl values.
	freebsd := func(source.Options) (source.Source, string, bool) {
		return bsdsrc.NewFreeBSD(sysctl.NewMap(map[string][]byte{
			"dev.vmgenc.0.guid":     id[:],
			"dev.vmgenc.0.%pnpinfo": []byte("_HID=QEMUVGID _UID=0 _CID=VM_GEN_COUNTER\x00"),
		})), "", true
	}
	tests := []struct {
		name string
		opts source.Options
		ok   bool
		// want is the one device expected (none when Name is empty).
		want      Device
		wantError bool // the report says why nothing was found
	}{
		{
			// A device the kernel's driver reads through sysctl needs no
			// physical address: FreeBSD's vmgenc(4) never exports one.
			name: "sysctl device without address",
			opts: source.Options{ACPITables: none, DeviceTree: none, Mem: none, Platforms: []source.Platform{freebsd}},
			ok:   true,
			want: Device{Name: "acpivmgenid0", Source: "freebsd", Origin: "sysctl", GUID: guid},
		},
		{
			name: "memory read",
			opts: source.Options{ACPITables: nameAddr, DeviceTree: none, Mem: fakeMem(t, 0xdfff0, id[:])},
			ok:   true,
			want: Device{Name: "acpivmgenid0", Source: "acpi", Origin: "DSDT", PAddr: "0xdfff0", GUID: guid},
		},
		{
			// The device is still listed, with why its ID is unknown.
			name: "memory too short",
			opts: source.Options{ACPITables: nameAddr, DeviceTree: none, Mem: fakeMem(t, 0, nil)},
			ok:   false,
			want: Device{Name: "acpivmgenid0", Source: "acpi", Origin: "DSDT", PAddr: "0xdfff0"},
		},
		{
			name:      "nowhere to look",
			opts:      source.Options{ACPITables: none, DeviceTree: none, Mem: none},
			ok:        false,
			wantError: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, ok := Build(tt.opts)
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v; report %+v", ok, tt.ok, rep)
			}
			// Only the live tables say how this machine's daemon would run.
			if rep.Detection != nil {
				t.Errorf("Detection = %+v for test tables, want none", rep.Detection)
			}
			if (rep.Error != "") != tt.wantError {
				t.Errorf("Error = %q, want one: %v", rep.Error, tt.wantError)
			}
			if tt.want.Name == "" {
				if len(rep.Devices) != 0 {
					t.Errorf("devices %+v, want none", rep.Devices)
				}
				return
			}
			if len(rep.Devices) != 1 {
				t.Fatalf("devices %+v, want one", rep.Devices)
			}
			d := rep.Devices[0]
			if d.Name != tt.want.Name || d.Source != tt.want.Source || d.Origin != tt.want.Origin || d.PAddr != tt.want.PAddr || d.GUID != tt.want.GUID {
				t.Errorf("device %+v, want %+v", d, tt.want)
			}
			// A read ID and a read error exclude each other; the read
			// fields agree with ok.
			if (d.ID != "") != tt.ok || (d.ReadError == "") != tt.ok {
				t.Errorf("device %+v: ID %q, read error %q; want read: %v", d, d.ID, d.ReadError, tt.ok)
			}
			if tt.ok && d.ReadBy == "" {
				t.Errorf("device %+v read without saying how", d)
			}
		})
	}
}
