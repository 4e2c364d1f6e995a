package bsdsrc

import (
	"errors"
	"fmt"

	"github.com/vmgenid/vmgenid/acpi"
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

// MemTables is the ACPI-table source over tables read from physical
// memory (acpi.ReadMemory), for BSD kernels without a VM generation ID
// driver.
type MemTables struct {
	*source.ACPI
	rsdp uint64
}

// Location says where the tables came from.
func (m *MemTables) Location() string {
	return fmt.Sprintf("physical memory (RSDP %#x)", m.rsdp)
}

// NewMemTables finds the RSDP through goos's sysctl (RSDPNodes), reads the
// tables out of memPath, and returns the ACPI source over them.
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
	tables, warnings, err := acpi.ReadMemory(mem, rsdp)
	mem.Close()
	if err != nil {
		return nil, err
	}
	m := &MemTables{rsdp: rsdp}
	m.ACPI = source.NewACPITables(m.Location(), tables, warnings, memPath)
	return m, nil
}
