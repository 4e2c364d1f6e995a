package source

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
	"github.com/vmgenid/vmgenid/genid"
)

// ACPI finds VM generation ID devices in the ACPI namespace, works out
// each one's address by evaluating its ADDR object as NetBSD's
// acpivmgenid(4) does, and reads the ID from physical memory.
//
// The namespace is loaded once, on first use, from a directory laid out
// like /sys/firmware/acpi/tables (NewACPI) or from tables already read
// (NewACPITables: the BSDs' tables in memory); Namespace hands the same
// load to the other users (VMClock, GPE handlers).
//
// The physical-memory file is opened only when something needs it: to
// read an ID, or to evaluate an ADDR kept in a SystemMemory field. Finding
// the devices therefore works on machines without /dev/mem.
type ACPI struct {
	where string
	// loadNS loads the namespace: acpi.LoadDir or acpi.Load.
	loadNS func(aml.Options) (*acpi.Namespace, error)
	mem    *memory
	// amlMem reads SystemMemory regions for the evaluator: mem, except
	// in the fuzz test.
	amlMem aml.MemoryReader
	// maxSteps bounds each load and evaluation; 0 means aml's default.
	// The fuzz test lowers it to keep hostile loops cheap.
	maxSteps int

	mu       sync.Mutex
	loaded   bool
	ns       *acpi.Namespace
	devices  []Device
	warnings []error
	err      error
}

// NewACPI returns the ACPI source for the tables in tablesDir, reading
// physical memory from memPath.
func NewACPI(tablesDir, memPath string) *ACPI {
	return newACPI(tablesDir, func(o aml.Options) (*acpi.Namespace, error) { return acpi.LoadDir(tablesDir, o) }, memPath)
}

// NewACPITables returns the ACPI source for tables already read (from
// physical memory, on the BSDs), with the warnings reading them gave;
// where says where they came from.
func NewACPITables(where string, tables []*acpi.Table, warnings []error, memPath string) *ACPI {
	return newACPI(where, func(o aml.Options) (*acpi.Namespace, error) { return acpi.Load(where, tables, warnings, o) }, memPath)
}

func newACPI(where string, loadNS func(aml.Options) (*acpi.Namespace, error), memPath string) *ACPI {
	mem := newMemory(memPath)
	return &ACPI{where: where, loadNS: loadNS, mem: mem, amlMem: mem}
}

// Kind returns "acpi".
func (s *ACPI) Kind() string { return "acpi" }

// Location returns where the tables come from: the table directory.
func (s *ACPI) Location() string { return s.where }

// Close closes the physical-memory file if it was opened.
func (s *ACPI) Close() error { return s.mem.Close() }

// ReadID reads the device's 16 bytes from physical memory, until two
// consecutive reads agree.
func (s *ACPI) ReadID(d Device) (genid.ID, string, error) { return s.mem.readID(d) }

// Warnings returns what was wrong with the tables without stopping
// discovery: bad checksums, malformed tables left out, _STA methods that
// failed. It is complete once Devices has returned.
func (s *ACPI) Warnings() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.warnings...)
}

// Devices loads the namespace (once; later calls return the same result)
// and returns the present VM generation ID devices in namespace order,
// named acpivmgenid0, acpivmgenid1, ….
func (s *ACPI) Devices() ([]Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return append([]Device(nil), s.devices...), s.err
}

// Namespace returns the namespace Devices found the devices in, loading it
// if Devices has not: the one load every other user of the tables shares.
func (s *ACPI) Namespace() (*acpi.Namespace, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if s.ns == nil {
		return nil, s.err
	}
	return s.ns, nil
}

// load loads the namespace and finds the devices, once. The caller holds
// s.mu.
func (s *ACPI) load() {
	if s.loaded {
		return
	}
	s.loaded = true
	s.ns, s.err = s.loadNS(aml.Options{Memory: s.amlMem, MaxSteps: s.maxSteps})
	if s.err != nil {
		return
	}
	s.warnings = append(s.warnings, s.ns.Warnings...)
	s.devices = s.find(s.ns.Namespace)
}

// find keeps the present devices whose _HID or _CID names a VM generation
// ID device.
func (s *ACPI) find(ns *aml.Namespace) []Device {
	var out []Device
	for _, f := range ns.FindDevices(IsACPIID) {
		for _, err := range f.StatusErrs {
			s.warnings = append(s.warnings, fmt.Errorf("%w (device taken as present)", err))
		}
		if !f.Present() {
			continue
		}
		d := Device{
			Name:   fmt.Sprintf("acpivmgenid%d", len(out)),
			Path:   aml.DisplayPath(f.Node.Path()),
			HID:    f.HID,
			CIDs:   f.CIDs,
			Origin: f.Node.Table(),
		}
		d.PAddr, d.AddrErr = evalADDR(ns, f.Node)
		out = append(out, d)
	}
	return out
}

