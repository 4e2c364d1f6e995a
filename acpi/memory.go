package acpi

import (
	"encoding/binary"
	"fmt"
)

// MemoryReader reads physical memory; internal/physmem's readers satisfy
// it.
type MemoryReader interface {
	ReadPhys(addr uint64, p []byte) error
}

// Bounds on what ReadMemory reads: far above real firmware, low enough
// that a corrupt length or count cannot exhaust memory.
const (
	maxRootTables = 256
	// maxTotal bounds all tables together (real firmware: well under
	// 1 MiB).
	maxTotal = 64 << 20
	// memReadLen is the largest single read: a page, which every
	// physical-memory reader allows.
	memReadLen = 4096
)

// MemoryError says which structure in physical memory is malformed.
type MemoryError struct {
	What   string // "RSDP", "XSDT", "XSDT entry 3", "DSDT", …
	Addr   uint64
	Reason string
}

// Error names the structure, its address and the fault.
func (e *MemoryError) Error() string {
	return fmt.Sprintf("acpi tables in memory: %s at %#x: %s", e.What, e.Addr, e.Reason)
}

// ReadMemory copies the ACPI tables out of physical memory, starting at
// the Root System Description Pointer at rsdp: every table the XSDT (or,
// for ACPI 1.0, the RSDT) lists, plus the DSDT the FADT points to. The
// FACS is left out (it holds no AML). Tables are named as Linux names
// them in /sys/firmware/acpi/tables (SSDT1, SSDT2 when a signature
// repeats) and kept in the order found; Addr says where each was.
//
// Each table goes through Parse, as ReadDir's do: a bad checksum is a
// warning, a malformed table is left out with a warning. The error is for
// what stops the walk: an RSDP or root table that is not one, a read that
// fails, a length or count beyond the bounds (a *MemoryError naming the
// structure), so a corrupt table is never a huge read.
func ReadMemory(mem MemoryReader, rsdp uint64) (tables []*Table, warnings []error, err error) {
	var r [36]byte
	if err := mem.ReadPhys(rsdp, r[:20]); err != nil {
		return nil, nil, fmt.Errorf("acpi tables in memory: reading the RSDP at %#x: %w", rsdp, err)
	}
	if string(r[:8]) != "RSD PTR " {
		return nil, nil, &MemoryError{What: "RSDP", Addr: rsdp, Reason: fmt.Sprintf("signature %q, want \"RSD PTR \"", r[:8])}
	}
	if checksum(r[:20]) != 0 {
		return nil, nil, &MemoryError{What: "RSDP", Addr: rsdp, Reason: "checksum of the first 20 bytes is not zero"}
	}
	root, entrySize, rootName := uint64(binary.LittleEndian.Uint32(r[16:20])), 4, "RSDT"
	if r[15] >= 2 {
		if err := mem.ReadPhys(rsdp, r[:]); err != nil {
			return nil, nil, fmt.Errorf("acpi tables in memory: reading the ACPI 2.0 RSDP at %#x: %w", rsdp, err)
		}
		if checksum(r[:]) != 0 {
			return nil, nil, &MemoryError{What: "RSDP", Addr: rsdp, Reason: "extended checksum is not zero"}
		}
		if x := binary.LittleEndian.Uint64(r[24:32]); x != 0 {
			root, entrySize, rootName = x, 8, "XSDT"
		}
	}
	if root == 0 {
		return nil, nil, &MemoryError{What: "RSDP", Addr: rsdp, Reason: "no RSDT or XSDT address"}
	}
	rt, err := readMemTable(mem, root, rootName)
	if err != nil {
		return nil, nil, err
	}
	if string(rt[:4]) != rootName {
		return nil, nil, &MemoryError{What: rootName, Addr: root, Reason: fmt.Sprintf("signature %q", rt[:4])}
	}
	body := rt[HeaderSize:]
	n := len(body) / entrySize
	if n > maxRootTables {
		return nil, nil, &MemoryError{What: rootName, Addr: root, Reason: fmt.Sprintf("%d entries, more than the %d allowed", n, maxRootTables)}
	}

	var raw []*Table
	total := 0
	seen := map[uint64]bool{}
	add := func(addr uint64, what string) error {
		if addr == 0 || seen[addr] {
			return nil
		}
		seen[addr] = true
		var sig [4]byte
		if err := mem.ReadPhys(addr, sig[:]); err != nil {
			return fmt.Errorf("acpi tables in memory: %s at %#x: %w", what, addr, err)
		}
		if string(sig[:]) == facsSignature {
			return nil
		}
		data, err := readMemTable(mem, addr, what)
		if err != nil {
			return err
		}
		if total += len(data); total > maxTotal {
			return &MemoryError{What: what, Addr: addr, Reason: fmt.Sprintf("the tables so far take more than %d bytes", maxTotal)}
		}
		raw = append(raw, &Table{Addr: addr, Data: data})
		return nil
	}
	for i := range n {
		var addr uint64
		if entrySize == 8 {
			addr = binary.LittleEndian.Uint64(body[i*8:])
		} else {
			addr = uint64(binary.LittleEndian.Uint32(body[i*4:]))
		}
		if err := add(addr, fmt.Sprintf("%s entry %d", rootName, i)); err != nil {
			return nil, nil, err
		}
	}
	// The DSDT is not listed in the root table: the FADT points to it,
	// by X_DSDT (offset 140) or, when that is zero, DSDT (offset 40).
	for _, t := range raw {
		if string(t.Data[:4]) != "FACP" {
			continue
		}
		dsdt := uint64(0)
		if len(t.Data) >= 148 {
			dsdt = binary.LittleEndian.Uint64(t.Data[140:148])
		}
		if dsdt == 0 && len(t.Data) >= 44 {
			dsdt = uint64(binary.LittleEndian.Uint32(t.Data[40:44]))
		}
		if err := add(dsdt, "DSDT"); err != nil {
			return nil, nil, err
		}
		break
	}
	nameTables(raw)
	for _, t := range raw {
		p, err := Parse(t.Name, t.Data)
		if err != nil {
			warnings = append(warnings, err)
		}
		if p != nil {
			p.Addr = t.Addr
			tables = append(tables, p)
		}
	}
	return tables, warnings, nil
}

