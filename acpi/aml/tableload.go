package aml

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Load (Object, DDBHandle) loads a definition block that AML finds at run
// time (firmware keeps per-CPU power-management SSDTs in memory and loads
// them from module-level code or _PDC/_OSC): the table is read from a
// SystemMemory OperationRegion, a field or a Buffer, checked, and its
// objects declared as Load declares those of a block, at the root, as
// ACPICA does. Only its reading touches memory, through Options.Memory as
// every field read does. LoadTable (a table from the XSDT, by signature)
// stays unsupported: the evaluator sees only the blocks it was given.

// ddbHandle is what Load stores in its target: the table it loaded.
// ACPICA lists it as a Reference [DdbHandle] whose ObjectType is 15, and
// cannot return it from an evaluation (AE_TYPE).
type ddbHandle struct{ table string }

// tableHeaderSize is the size of an ACPI table header.
const tableHeaderSize = 36

// maxLoadNesting bounds tables loading tables.
const maxLoadNesting = 8

// loadOp runs Load: t.name names the table's source, t.args[0] is the
// DDBHandle target.
func (in *interp) loadOp(t *term, f *frame) (Object, error) {
	src := followAlias(in.ns, in.ns.resolve(f.scope, t.name))
	if src == nil {
		return nil, fmt.Errorf("%w: Load from %s", ErrNotFound, t.name.String())
	}
	data, err := in.tableBytes(src)
	if err != nil {
		return nil, fmt.Errorf("Load from %s: %w", src.Path(), err)
	}
	blk, err := checkTable(data, src)
	if err != nil {
		return nil, fmt.Errorf("Load from %s: %w", src.Path(), err)
	}
	ns := in.ns
	if _, dup := ns.loaded[string(data)]; dup {
		// ACPICA: AE_ALREADY_EXISTS.
		return nil, fmt.Errorf("Load from %s: %s table already loaded", src.Path(), blk.Table)
	}
	if ns.loading >= maxLoadNesting {
		return nil, fmt.Errorf("%w: tables loading tables, %d deep", ErrMaxDepth, ns.loading)
	}
	if ns.loaded == nil {
		ns.loaded = map[string]struct{}{}
	}
	ns.loaded[string(data)] = struct{}{}
	ns.loading++
	err = ns.loadBlock(&blk)
	ns.loading--
	if err != nil {
		return nil, err
	}
	h := ddbHandle{table: blk.Table}
	if a := t.args[0]; a.op == opNameRef {
		// A Name becomes the handle whatever it held, as in ACPICA.
		if n := followAlias(ns, ns.resolve(f.scope, a.name)); n != nil && n.kind == KindName {
			n.value = h
			return Integer(0), nil
		}
	}
	return Integer(0), in.store(h, t.args[0], f)
}

// tableBytes reads the table that Load's source holds: at the start of a
// SystemMemory region (as long as its header says, within the region), or
// the value of a field or Buffer.
func (in *interp) tableBytes(src *Node) ([]byte, error) {
	switch src.kind {
	case KindRegion:
		if src.region().space != 0 {
			return nil, fmt.Errorf("%w: a table in a %s region (ACPI loads tables from SystemMemory)", ErrUnsupported, spaceName(src.region().space))
		}
		base, length, err := in.regionBounds(src)
		if err != nil {
			return nil, err
		}
		hdr := make([]byte, tableHeaderSize)
		if length < tableHeaderSize {
			return nil, fmt.Errorf("region of %d bytes holds no table header", length)
		}
		if err := in.readMemory(base, hdr); err != nil {
			return nil, err
		}
		n := uint64(binary.LittleEndian.Uint32(hdr[4:]))
		if n < tableHeaderSize || n > length {
			return nil, fmt.Errorf("table length %d outside the region's %d bytes", n, length)
		}
		if err := in.allocate(int(n), MaxBufferSize, "table loaded by Load"); err != nil {
			return nil, err
		}
		data := make([]byte, n)
		return data, in.readMemory(base, data)
	case KindName, KindField, KindBufferField:
		v, err := in.readNode(src)
		if err != nil {
			return nil, err
		}
		if b, ok := v.(Buffer); ok {
			return b, nil
		}
		return nil, fmt.Errorf("a table is a Buffer, not a %s", typeName(v))
	}
	return nil, fmt.Errorf("a %s holds no table", src.kind)
}

// readMemory reads SystemMemory at addr, a page at a time (a table may be
// larger than a MemoryReader reads at once). Under Options.ZeroRegions
// memory that cannot be read reads as zeros; what AML wrote there shows
// through, as for fields.
func (in *interp) readMemory(addr uint64, buf []byte) error {
	const chunk = 4096
	for off := 0; off < len(buf); off += chunk {
		p := buf[off:min(off+chunk, len(buf))]
		at := addr + uint64(off)
		var err error
		if mem := in.ns.opts.Memory; mem == nil {
			err = errors.New("no memory reader given (Options.Memory)")
		} else {
			err = mem.ReadPhys(at, p)
		}
		if err != nil {
			if !in.ns.opts.ZeroRegions {
				return fmt.Errorf("reading %d bytes at physical address 0x%x: %w", len(p), at, err)
			}
			clear(p)
		}
		in.overlayShadow(0, at, p)
	}
	return nil
}

// checkTable checks a table Load was given, as ACPICA does: a definition
// block's signature, a length within the bytes and a zero checksum.
func checkTable(data []byte, src *Node) (Block, error) {
	if len(data) < tableHeaderSize {
		return Block{}, fmt.Errorf("%d bytes hold no table header", len(data))
	}
	sig := string(data[:4])
	if sig != "SSDT" && sig != "OSDT" && sig != "PSDT" && !strings.HasPrefix(sig, "OEM") {
		return Block{}, fmt.Errorf("signature %q is not a definition block's", sig)
	}
	n := binary.LittleEndian.Uint32(data[4:])
	if n < tableHeaderSize || uint64(n) > uint64(len(data)) {
		return Block{}, fmt.Errorf("%s length %d outside its %d bytes", sig, n, len(data))
	}
	data = data[:n]
	var sum byte
	for _, b := range data {
		sum += b
	}
	if sum != 0 {
		return Block{}, fmt.Errorf("%s checksum is off by 0x%02x", sig, sum)
	}
	return Block{
		Table:    sig + " loaded from " + src.Path(),
		AML:      data[tableHeaderSize:],
		Base:     tableHeaderSize,
		Revision: data[8],
	}, nil
}
