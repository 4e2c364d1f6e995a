// Package acpi reads ACPI tables from a directory laid out like Linux's
// /sys/firmware/acpi/tables (the tables at the top level: DSDT, SSDT,
// SSDT1, FACP, …, and the tables the firmware loaded later in dynamic/),
// or from physical memory through the RSDP (ReadMemory: the BSDs, whose
// kernels do not export the tables), and loads the ACPI namespace from
// them once (Load, LoadDir) for every user: the VM generation ID and
// VMClock sources, and the GPE handler search. It knows nothing of the
// devices they look for: internal/source (which owns the one load of a
// command or daemon), internal/vmclock and internal/acpiinspect search the
// namespace it returns with acpi/aml.
//
// Each table is validated the way an operating system validates it: the
// 36-byte System Description Table header must be complete and its length
// must match the file, or the table is rejected with a *FormatError; a bad
// checksum only earns a *ChecksumError warning, because Linux uses such
// tables too. FACS has no SDT header (only a signature and a length) and no
// checksum, so it is checked for those two fields only.
package acpi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// HeaderSize is the size of the System Description Table header that starts
// every ACPI table except FACS.
const HeaderSize = 36

// MaxTableSize bounds how much of a table file is read. Real tables are at
// most a few hundred KiB; anything larger is not an ACPI table.
const MaxTableSize = 16 << 20

// Offsets of the SDT header fields (ACPI 6.5, table 5.4).
const (
	offSignature       = 0
	offLength          = 4
	offRevision        = 8
	offChecksum        = 9
	offOEMID           = 10
	offOEMTableID      = 16
	offOEMRevision     = 24
	offCreatorID       = 28
	offCreatorRevision = 32
)

// facsSignature names the one table without an SDT header.
const facsSignature = "FACS"

// Table is one ACPI table as read from a file.
type Table struct {
	// Name is the file's path relative to the table directory, with
	// forward slashes: "DSDT", "SSDT1", "dynamic/SSDT2".
	Name string
	// Signature is the table's 4-character signature: "DSDT", "SSDT", "FACS", …
	Signature string
	// Revision, Checksum, OEMID, OEMTableID, OEMRevision, CreatorID and
	// CreatorRevision are the SDT header fields; zero for FACS. The string
	// fields keep their padding spaces but lose trailing NUL bytes.
	Revision        uint8
	Checksum        uint8
	OEMID           string
	OEMTableID      string
	OEMRevision     uint32
	CreatorID       string
	CreatorRevision uint32
	// Data is the whole table as read, header included.
	Data []byte
	// Addr is the table's physical address when it was read from memory
	// (ReadMemory); 0 when it was read from a file.
	Addr uint64
}

// IsDefinitionBlock reports whether the table holds AML (DSDT or SSDT).
func (t *Table) IsDefinitionBlock() bool {
	return t.Signature == "DSDT" || t.Signature == "SSDT"
}

// AML returns the definition block body, the AML code after the 36-byte
// header, or nil if the table is not a DSDT or SSDT.
func (t *Table) AML() []byte {
	if !t.IsDefinitionBlock() || len(t.Data) < HeaderSize {
		return nil
	}
	return t.Data[HeaderSize:]
}

// FormatError says why a table file is not a valid ACPI table.
type FormatError struct {
	Table  string // the table's name (path relative to the directory)
	Offset int    // byte offset in the file of the field at fault
	Reason string
}

// Error describes the fault, naming the table and the offset.
func (e *FormatError) Error() string {
	return fmt.Sprintf("acpi table %s: offset %d: %s", e.Table, e.Offset, e.Reason)
}

// ChecksumError is the warning for a table whose bytes do not sum to zero.
// The table is still usable: Linux loads such tables too.
type ChecksumError struct {
	Table  string // the table's name
	Stored uint8  // the checksum byte in the header
	Want   uint8  // the checksum byte that would make the table sum to zero
}

// Error describes the checksum mismatch, naming the table.
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("acpi table %s: bad checksum 0x%02x, want 0x%02x (table used anyway)", e.Table, e.Stored, e.Want)
}

