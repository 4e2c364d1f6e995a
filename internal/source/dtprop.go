package source

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Device-tree property decoding. Properties come from files the kernel
// copied out of the flattened device tree the firmware or hypervisor
// supplied, so every length and count is checked.

// MaxCells bounds #address-cells and #size-cells. The specification's
// buses use at most 3 (PCI); anything above 4 is corrupt.
const MaxCells = 4

// RegEntry is one (address, size) pair of a reg property.
type RegEntry struct {
	Addr, Size uint64
}

// Range is one entry of a ranges property: Size bytes at Child in the
// bus's address space appear at Parent in its parent's.
type Range struct {
	Child, Parent, Size uint64
}

// ParseStringList splits a string-list property (compatible) at its NUL
// bytes. A trailing NUL ends the list; empty strings are dropped.
func ParseStringList(b []byte) []string {
	var out []string
	for _, s := range strings.Split(string(b), "\x00") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ParseCellCount decodes #address-cells or #size-cells: one big-endian
// cell, at most MaxCells.
func ParseCellCount(b []byte) (int, error) {
	if len(b) != 4 {
		return 0, fmt.Errorf("want one 4-byte cell, have %d bytes", len(b))
	}
	v := binary.BigEndian.Uint32(b)
	if v > MaxCells {
		return 0, fmt.Errorf("%d cells: more than %d", v, MaxCells)
	}
	return int(v), nil
}

// cellsValue joins n big-endian cells into one number; more than 64 bits
// of non-zero value is an error.
func cellsValue(b []byte, n int) (uint64, error) {
	var v uint64
	for i := range n {
		c := binary.BigEndian.Uint32(b[4*i:])
		if v>>32 != 0 {
			return 0, fmt.Errorf("%d-cell value %#x… does not fit in 64 bits", n, b[:4*n])
		}
		v = v<<32 | uint64(c)
	}
	return v, nil
}

// ParseReg decodes a reg property with the parent's #address-cells and
// #size-cells.
func ParseReg(b []byte, addrCells, sizeCells int) ([]RegEntry, error) {
	if addrCells < 0 || addrCells > MaxCells || sizeCells < 0 || sizeCells > MaxCells {
		return nil, fmt.Errorf("reg: #address-cells %d, #size-cells %d: outside 0..%d", addrCells, sizeCells, MaxCells)
	}
	if addrCells == 0 {
		return nil, fmt.Errorf("reg: parent's #address-cells is 0: the node has no address")
	}
	stride := 4 * (addrCells + sizeCells)
	if len(b) == 0 || len(b)%stride != 0 {
		return nil, fmt.Errorf("reg: %d bytes is not a whole number of (%d address + %d size)-cell entries", len(b), addrCells, sizeCells)
	}
	out := make([]RegEntry, 0, len(b)/stride)
	for off := 0; off < len(b); off += stride {
		a, err := cellsValue(b[off:], addrCells)
		if err != nil {
			return nil, fmt.Errorf("reg entry at byte %d: address: %w", off, err)
		}
		s, err := cellsValue(b[off+4*addrCells:], sizeCells)
		if err != nil {
			return nil, fmt.Errorf("reg entry at byte %d: size: %w", off, err)
		}
		out = append(out, RegEntry{Addr: a, Size: s})
	}
	return out, nil
}

// ParseRanges decodes a ranges property: child addresses in the bus's own
// #address-cells, parent addresses in its parent's, sizes in the bus's
// #size-cells. An empty property (identity mapping) is an empty list.
func ParseRanges(b []byte, childAddrCells, parentAddrCells, sizeCells int) ([]Range, error) {
	for _, n := range []int{childAddrCells, parentAddrCells, sizeCells} {
		if n < 0 || n > MaxCells {
			return nil, fmt.Errorf("ranges: cell count %d outside 0..%d", n, MaxCells)
		}
	}
	if len(b) == 0 {
		return nil, nil
	}
	stride := 4 * (childAddrCells + parentAddrCells + sizeCells)
	if stride == 0 || len(b)%stride != 0 {
		return nil, fmt.Errorf("ranges: %d bytes is not a whole number of (%d+%d+%d)-cell entries", len(b), childAddrCells, parentAddrCells, sizeCells)
	}
	out := make([]Range, 0, len(b)/stride)
	for off := 0; off < len(b); off += stride {
		c, err := cellsValue(b[off:], childAddrCells)
		if err != nil {
			return nil, fmt.Errorf("ranges entry at byte %d: child address: %w", off, err)
		}
		p, err := cellsValue(b[off+4*childAddrCells:], parentAddrCells)
		if err != nil {
			return nil, fmt.Errorf("ranges entry at byte %d: parent address: %w", off, err)
		}
		s, err := cellsValue(b[off+4*(childAddrCells+parentAddrCells):], sizeCells)
		if err != nil {
			return nil, fmt.Errorf("ranges entry at byte %d: size: %w", off, err)
		}
		out = append(out, Range{Child: c, Parent: p, Size: s})
	}
	return out, nil
}

// translate maps addr through a bus's ranges; identity when the list is
// empty (an empty ranges property).
func translate(addr uint64, ranges []Range) (uint64, bool) {
	if len(ranges) == 0 {
		return addr, true
	}
	for _, r := range ranges {
		if addr >= r.Child && addr-r.Child < r.Size {
			return r.Parent + (addr - r.Child), true
		}
	}
	return 0, false
}
