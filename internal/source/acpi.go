package source

import (
	"errors"
	"fmt"
	"sync"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
	"github.com/vmgenid/vmgenid/genid"
)

// ACPI finds VM generation ID devices in the ACPI tables of a directory
// laid out like /sys/firmware/acpi/tables, works out each one's address by
// evaluating its ADDR object as NetBSD's acpivmgenid(4) does, and reads
// the ID from physical memory.
//
// The physical-memory file is opened only when something needs it: to
// read an ID, or to evaluate an ADDR kept in a SystemMemory field. Finding
// the devices therefore works on machines without /dev/mem.
type ACPI struct {
	dir string
	mem *memory
	// amlMem reads SystemMemory regions for the evaluator: mem, except
	// in the fuzz test.
	amlMem aml.MemoryReader
	// maxSteps bounds each load and evaluation; 0 means aml's default.
	// The fuzz test lowers it to keep hostile loops cheap.
	maxSteps int

	mu       sync.Mutex
	loaded   bool
	devices  []Device
	warnings []error
	err      error
}

// NewACPI returns the ACPI source for the tables in tablesDir, reading
// physical memory from memPath.
func NewACPI(tablesDir, memPath string) *ACPI {
	mem := newMemory(memPath)
	return &ACPI{dir: tablesDir, mem: mem, amlMem: mem}
}

// Kind returns "acpi".
func (s *ACPI) Kind() string { return "acpi" }

// Location returns the table directory.
func (s *ACPI) Location() string { return s.dir }

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

// Devices loads the tables (once; later calls return the same result) and
// returns the present VM generation ID devices in namespace order, named
// acpivmgenid0, acpivmgenid1, ….
func (s *ACPI) Devices() ([]Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		s.devices, s.err = s.scan()
		s.loaded = true
	}
	return append([]Device(nil), s.devices...), s.err
}

func (s *ACPI) scan() ([]Device, error) {
	tables, warnings, err := acpi.ReadDir(s.dir)
	if err != nil {
		if len(tables) == 0 {
			return nil, fmt.Errorf("acpi tables %s: %w", s.dir, err)
		}
		// Some tables were malformed and left out; the rest can
		// still hold the device.
		s.warnings = append(s.warnings, err)
	}
	s.warnings = append(s.warnings, warnings...)
	return s.discover(tables)
}

// discover builds the namespace from the tables' definition blocks and
// finds the devices in it.
func (s *ACPI) discover(tables []*acpi.Table) ([]Device, error) {
	var blocks []aml.Block
	for _, t := range acpi.DefinitionBlocks(tables) {
		blocks = append(blocks, aml.Block{Table: t.Name, AML: t.AML(), Base: acpi.HeaderSize, Revision: t.Revision})
	}
	if len(blocks) == 0 {
		return nil, fmt.Errorf("acpi tables %s: no DSDT or SSDT among %d tables", s.dir, len(tables))
	}
	ns, err := s.load(blocks)
	if err != nil {
		return nil, fmt.Errorf("acpi tables %s: %w", s.dir, err)
	}
	return s.find(ns), nil
}

// load builds the namespace. A block that cannot be decoded is left out
// (with a warning) and the rest loaded again, so that one broken SSDT does
// not hide a device defined elsewhere.
func (s *ACPI) load(blocks []aml.Block) (*aml.Namespace, error) {
	opts := aml.Options{Memory: s.amlMem, MaxSteps: s.maxSteps}
	for len(blocks) > 0 {
		ns, err := aml.Load(blocks, opts)
		if err == nil {
			return ns, nil
		}
		var ae *aml.Error
		drop := -1
		if errors.As(err, &ae) {
			for i, b := range blocks {
				if b.Table == ae.Table {
					drop = i
					break
				}
			}
		}
		if drop < 0 {
			return nil, err
		}
		s.warnings = append(s.warnings, fmt.Errorf("table %s left out: %w", ae.Table, err))
		blocks = append(blocks[:drop:drop], blocks[drop+1:]...)
	}
	return nil, errors.New("no definition block could be decoded")
}

// find walks the namespace's devices in order and keeps the present ones
// whose _HID or _CID names a VM generation ID device.
func (s *ACPI) find(ns *aml.Namespace) []Device {
	var out []Device
	present := map[*aml.Node]bool{}
	for _, n := range ns.Devices() {
		hid, cids := ns.DeviceIDs(n)
		match := IsACPIID(hid)
		for _, c := range cids {
			match = match || IsACPIID(c)
		}
		// _STA is evaluated only for matches (and their enclosing
		// devices): other devices' _STA methods read registers of
		// hardware that is none of our business.
		if !match || !s.enumerable(ns, n, present) {
			continue
		}
		d := Device{
			Name:   fmt.Sprintf("acpivmgenid%d", len(out)),
			Path:   aml.DisplayPath(n.Path()),
			HID:    hid,
			CIDs:   cids,
			Origin: n.Table(),
		}
		d.PAddr, d.AddrErr = evalADDR(ns, n)
		out = append(out, d)
	}
	return out
}

// Bits of _STA.
const (
	staPresent    = 1 << 0
	staFunctional = 1 << 3
)

// enumerable reports whether the device is present (_STA bit 0, or no
// _STA) and every enclosing device lets its children be enumerated
// (present or functioning, as ACPI and Linux have it). Results are
// memoised in present.
func (s *ACPI) enumerable(ns *aml.Namespace, n *aml.Node, present map[*aml.Node]bool) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if p.Kind() != aml.KindDevice {
			continue
		}
		sta := s.status(ns, p)
		if sta&(staPresent|staFunctional) == 0 {
			return false
		}
	}
	if v, ok := present[n]; ok {
		return v
	}
	v := s.status(ns, n)&staPresent != 0
	present[n] = v
	return v
}

// status evaluates a device's _STA; a device without one is present and
// functioning (0x0F). A _STA that fails is taken as 0x0F too, with a
// warning: hiding a device because of our evaluator would be worse.
func (s *ACPI) status(ns *aml.Namespace, n *aml.Node) uint64 {
	sta := n.Child("_STA")
	if sta == nil {
		return 0x0F
	}
	v, err := ns.Evaluate(sta)
	if err != nil {
		s.warnings = append(s.warnings, fmt.Errorf("%w (device taken as present)", err))
		return 0x0F
	}
	i, ok := v.(aml.Integer)
	if !ok {
		s.warnings = append(s.warnings, fmt.Errorf("%s._STA is %s, not an Integer (device taken as present)", aml.DisplayPath(n.Path()), aml.TypeName(v)))
		return 0x0F
	}
	return uint64(i)
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
