package vmclock

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/internal/source"
)

func TestPrintStatusFirecrackerTables(t *testing.T) {
	sts := InspectNamespace(loadTables(t, "testdata/firecracker"))
	var b strings.Builder
	PrintStatus(&b, sts)
	want := `
vmclock0 \_SB.VCLK (VMClock)
  _HID       AMZNC10C
  _CID       VMCLOCK
  from       acpi, table DSDT
  _STA       0xf
  page       0xde000, 0x1000 bytes (QWordMemory in _CRS)
  driver     driver binding not checked: the tables in testdata/firecracker are not this machine's
`
	if b.String() != want {
		t.Errorf("PrintStatus:\n%s\nwant:\n%s", b.String(), want)
	}
}

// A bound device whose node is a page-image file: the status shows what
// the page holds.
func TestStatusWithPage(t *testing.T) {
	p := testPage()
	p.VMGenerationCounter = 42
	node := filepath.Join(t.TempDir(), "vmclock0")
	if err := os.WriteFile(node, pageImage(t, p, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	b := Binding{Checked: true, Driver: DriverName, DevNode: node, DevNodes: []string{node}, KernelConfig: "y"}
	b.explain(vclk)
	st := statusOf("vmclock0", vclk, b)
	var out strings.Builder
	PrintStatus(&out, []Status{st})
	for _, want := range []string{
		"driver     bound to driver ptp_vmclock; page offered as " + node,
		"counter    42\n",
		"marker     0x7\n",
		"flags      VM_GEN_COUNTER_PRESENT NOTIFICATION_PRESENT\n",
		"waits by   poll() on " + node,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status does not say %q:\n%s", want, out.String())
		}
	}
	js, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"vm_generation_counter":42`, `"paddr":"0xde000"`, `"driver":"ptp_vmclock"`, `"notifications":true`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON %s lacks %s", js, want)
		}
	}

	// A page that cannot be read says why.
	os.WriteFile(node, []byte("not a page"), 0o644)
	st = statusOf("vmclock0", vclk, b)
	if st.Page != nil || !strings.Contains(st.PageError, "too short") {
		t.Errorf("unreadable page: %+v, %q", st.Page, st.PageError)
	}
}

func ExamplePrintStatus() {
	// The tables are loaded once, by the ACPI source, for the VM
	// generation ID devices and the VMClocks alike.
	src := source.NewACPI("testdata/variants", "testdata/no-memory-file")
	defer src.Close()
	ns, err := src.Namespace()
	if err != nil {
		panic(err)
	}
	PrintStatus(os.Stdout, InspectNamespace(ns)[:1])
	// Output:
	// vmclock0 \_SB.QCLK (VMClock)
	//   _HID       VMCLOCK
	//   from       acpi, table DSDT
	//   _STA       0xf
	//   page       0xfeed0000, 0x1000 bytes (DWordMemory in _CRS)
	//   driver     driver binding not checked: the tables in testdata/variants are not this machine's
}