// readMemTable reads a whole table whose header is at addr, a page at a
// time.
func readMemTable(mem MemoryReader, addr uint64, what string) ([]byte, error) {
	var hdr [HeaderSize]byte
	if err := mem.ReadPhys(addr, hdr[:]); err != nil {
		return nil, fmt.Errorf("acpi tables in memory: %s header at %#x: %w", what, addr, err)
	}
	length := binary.LittleEndian.Uint32(hdr[offLength:])
	if length < HeaderSize || length > MaxTableSize {
		return nil, &MemoryError{What: what, Addr: addr, Reason: fmt.Sprintf("length %d, want %d to %d", length, HeaderSize, MaxTableSize)}
	}
	if addr > ^uint64(0)-uint64(length) {
		return nil, &MemoryError{What: what, Addr: addr, Reason: "runs past the end of the address space"}
	}
	// Grown as reads succeed, so that a corrupt length costs memory only
	// where there is memory to read.
	var data []byte
	var page [memReadLen]byte
	for off := uint64(0); off < uint64(length); off += memReadLen {
		chunk := page[:min(memReadLen, uint64(length)-off)]
		if err := mem.ReadPhys(addr+off, chunk); err != nil {
			return nil, fmt.Errorf("acpi tables in memory: %s at %#x: %w", what, addr, err)
		}
		data = append(data, chunk...)
	}
	return data, nil
}

// nameTables gives tables Linux's sysfs names: the signature alone when it
// is unique, numbered from 1 otherwise. A signature that is not four
// letters, digits or underscores becomes "UNKN", so that a name is always
// a plain file name.
func nameTables(tables []*Table) {
	count := map[string]int{}
	sigs := make([]string, len(tables))
	for i, t := range tables {
		sig := string(t.Data[:4])
		for _, c := range t.Data[:4] {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				sig = "UNKN"
				break
			}
		}
		sigs[i] = sig
		count[sig]++
	}
	next := map[string]int{}
	for i := range tables {
		if count[sigs[i]] == 1 {
			tables[i].Name = sigs[i]
			continue
		}
		next[sigs[i]]++
		tables[i].Name = fmt.Sprintf("%s%d", sigs[i], next[sigs[i]])
	}
}

// checksum returns the byte sum of b: zero for a valid table.
func checksum(b []byte) uint8 {
	var s uint8
	for _, c := range b {
		s += c
	}
	return s
}