// evalADDR evaluates the device's ADDR (a Method on QEMU, a Name on
// Firecracker) and validates it as NetBSD's acpivmgenid(4) does: a Package
// of exactly two Integers, each at most 0xFFFFFFFF, the low and the high
// half of the address. The address is then checked by CheckAddr.
func evalADDR(ns *aml.Namespace, dev *aml.Node) (uint64, error) {
	where := aml.DisplayPath(dev.Path()) + ".ADDR"
	n := dev.Child("ADDR")
	if n == nil {
		return 0, fmt.Errorf("%s: no ADDR object", aml.DisplayPath(dev.Path()))
	}
	v, err := ns.Evaluate(n)
	if err != nil {
		return 0, err // it names the object, the table and the offset
	}
	paddr, err := addrFromPackage(v)
	if err != nil {
		return 0, fmt.Errorf("%s (%s in %s): %w", where, n.Kind(), n.Table(), err)
	}
	if err := CheckAddr(paddr); err != nil {
		var w *AddrWarning
		if errors.As(err, &w) {
			return paddr, w
		}
		return paddr, fmt.Errorf("%s (%s in %s): %w", where, n.Kind(), n.Table(), err)
	}
	return paddr, nil
}

// addrFromPackage applies NetBSD's rules to an evaluated ADDR.
func addrFromPackage(v aml.Object) (uint64, error) {
	pkg, ok := v.(*aml.Package)
	if !ok {
		return 0, fmt.Errorf("is %s, want a Package of 2 Integers", aml.TypeName(v))
	}
	if len(pkg.Elements) != 2 {
		return 0, fmt.Errorf("Package has %d elements, want 2 (low and high 32 bits)", len(pkg.Elements))
	}
	var half [2]uint64
	for i, e := range pkg.Elements {
		n, ok := e.(aml.Integer)
		if !ok {
			return 0, fmt.Errorf("element %d is %s, want an Integer", i, aml.TypeName(e))
		}
		if n > 0xFFFFFFFF {
			return 0, fmt.Errorf("element %d is %#x, more than 32 bits", i, uint64(n))
		}
		half[i] = uint64(n)
	}
	return half[0] | half[1]<<32, nil
}

// ACPINamespace returns the namespace of the first source among srcs that
// reads ACPI tables, loading it if nothing has yet: the one load a command
// or the daemon shares between VM generation ID devices, VMClock and GPE
// handlers. It returns nil and no error when no source reads ACPI tables.
func ACPINamespace(srcs []Source) (*acpi.Namespace, error) {
	for _, s := range srcs {
		if a, ok := s.(namespacer); ok {
			return a.Namespace()
		}
	}
	return nil, nil
}

// namespacer is a source that reads ACPI tables: ACPI, and the sources
// that embed it.
type namespacer interface {
	Namespace() (*acpi.Namespace, error)
}

// NotifyingGPE returns the number of the general-purpose event whose
// handler (\_GPE._Exx or _Lxx) notifies the first ACPI device found, and
// which method that is; -1 and why when there is none. Handlers are found
// by decoding the methods' AML (aml.Notifiers), in the namespace the
// sources loaded.
func NotifyingGPE(srcs []Source) (int, string) {
	found, _, err := FindAll(srcs)
	if err != nil {
		return -1, err.Error()
	}
	var dev Device
	for _, f := range found {
		if _, ok := f.Source.(namespacer); ok && strings.HasPrefix(f.Device.Path, `\`) {
			dev = f.Device
			break
		}
	}
	if dev.Path == "" {
		return -1, "no ACPI device"
	}
	ns, err := ACPINamespace(srcs)
	if err != nil || ns == nil {
		return -1, fmt.Sprint("no ACPI namespace: ", err)
	}
	n := ns.Lookup(dev.Path)
	if n == nil {
		return -1, dev.Path + " is not in the namespace"
	}
	handlers, err := ns.Notifiers(n)
	var others []string
	for _, h := range handlers {
		if h.GPE >= 0 {
			return h.GPE, fmt.Sprintf("%s in %s notifies %s", aml.DisplayPath(h.Method.Path()), h.Method.Table(), dev.Path)
		}
		others = append(others, aml.DisplayPath(h.Method.Path()))
	}
	if err != nil {
		return -1, err.Error()
	}
	why := `no \_GPE._Exx or _Lxx method notifies ` + dev.Path
	if len(others) > 0 {
		// Firecracker's Generic Event Device: \_SB.GED._EVT.
		why += " (" + strings.Join(others, ", ") + " does)"
	}
	return -1, why
}
