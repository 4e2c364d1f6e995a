package vmclock

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/internal/source"
)

// Status is what "vmgenid status" shows about one VMClock device; its JSON
// form goes into the --json report.
type Status struct {
	Name      string   `json:"name"` // vmclock0, vmclock1, … in namespace order
	Path      string   `json:"path"` // \_SB.VCLK
	HID       string   `json:"hid"`
	CIDs      []string `json:"cids,omitempty"`
	Table     string   `json:"table"`
	STA       string   `json:"sta"`                  // "0xf"
	STAError  string   `json:"sta_error,omitempty"`  // why _STA could not be evaluated
	PAddr     string   `json:"paddr,omitempty"`      // "0xde000"
	Length    string   `json:"length,omitempty"`     // "0x1000"
	Resource  string   `json:"resource,omitempty"`   // "QWordMemory"
	AddrError string   `json:"addr_error,omitempty"` // why there is no (usable) address
	// DriverChecked is false when the binding could not be asked (other
	// OS, or tables that are not this machine's).
	DriverChecked bool      `json:"driver_checked"`
	Driver        string    `json:"driver,omitempty"`
	DevNode       string    `json:"dev_node,omitempty"`
	KernelConfig  string    `json:"kernel_config,omitempty"`
	Note          string    `json:"note"`
	Page          *PageInfo `json:"page,omitempty"`
	PageError     string    `json:"page_error,omitempty"`
}

// PageInfo is the page as read through the device.
type PageInfo struct {
	Version           uint16   `json:"version"`
	Size              uint32   `json:"size"`
	SeqCount          uint32   `json:"seq_count"`
	Flags             []string `json:"flags"`
	DisruptionMarker  uint64   `json:"disruption_marker"`
	GenerationCounter *uint64  `json:"vm_generation_counter,omitempty"` // nil when the hypervisor keeps none
	Notifications     bool     `json:"notifications"`
}

// InspectNamespace reports the VMClock devices in an already loaded
// namespace and, when its tables are this machine's own (ns.Where is
// source.DefaultACPITables), whether a driver is bound to each and what
// the page holds.
func InspectNamespace(ns *acpi.Namespace) []Status {
	devs := Discover(ns.Namespace)
	live := sameDir(ns.Where, source.DefaultACPITables)
	out := make([]Status, 0, len(devs))
	for i, d := range devs {
		var b Binding
		if live {
			b = CheckBinding(d)
		} else {
			b.Note = fmt.Sprintf("driver binding not checked: the tables in %s are not this machine's", ns.Where)
		}
		out = append(out, statusOf(fmt.Sprintf("vmclock%d", i), d, b))
	}
	return out
}

// statusOf puts a device, its binding and (when there is a device node)
// its page into a Status.
func statusOf(name string, d Device, b Binding) Status {
	st := Status{
		Name: name, Path: d.Path, HID: d.HID, CIDs: d.CIDs, Table: d.Table,
		STA:           fmt.Sprintf("%#x", d.Status),
		Resource:      d.Resource,
		DriverChecked: b.Checked,
		Driver:        b.Driver,
		DevNode:       b.DevNode,
		KernelConfig:  b.KernelConfig,
		Note:          b.Note,
	}
	if d.StatusErr != nil {
		st.STAError = d.StatusErr.Error()
	}
	if d.Length != 0 || d.PAddr != 0 {
		st.PAddr, st.Length = fmt.Sprintf("%#x", d.PAddr), fmt.Sprintf("%#x", d.Length)
	}
	if d.AddrErr != nil {
		st.AddrError = d.AddrErr.Error()
	}
	if b.DevNode != "" {
		st.Page, st.PageError = readPageInfo(b.DevNode)
	}
	return st
}

func readPageInfo(path string) (*PageInfo, string) {
	c, err := Open(path)
	if err != nil {
		return nil, err.Error()
	}
	defer c.Close()
	p, err := c.Read()
	if err != nil {
		return nil, err.Error()
	}
	info := &PageInfo{
		Version: p.Version, Size: p.Size, SeqCount: p.SeqCount,
		Flags: FlagNames(p.Flags), DisruptionMarker: p.DisruptionMarker,
		Notifications: p.HasNotifications(),
	}
	if info.Flags == nil {
		info.Flags = []string{}
	}
	if p.HasGenerationCounter() {
		g := p.VMGenerationCounter
		info.GenerationCounter = &g
	}
	return info, ""
}

// sameDir reports whether a and b name the same directory.
func sameDir(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// PrintStatus writes the devices in the layout of "vmgenid status": a
// blank line, then a header line and indented fields per device.
func PrintStatus(w io.Writer, sts []Status) {
	for _, s := range sts {
		fmt.Fprintf(w, "\n%s %s (VMClock)\n", s.Name, s.Path)
		field := func(k, v string) { fmt.Fprintf(w, "  %-10s %s\n", k, v) }
		field("_HID", orNone(s.HID))
		if len(s.CIDs) > 0 {
			field("_CID", strings.Join(s.CIDs, ", "))
		}
		field("from", "acpi, table "+s.Table)
		sta := s.STA
		if s.STAError != "" {
			sta += " (assumed: " + s.STAError + ")"
		}
		field("_STA", sta)
		switch {
		case s.PAddr != "" && s.AddrError != "":
			field("page", fmt.Sprintf("%s, %s bytes (%s in _CRS; warning: %s)", s.PAddr, s.Length, s.Resource, s.AddrError))
		case s.PAddr != "":
			field("page", fmt.Sprintf("%s, %s bytes (%s in _CRS)", s.PAddr, s.Length, s.Resource))
		default:
			field("page", "unknown: "+s.AddrError)
		}
		field("driver", s.Note)
		switch {
		case s.Page != nil:
			gen := "none (VM_GEN_COUNTER_PRESENT unset)"
			if s.Page.GenerationCounter != nil {
				gen = fmt.Sprint(*s.Page.GenerationCounter)
			}
			field("counter", gen)
			field("marker", fmt.Sprintf("%#x", s.Page.DisruptionMarker))
			field("flags", orNone(strings.Join(s.Page.Flags, " ")))
			if s.Page.Notifications {
				field("waits by", "poll() on "+s.DevNode+" (the hypervisor notifies)")
			} else {
				field("waits by", "reading "+s.DevNode+" periodically (no notifications)")
			}
		case s.PageError != "":
			field("counter", "not read: "+s.PageError)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
