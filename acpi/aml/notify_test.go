package aml_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// notifierNames lists the notifiers of path as "\_GPE._E05 5" lines.
func notifierNames(t *testing.T, ns *aml.Namespace, path string) []string {
	t.Helper()
	dev := ns.Lookup(path)
	if dev == nil {
		t.Fatalf("%s not in the namespace", path)
	}
	got, err := ns.Notifiers(dev)
	if err != nil {
		t.Fatalf("Notifiers(%s): %v", path, err)
	}
	var out []string
	for _, n := range got {
		out = append(out, aml.DisplayPath(n.Method.Path())+" "+itoa(n.GPE))
	}
	return out
}

func itoa(n int) string {
	if n < 0 {
		return "-"
	}
	return fmt.Sprintf("%#02x", n)
}

func TestNotifiersReal(t *testing.T) {
	tests := []struct {
		dir, dev string
		want     []string
	}{
		// QEMU: \_GPE._E05 (SSDT) notifies VGEN; the DSDT's GPE methods
		// notify other devices.
		{"qemu-q35", `\_SB.VGEN`, []string{`\_GPE._E05 0x05`}},
		{"qemu-pc", `\_SB.VGEN`, []string{`\_GPE._E05 0x05`}},
		// Firecracker: the Generic Event Device's _EVT, no GPE.
		{"firecracker", `\_SB.VGEN`, []string{`\_SB.GED._EVT -`}},
	}
	for _, tt := range tests {
		ns := loadDir(t, "testdata/fixtures/"+tt.dir, aml.Options{})
		if got := notifierNames(t, ns, tt.dev); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Notifiers(%s) = %q, want %q", tt.dir, tt.dev, got, tt.want)
		}
	}
}

func TestNotifiersShapes(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "notify-sta")
	// _E05 names the device absolutely, _L1A through a call, the GED's
	// _EVT inside an If; _Q10 is not a GPE method name. _E07's relative
	// VGEN resolves to \VGEN by the search rules.
	want := []string{`\_GPE._E05 0x05`, `\_GPE._L1A 0x1a`, `\_GPE._Q10 -`, `\_SB.NTFY -`, `\_SB.GED0._EVT -`}
	if got := notifierNames(t, ns, `\_SB.VGEN`); !reflect.DeepEqual(got, want) {
		t.Errorf("Notifiers(\\_SB.VGEN) = %q, want %q", got, want)
	}
	if got, want := notifierNames(t, ns, `\VGEN`), []string{`\_GPE._E07 0x07`}; !reflect.DeepEqual(got, want) {
		t.Errorf("Notifiers(\\VGEN) = %q, want %q", got, want)
	}
	if got := notifierNames(t, ns, `\_SB.FUNC`); len(got) != 0 {
		t.Errorf("Notifiers(\\_SB.FUNC) = %q, want none", got)
	}
}

func TestFindDevicesStatus(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "notify-sta")
	type dev struct {
		Path     string
		Status   uint64
		HiddenBy string
		Present  bool
		Errs     int
	}
	var got []dev
	for _, d := range ns.FindDevices(func(id string) bool { return id == "VMGENCTR" }) {
		got = append(got, dev{aml.DisplayPath(d.Node.Path()), d.Status, d.HiddenBy, d.Present(), len(d.StatusErrs)})
	}
	want := []dev{
		{`\_SB.VGEN`, aml.STADefault, "", true, 0},
		// An enclosing device that is neither present nor functioning
		// hides its children, whatever their own _STA says.
		{`\_SB.HIDE.VGEH`, aml.STADefault, `\_SB.HIDE`, false, 0},
		// Functioning is enough for the children to be enumerated.
		{`\_SB.FUNC.VGEF`, aml.STADefault, "", true, 0},
		// A failing _STA is taken as present, with an error.
		{`\_SB.BADS.VGEB`, 0x0B, "", true, 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FindDevices =\n%+v\nwant\n%+v", got, want)
	}
}