// Parse validates one table's bytes and decodes its header. name is used in
// errors and kept in Table.Name.
//
// A truncated header, a length field that does not match len(data), or a
// signature that is not printable ASCII is a *FormatError and the table is
// nil. A bad checksum returns the table together with a *ChecksumError,
// which callers should treat as a warning.
func Parse(name string, data []byte) (*Table, error) {
	if len(data) < 8 {
		return nil, &FormatError{Table: name, Offset: len(data),
			Reason: fmt.Sprintf("truncated header: %d bytes, need at least 8 for signature and length", len(data))}
	}
	sig := data[offSignature : offSignature+4]
	for i, c := range sig {
		if c < 0x20 || c > 0x7e {
			return nil, &FormatError{Table: name, Offset: offSignature + i,
				Reason: fmt.Sprintf("signature %q is not printable ASCII", sig)}
		}
	}
	length := binary.LittleEndian.Uint32(data[offLength:])
	if uint64(length) != uint64(len(data)) {
		return nil, &FormatError{Table: name, Offset: offLength,
			Reason: fmt.Sprintf("header says length %d but the file has %d bytes", length, len(data))}
	}
	t := &Table{Name: name, Signature: string(sig), Data: data}
	if t.Signature == facsSignature {
		// FACS: signature and length only, no checksum over the table.
		return t, nil
	}
	if len(data) < HeaderSize {
		return nil, &FormatError{Table: name, Offset: len(data),
			Reason: fmt.Sprintf("truncated header: %d bytes, an SDT header has %d", len(data), HeaderSize)}
	}
	t.Revision = data[offRevision]
	t.Checksum = data[offChecksum]
	t.OEMID = headerString(data[offOEMID : offOEMID+6])
	t.OEMTableID = headerString(data[offOEMTableID : offOEMTableID+8])
	t.OEMRevision = binary.LittleEndian.Uint32(data[offOEMRevision:])
	t.CreatorID = headerString(data[offCreatorID : offCreatorID+4])
	t.CreatorRevision = binary.LittleEndian.Uint32(data[offCreatorRevision:])
	if sum := checksum(data); sum != 0 {
		return t, &ChecksumError{Table: name, Stored: t.Checksum, Want: t.Checksum - sum}
	}
	return t, nil
}

// headerString trims the NUL padding some firmwares use in header strings.
func headerString(b []byte) string {
	return strings.TrimRight(string(b), "\x00")
}

// ReadDir reads every table in dir and in dir/dynamic, skipping other
// subdirectories (such as data/) and anything that is not a regular file.
// Tables come back in name order, top level first.
//
// A table that fails Parse with a *FormatError is left out and its error is
// joined into err; tables with a bad checksum are returned and their
// *ChecksumError is listed in warnings. err is also set if dir cannot be
// read; tables then is nil. Callers can use the returned tables even when
// err reports a malformed one.
func ReadDir(dir string) (tables []*Table, warnings []error, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("acpi: reading table directory: %w", err)
	}
	var errs []error
	read := func(dirPath, prefix string, entries []os.DirEntry) {
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			name := prefix + e.Name()
			data, rerr := readTableFile(filepath.Join(dirPath, e.Name()))
			if rerr != nil {
				errs = append(errs, fmt.Errorf("acpi table %s: %w", name, rerr))
				continue
			}
			t, perr := Parse(name, data)
			var ce *ChecksumError
			switch {
			case perr == nil:
			case errors.As(perr, &ce):
				warnings = append(warnings, perr)
			default:
				errs = append(errs, perr)
				continue
			}
			tables = append(tables, t)
		}
	}
	read(dir, "", entries)
	dynDir := filepath.Join(dir, "dynamic")
	if fi, serr := os.Lstat(dynDir); serr == nil && fi.IsDir() {
		dyn, derr := os.ReadDir(dynDir)
		if derr != nil {
			errs = append(errs, fmt.Errorf("acpi: reading dynamic tables: %w", derr))
		} else {
			read(dynDir, "dynamic/", dyn)
		}
	}
	sort.SliceStable(tables, func(i, j int) bool { return lessName(tables[i].Name, tables[j].Name) })
	return tables, warnings, errors.Join(errs...)
}

// readTableFile reads a table file, refusing files larger than MaxTableSize.
func readTableFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxTableSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxTableSize {
		return nil, fmt.Errorf("file larger than %d bytes: not an ACPI table", MaxTableSize)
	}
	return data, nil
}

// lessName orders table names as Linux numbers them: top-level before
// dynamic/, then by signature, then by instance number (SSDT < SSDT1 <
// SSDT2 < SSDT10).
func lessName(a, b string) bool {
	da, db := path.Dir(a), path.Dir(b)
	if da != db {
		if da == "." {
			return true
		}
		if db == "." {
			return false
		}
		return da < db
	}
	pa, na := splitInstance(path.Base(a))
	pb, nb := splitInstance(path.Base(b))
	if pa != pb {
		return pa < pb
	}
	if na != nb {
		return na < nb
	}
	return a < b
}

// splitInstance splits "SSDT12" into "SSDT" and 12; a name without digits
// has instance 0.
func splitInstance(name string) (string, int) {
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	if i == len(name) {
		return name, 0
	}
	n, err := strconv.Atoi(name[i:])
	if err != nil || n < 0 {
		return name, 0
	}
	return name[:i], n
}

// DefinitionBlocks returns the tables that hold AML in the order the
// namespace is built: the DSDT first, then the SSDTs in name order.
func DefinitionBlocks(tables []*Table) []*Table {
	var dsdt, ssdt []*Table
	for _, t := range tables {
		switch t.Signature {
		case "DSDT":
			dsdt = append(dsdt, t)
		case "SSDT":
			ssdt = append(ssdt, t)
		}
	}
	sort.SliceStable(dsdt, func(i, j int) bool { return lessName(dsdt[i].Name, dsdt[j].Name) })
	sort.SliceStable(ssdt, func(i, j int) bool { return lessName(ssdt[i].Name, ssdt[j].Name) })
	return append(dsdt, ssdt...)
}
