package source

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/vmgenid/vmgenid/genid"
)

// Limits on walking a device-tree directory: real trees have a few hundred
// nodes a dozen levels deep; the limits stop a loop or a hostile tree.
const (
	maxTreeDepth   = 32
	maxTreeNodes   = 20000
	maxPropertyLen = 64 << 10
)

// DeviceTree finds VM generation ID nodes (compatible "microsoft,vmgenid")
// in a directory laid out like /sys/firmware/devicetree/base, as arm64
// guests have (Firecracker, Linux 6.10 and later), and reads the ID from
// physical memory at the node's reg address.
type DeviceTree struct {
	dir string
	mem *memory
}

// NewDeviceTree returns the device-tree source for the tree in dir, reading
// IDs from the physical-memory file memPath (opened on first read).
func NewDeviceTree(dir, memPath string) *DeviceTree {
	return &DeviceTree{dir: dir, mem: newMemory(memPath)}
}

// Kind returns "devicetree".
func (t *DeviceTree) Kind() string { return "devicetree" }

// Location returns the directory the tree is read from.
func (t *DeviceTree) Location() string { return t.dir }

// Close closes the physical-memory file if it was opened.
func (t *DeviceTree) Close() error { return t.mem.Close() }

// ReadID reads the device's 16 bytes from physical memory, until two
// consecutive reads agree.
func (t *DeviceTree) ReadID(d Device) (genid.ID, string, error) { return t.mem.readID(d) }

// dtNode is what the walk keeps of each ancestor of the node it is in.
type dtNode struct {
	path      string // "/", "/soc", …
	addrCells int    // #address-cells for its children
	sizeCells int    // #size-cells for its children
	hasRanges bool
	ranges    []byte
}

// Devices walks the tree and returns every enabled node whose compatible
// list contains microsoft,vmgenid, in directory order.
func (t *DeviceTree) Devices() ([]Device, error) {
	st, err := os.Stat(t.dir)
	if err != nil {
		return nil, fmt.Errorf("devicetree: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("devicetree: %s is not a directory", t.dir)
	}
	w := &dtWalk{root: t.dir}
	if err := w.walk("/", nil, 0); err != nil {
		return nil, err
	}
	return w.found, nil
}

type dtWalk struct {
	root  string
	nodes int
	found []Device
}

func (w *dtWalk) file(node, prop string) string {
	return filepath.Join(w.root, filepath.FromSlash(node), prop)
}

// property reads one property file; ok is false if the node has none.
func (w *dtWalk) property(node, prop string) (data []byte, ok bool, err error) {
	f, err := os.Open(w.file(node, prop))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("devicetree: %w", err)
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, maxPropertyLen+1))
	if err != nil {
		return nil, false, fmt.Errorf("devicetree: %s: %w", w.file(node, prop), err)
	}
	if len(data) > maxPropertyLen {
		return nil, false, fmt.Errorf("devicetree: %s: longer than %d bytes", w.file(node, prop), maxPropertyLen)
	}
	return data, true, nil
}

// cellCount reads #address-cells or #size-cells of node, def if absent.
func (w *dtWalk) cellCount(node, prop string, def int) (int, error) {
	b, ok, err := w.property(node, prop)
	if err != nil || !ok {
		return def, err
	}
	n, err := ParseCellCount(b)
	if err != nil {
		return 0, fmt.Errorf("devicetree: %s: %w", w.file(node, prop), err)
	}
	return n, nil
}

