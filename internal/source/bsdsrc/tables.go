package bsdsrc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vmgenid/vmgenid/internal/physmem"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// RSDPNodes are the sysctl variables holding the physical address of the
// ACPI Root System Description Pointer, by OS.
var RSDPNodes = map[string]string{
	"netbsd":  "hw.acpi.root",
	"freebsd": "machdep.acpi_root",
}

// Bounds on what ReadTables accepts: far above real firmware (QEMU's q35
// DSDT is 8 KiB), low enough that a corrupt length cannot exhaust memory.
const (
	maxTableLen   = 4 << 20
	maxRootTables = 256
	sdtHeaderLen  = 36
)

// RawTable is one ACPI table copied out of physical memory.
type RawTable struct {
	// Name is the file name Linux would give it in
	// /sys/firmware/acpi/tables: the signature, numbered from 1 when a
	// signature occurs more than once (SSDT1, SSDT2).
	Name string
	Addr uint64 // physical address
	Data []byte // the whole table
}

// TablesError says which structure in physical memory is malformed.
type TablesError struct {
	What   string // "RSDP", "XSDT", "table 3 (SSDT)", …
	Addr   uint64
	Reason string
}

func (e *TablesError) Error() string {
	return fmt.Sprintf("acpi tables in memory: %s at %#x: %s", e.What, e.Addr, e.Reason)
}

// ReadTables copies the ACPI tables out of physical memory, starting at
// the RSDP: every table the XSDT (or, for ACPI 1.0, the RSDT) lists, plus
// the DSDT the FADT points to. The FACS is left out (it has no standard
// header and holds no AML). Checksums are left for the table parser to
// check; lengths and counts are bounded, so a corrupt table is an error
// naming it, never a huge read.
func ReadTables(mem physmem.Reader, rsdp uint64) ([]RawTable, error) {
	var r [36]byte
	if err := mem.ReadPhys(rsdp, r[:20]); err != nil {
		return nil, fmt.Errorf("acpi tables in memory: reading the RSDP at %#x: %w", rsdp, err)
	}
	if string(r[:8]) != "RSD PTR " {
		return nil, &TablesError{What: "RSDP", Addr: rsdp, Reason: fmt.Sprintf("signature %q, want \"RSD PTR \"", r[:8])}
	}
	if sum(r[:20]) != 0 {
		return nil, &TablesError{What: "RSDP", Addr: rsdp, Reason: "checksum of the first 20 bytes is not zero"}
	}
	root, entrySize, rootName := uint64(binary.LittleEndian.Uint32(r[16:20])), 4, "RSDT"
	if r[15] >= 2 {
		if err := mem.ReadPhys(rsdp, r[:]); err != nil {
			return nil, fmt.Errorf("acpi tables in memory: reading the ACPI 2.0 RSDP at %#x: %w", rsdp, err)
		}
		if sum(r[:]) != 0 {
			return nil, &TablesError{What: "RSDP", Addr: rsdp, Reason: "extended checksum is not zero"}
		}
		if x := binary.LittleEndian.Uint64(r[24:32]); x != 0 {
			root, entrySize, rootName = x, 8, "XSDT"
		}
	}
	if root == 0 {
		return nil, &TablesError{What: "RSDP", Addr: rsdp, Reason: "no RSDT or XSDT address"}
	}
	rt, err := readTable(mem, root, rootName)
	if err != nil {
		return nil, err
	}
	if string(rt[:4]) != rootName {
		return nil, &TablesError{What: rootName, Addr: root, Reason: fmt.Sprintf("signature %q", rt[:4])}
	}
	body := rt[sdtHeaderLen:]
	n := len(body) / entrySize
	if n > maxRootTables {
		return nil, &TablesError{What: rootName, Addr: root, Reason: fmt.Sprintf("%d entries, more than the %d allowed", n, maxRootTables)}
	}

	var tables []RawTable
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
		if string(sig[:]) == "FACS" {
			return nil
		}
		data, err := readTable(mem, addr, what)
		if err != nil {
			return err
		}
		tables = append(tables, RawTable{Addr: addr, Data: data})
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
			return nil, err
		}
	}
	// The DSDT is not listed in the root table: the FADT points to it.
	for _, t := range tables {
		if string(t.Data[:4]) != "FACP" {
			continue
		}
		dsdt := uint64(0)
		if len(t.Data) >= 148 {
			dsdt = binary.LittleEndian.Uint64(t.Data[140:148]) // X_DSDT
		}
		if dsdt == 0 && len(t.Data) >= 44 {
			dsdt = uint64(binary.LittleEndian.Uint32(t.Data[40:44]))
		}
		if err := add(dsdt, "DSDT"); err != nil {
			return nil, err
		}
		break
	}
	nameTables(tables)
	return tables, nil
}

