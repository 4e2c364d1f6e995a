package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
)

// The namespace is loaded once, whoever asks first, and shared.
func TestACPINamespaceLoadedOnce(t *testing.T) {
	src := NewACPI(filepath.Join("testdata", "fixtures", "qemu-q35"), "")
	loads := 0
	load := src.loadNS
	src.loadNS = func(o aml.Options) (*acpi.Namespace, error) { loads++; return load(o) }
	srcs := []Source{src}
	ns, err := ACPINamespace(srcs)
	if err != nil || ns == nil {
		t.Fatalf("ACPINamespace = %v, %v", ns, err)
	}
	if _, err := src.Devices(); err != nil {
		t.Fatal(err)
	}
	if n, _ := NotifyingGPE(srcs); n != 5 {
		t.Errorf("NotifyingGPE = %d, want 5", n)
	}
	if again, _ := ACPINamespace(srcs); again != ns || loads != 1 {
		t.Errorf("namespace loaded %d times (same one: %v), want once", loads, again == ns)
	}
	if ns, err := ACPINamespace([]Source{NewDeviceTree(t.TempDir(), "")}); ns != nil || err != nil {
		t.Errorf("ACPINamespace without an ACPI source = %v, %v", ns, err)
	}
}

func TestNotifyingGPE(t *testing.T) {
	tests := []struct {
		dir  string
		gpe  int
		says string
	}{
		{"fixtures/qemu-q35", 5, `\_GPE._E05 in SSDT notifies \_SB.VGEN`},
		{"fixtures/qemu-pc", 5, `\_GPE._E05 in SSDT notifies \_SB.VGEN`},
		// Firecracker notifies from the Generic Event Device's _EVT.
		{"fixtures/firecracker", -1, `no \_GPE._Exx or _Lxx method notifies \_SB.VGEN (\_SB.GED._EVT does)`},
		{"tables/name-addr", -1, "no \\_GPE._Exx or _Lxx method notifies"},
	}
	for _, tt := range tests {
		gpe, why := NotifyingGPE([]Source{NewACPI(filepath.Join("testdata", filepath.FromSlash(tt.dir)), "")})
		if gpe != tt.gpe || !strings.Contains(why, tt.says) {
			t.Errorf("%s: NotifyingGPE = %d, %q; want %d, %q", tt.dir, gpe, why, tt.gpe, tt.says)
		}
	}
	if gpe, why := NotifyingGPE([]Source{NewACPI(t.TempDir(), "")}); gpe != -1 || !strings.Contains(why, "no DSDT or SSDT") {
		t.Errorf("no tables: NotifyingGPE = %d, %q", gpe, why)
	}
}

// A table that stops loading part way keeps what it declared before the
// fault, with a warning: one bad object does not hide a good device (the
// source used to drop such a table whole and find nothing).
func TestACPIPartlyLoadedTable(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "tables", "name-addr", "DSDT"))
	if err != nil {
		t.Fatal(err)
	}
	// After the device: a Scope whose package length runs past the table.
	body := append(good[acpi.HeaderSize:len(good):len(good)], 0x10, 0x3f, '\\', '_', 'S', 'B', '_')
	tbl, err := acpi.Parse("DSDT", definitionBlock("DSDT", 2, body))
	if err != nil {
		t.Fatal(err)
	}
	src := NewACPITables("test", []*acpi.Table{tbl}, nil, "")
	devs, err := src.Devices()
	if err != nil || len(devs) != 1 || devs[0].PAddr != 0xdfff0 {
		t.Fatalf("Devices() = %+v, %v; want \\_SB.VGEN at 0xdfff0", devs, err)
	}
	if ws := src.Warnings(); len(ws) != 1 || !strings.Contains(ws[0].Error(), "table DSDT left out from offset") {
		t.Errorf("Warnings() = %v, want the rest of the DSDT left out", ws)
	}
}