func (w *dtWalk) walk(node string, ancestors []dtNode, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("devicetree: %s: nested deeper than %d levels", w.file(node, ""), maxTreeDepth)
	}
	w.nodes++
	if w.nodes > maxTreeNodes {
		return fmt.Errorf("devicetree: %s: more than %d nodes", w.root, maxTreeNodes)
	}
	// The specification's defaults when a bus does not say: 2 and 1.
	ac, err := w.cellCount(node, "#address-cells", 2)
	if err != nil {
		return err
	}
	sc, err := w.cellCount(node, "#size-cells", 1)
	if err != nil {
		return err
	}
	ranges, hasRanges, err := w.property(node, "ranges")
	if err != nil {
		return err
	}
	self := dtNode{path: node, addrCells: ac, sizeCells: sc, hasRanges: hasRanges, ranges: ranges}

	if err := w.check(node, ancestors); err != nil {
		return err
	}

	entries, err := os.ReadDir(w.file(node, ""))
	if err != nil {
		return fmt.Errorf("devicetree: %w", err)
	}
	chain := append(ancestors[:len(ancestors):len(ancestors)], self)
	for _, e := range entries {
		// Nodes are directories; symbolic links are not followed so a
		// loop cannot make the walk endless.
		if !e.IsDir() {
			continue
		}
		if err := w.walk(path.Join(node, e.Name()), chain, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// check adds node to the found list if it is an enabled VM generation ID
// node. ancestors ends with its parent.
func (w *dtWalk) check(node string, ancestors []dtNode) error {
	compat, ok, err := w.property(node, "compatible")
	if err != nil || !ok {
		return err
	}
	list := ParseStringList(compat)
	match := false
	var others []string
	for _, c := range list {
		if c == DeviceTreeCompatible {
			match = true
		} else {
			others = append(others, c)
		}
	}
	if !match {
		return nil
	}
	if status, ok, err := w.property(node, "status"); err != nil {
		return err
	} else if ok {
		s := strings.TrimRight(string(status), "\x00")
		if s != "okay" && s != "ok" {
			return nil // disabled, like an ACPI device whose _STA says absent
		}
	}
	d := Device{
		Name:   fmt.Sprintf("acpivmgenid%d", len(w.found)),
		Path:   node,
		HID:    DeviceTreeCompatible,
		CIDs:   others,
		Origin: "devicetree",
	}
	d.PAddr, d.AddrErr = w.address(node, ancestors)
	if d.AddrErr == nil {
		d.AddrErr = CheckAddr(d.PAddr)
	}
	w.found = append(w.found, d)
	return nil
}

// address decodes the node's first reg entry with its parent's cell
// counts and translates it through every ancestor bus's ranges up to the
// root.
func (w *dtWalk) address(node string, ancestors []dtNode) (uint64, error) {
	if len(ancestors) == 0 {
		return 0, fmt.Errorf("devicetree: the root node cannot be the device")
	}
	reg, ok, err := w.property(node, "reg")
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("devicetree: %s: no reg property", w.file(node, ""))
	}
	parent := ancestors[len(ancestors)-1]
	entries, err := ParseReg(reg, parent.addrCells, parent.sizeCells)
	if err != nil {
		return 0, fmt.Errorf("devicetree: %s: %w", w.file(node, "reg"), err)
	}
	e := entries[0]
	if parent.sizeCells > 0 && e.Size < genid.Size {
		return 0, fmt.Errorf("devicetree: %s: region of %d bytes at %#x is smaller than the %d-byte ID", w.file(node, "reg"), e.Size, e.Addr, genid.Size)
	}
	addr := e.Addr
	// Walk up: the address is in bus ancestors[i]'s space; its ranges
	// map it into ancestors[i-1]'s.
	for i := len(ancestors) - 1; i > 0; i-- {
		bus, up := ancestors[i], ancestors[i-1]
		if !bus.hasRanges {
			return 0, fmt.Errorf("devicetree: %s has no ranges property: addresses on it are not memory addresses", w.file(bus.path, ""))
		}
		rs, err := ParseRanges(bus.ranges, bus.addrCells, up.addrCells, bus.sizeCells)
		if err != nil {
			return 0, fmt.Errorf("devicetree: %s: %w", w.file(bus.path, "ranges"), err)
		}
		t, ok := translate(addr, rs)
		if !ok {
			return 0, fmt.Errorf("devicetree: %s: address %#x is outside every range of %s", w.file(node, "reg"), addr, bus.path)
		}
		addr = t
	}
	return addr, nil
}