// readTable reads a whole table whose header is at addr, in pieces no
// larger than physmem allows.
func readTable(mem physmem.Reader, addr uint64, what string) ([]byte, error) {
	var hdr [sdtHeaderLen]byte
	if err := mem.ReadPhys(addr, hdr[:]); err != nil {
		return nil, fmt.Errorf("acpi tables in memory: %s header at %#x: %w", what, addr, err)
	}
	length := binary.LittleEndian.Uint32(hdr[4:8])
	if length < sdtHeaderLen || length > maxTableLen {
		return nil, &TablesError{What: what, Addr: addr, Reason: fmt.Sprintf("length %d, want %d to %d", length, sdtHeaderLen, maxTableLen)}
	}
	if addr > ^uint64(0)-uint64(length) {
		return nil, &TablesError{What: what, Addr: addr, Reason: "runs past the end of the address space"}
	}
	data := make([]byte, length)
	for off := 0; off < len(data); off += physmem.MaxReadLen {
		end := min(off+physmem.MaxReadLen, len(data))
		if err := mem.ReadPhys(addr+uint64(off), data[off:end]); err != nil {
			return nil, fmt.Errorf("acpi tables in memory: %s at %#x: %w", what, addr, err)
		}
	}
	return data, nil
}

func sum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

// nameTables gives tables Linux's sysfs names: the signature alone when it
// is unique, numbered from 1 otherwise. A signature that is not four
// letters, digits or underscores becomes "UNKN", so that no name can
// reach outside the directory the tables are copied to.
func nameTables(tables []RawTable) {
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

// MemTables is the ACPI-table source over tables read from physical
// memory, for BSD kernels without a VM generation ID driver. The tables
// are copied into a private temporary directory for source.ACPI; Close
// removes it.
type MemTables struct {
	*source.ACPI
	dir  string
	rsdp uint64
}

// Location says where the tables came from.
func (m *MemTables) Location() string {
	return fmt.Sprintf("physical memory (RSDP %#x, copied to %s)", m.rsdp, m.dir)
}

// Close closes the memory file and removes the copied tables.
func (m *MemTables) Close() error {
	return errors.Join(m.ACPI.Close(), os.RemoveAll(m.dir))
}

// NewMemTables finds the RSDP through goos's sysctl (RSDPNodes), copies
// the tables out of memPath, and returns the ACPI source over them.
func NewMemTables(goos string, r sysctl.Reader, memPath string) (*MemTables, error) {
	node, ok := RSDPNodes[goos]
	if !ok {
		return nil, fmt.Errorf("acpi tables in memory: no RSDP sysctl known for %s: %w", goos, errors.ErrUnsupported)
	}
	rsdp, err := sysctl.Uint(r, node)
	if err != nil {
		return nil, fmt.Errorf("acpi tables in memory: finding the RSDP: %w", err)
	}
	if rsdp == 0 {
		return nil, fmt.Errorf("acpi tables in memory: %s is 0: the kernel found no ACPI", node)
	}
	mem, err := physmem.Open(memPath)
	if err != nil {
		return nil, err
	}
	tables, err := ReadTables(mem, rsdp)
	mem.Close()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vmgenid-acpi-")
	if err != nil {
		return nil, fmt.Errorf("acpi tables in memory: %w", err)
	}
	for _, t := range tables {
		if err := os.WriteFile(filepath.Join(dir, t.Name), t.Data, 0o400); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("acpi tables in memory: %w", err)
		}
	}
	return &MemTables{ACPI: source.NewACPI(dir, memPath), dir: dir, rsdp: rsdp}, nil
}
