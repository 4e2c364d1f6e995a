package aml

import (
	"errors"
	"fmt"
)

// regionSpaceNames names the operation region address spaces.
var regionSpaceNames = map[byte]string{
	0: "SystemMemory", 1: "SystemIO", 2: "PCI_Config", 3: "EmbeddedControl", 4: "SMBus",
	5: "SystemCMOS", 6: "PciBarTarget", 7: "IPMI", 8: "GeneralPurposeIO", 9: "GenericSerialBus",
	0x0A: "PCC", 0x7F: "FFixedHW", 0xFF: "DataTable",
}

// noHandler returns an ErrNoHandler error if region rn is in an OEM-defined
// address space: 0x80 up, below the 0xFF this package gives
// DataTableRegions.
func noHandler(field, rn *Node) error {
	if sp := rn.region().space; sp >= 0x80 && sp != 0xFF {
		return fmt.Errorf("%w: field %s is in region %s, of OEM address space 0x%02X", ErrNoHandler, field.Path(), rn.Path(), sp)
	}
	return nil
}

func spaceName(s byte) string {
	if n, ok := regionSpaceNames[s]; ok {
		return n
	}
	return fmt.Sprintf("address space 0x%02X", s)
}

// accessBytes is the access width in bytes for a field AccessType.
func accessBytes(a byte) uint64 {
	switch a {
	case 2:
		return 2
	case 3:
		return 4
	case 4:
		return 8
	}
	return 1
}

// regionBounds returns the region's offset and length, evaluating them
// if declare could not.
func (in *interp) regionBounds(rn *Node) (base, length uint64, err error) {
	ri := rn.region()
	if !ri.resolved {
		if err := in.resolveRegion(rn, &frame{scope: ri.scope}); err != nil {
			return 0, 0, err
		}
	}
	return ri.base, ri.length, nil
}

// resolveRegion evaluates the region's offset and length in frame f.
// declare resolves a region when the OperationRegion runs, as ACPICA does;
// one whose operands could not be evaluated then (memory not readable at
// load) is resolved here on first use.
func (in *interp) resolveRegion(rn *Node, f *frame) error {
	ri := rn.region()
	if ri.offTerm == nil {
		return fmt.Errorf("%w: %s region %s", ErrUnsupported, spaceName(ri.space), rn.Path())
	}
	base, err := in.evalInt(ri.offTerm, f)
	if err != nil {
		return fmt.Errorf("offset of region %s: %w", rn.Path(), err)
	}
	length, err := in.evalInt(ri.lenTerm, f)
	if err != nil {
		return fmt.Errorf("length of region %s: %w", rn.Path(), err)
	}
	ri.base, ri.length, ri.resolved = base, length, true
	return nil
}

// unreadableError marks a field read that failed only because this
// evaluator cannot read the region (another address space, an IndexField,
// no memory reader, a failed memory read): Options.ZeroRegions turns it
// into zeros.
type unreadableError struct{ err error }

func (e unreadableError) Error() string { return e.err.Error() }
func (e unreadableError) Unwrap() error { return e.err }

// readField reads a field unit: an Integer if it fits, else a Buffer. With
// Options.ZeroRegions, a region that cannot be read reads as zeros.
func (in *interp) readField(n *Node) (Object, error) {
	v, err := in.readRegionField(n)
	var u unreadableError
	if err != nil && in.ns.opts.ZeroRegions && errors.As(err, &u) {
		return in.readShadow(n)
	}
	return v, err
}

// fieldSpan is where an access to a Field unit goes: its region, the
// address of the first byte and the byte range within the region.
type fieldSpan struct {
	rn         *Node
	addr       uint64
	start, end uint64
}

// locateField finds the span of Field unit n (not IndexField/BankField).
func (in *interp) locateField(n *Node) (fieldSpan, error) {
	fi := n.field()
	rn := followAlias(in.ns, in.ns.resolve(fi.scope, fi.region))
	if rn == nil {
		return fieldSpan{}, fmt.Errorf("%w: region %s of field %s", ErrNotFound, fi.region, n.Path())
	}
	if rn.kind != KindRegion {
		return fieldSpan{}, fmt.Errorf("field %s: %s is a %s, not an OperationRegion", n.Path(), rn.Path(), rn.kind)
	}
	base, length, err := in.regionBounds(rn)
	if err != nil {
		return fieldSpan{}, err
	}
	if fi.bitWidth == 0 {
		return fieldSpan{}, fmt.Errorf("field %s has zero width", n.Path())
	}
	ab := accessBytes(fi.access)
	startByte := fi.bitOffset / 8 / ab * ab
	endByte := (fi.bitOffset + fi.bitWidth + 7) / 8
	endByte = (endByte + ab - 1) / ab * ab
	if endByte-startByte > maxFieldBytes {
		return fieldSpan{}, fmt.Errorf("%w: field %s is %d bits wide (limit %d bytes)", ErrTooLarge, n.Path(), fi.bitWidth, maxFieldBytes)
	}
	if endByte > length {
		return fieldSpan{}, fmt.Errorf("field %s (bytes 0x%x-0x%x) lies outside region %s (0x%x bytes)", n.Path(), startByte, endByte, rn.Path(), length)
	}
	addr := base + startByte
	if addr < base || addr+(endByte-startByte) < addr {
		return fieldSpan{}, fmt.Errorf("field %s: address overflows", n.Path())
	}
	return fieldSpan{rn: rn, addr: addr, start: startByte, end: endByte}, nil
}

// shadowKey is one byte of an address space, as written under
// Options.ZeroRegions.
type shadowKey struct {
	space byte
	addr  uint64
}

// overlayShadow puts over buf (the bytes at addr in space) what AML wrote
// there under Options.ZeroRegions.
func (in *interp) overlayShadow(space byte, addr uint64, buf []byte) {
	if len(in.ns.shadow) == 0 {
		return
	}
	for i := range buf {
		if b, ok := in.ns.shadow[shadowKey{space, addr + uint64(i)}]; ok {
			buf[i] = b
		}
	}
}

// readShadow reads a field of a region that cannot be read: zeros, with
// what AML wrote there over them, as acpiexec's simulated regions do.
func (in *interp) readShadow(n *Node) (Object, error) {
	switch n.field().kind {
	case opIndexField:
		if v, err := in.readIndexField(n); err == nil {
			return v, nil
		}
		return in.zeroField(n)
	case opBankField:
		if err := in.selectBank(n); err != nil {
			return nil, err
		}
	}
	sp, err := in.locateField(n)
	if err != nil {
		return in.zeroField(n)
	}
	if err := in.allocate(int(sp.end-sp.start), maxFieldBytes, "field read"); err != nil {
		return nil, err
	}
	buf := make([]byte, sp.end-sp.start)
	in.overlayShadow(sp.rn.region().space, sp.addr, buf)
	return in.extractBits(buf, n.field().bitOffset-sp.start*8, n.field().bitWidth), nil
}

// writeField stores v into a field unit. Nothing is ever written to an
// operation region: with Options.ZeroRegions the bytes go to a shadow of
// the address space kept in the namespace, read back by later reads (what
// acpiexec's simulated regions do); otherwise writing is unsupported.
func (in *interp) writeField(n *Node, v Object) error {
	fi := n.field()
	if in.ns.opts.ZeroRegions && fi.kind == opIndexField {
		return in.writeIndexField(n, v)
	}
	if !in.ns.opts.ZeroRegions || fi.kind == opIndexField {
		return fmt.Errorf("%w: writing field %s (this evaluator never writes to operation regions)", ErrUnsupported, n.Path())
	}
	if fi.kind == opBankField {
		if err := in.selectBank(n); err != nil {
			return err
		}
	}
	sp, err := in.locateField(n)
	if err != nil {
		return err
	}
	if err := noHandler(n, sp.rn); err != nil {
		return err
	}
	if err := in.allocate(int(sp.end-sp.start)*2, 2*maxFieldBytes, "field write"); err != nil {
		return err
	}
	buf := make([]byte, sp.end-sp.start)
	in.overlayShadow(sp.rn.region().space, sp.addr, buf)
	if err := in.insertBits(buf, fi.bitOffset-sp.start*8, fi.bitWidth, v); err != nil {
		return err
	}
	if in.ns.shadow == nil {
		in.ns.shadow = map[shadowKey]byte{}
	}
	for i, b := range buf {
		in.ns.shadow[shadowKey{sp.rn.region().space, sp.addr + uint64(i)}] = b
	}
	return nil
}

// zeroField is what reading a field gives when its region reads as zeros.
func (in *interp) zeroField(n *Node) (Object, error) {
	w := n.field().bitWidth
	if w == 0 || w > 8*maxFieldBytes {
		return nil, fmt.Errorf("%w: field %s is %d bits wide (limit %d bytes)", ErrTooLarge, n.Path(), w, maxFieldBytes)
	}
	if err := in.allocate(int(w+7)/8, maxFieldBytes, "field read"); err != nil {
		return nil, err
	}
	return in.extractBits(make([]byte, (w+7)/8), 0, w), nil
}

// readRegionField reads a field unit of a SystemMemory operation region
// through Options.Memory.
func (in *interp) readRegionField(n *Node) (Object, error) {
	fi := n.field()
	if fi.kind != opField {
		return nil, unreadableError{fmt.Errorf("%w: reading %s of %s", ErrUnsupported, opLabel(fi.kind), n.Path())}
	}
	rn := followAlias(in.ns, in.ns.resolve(fi.scope, fi.region))
	if rn != nil && rn.kind == KindRegion && rn.region().space != 0 {
		if err := noHandler(n, rn); err != nil {
			return nil, err
		}
		return nil, unreadableError{fmt.Errorf("%w: field %s is in %s region %s; only SystemMemory is read",
			ErrUnsupported, n.Path(), spaceName(rn.region().space), rn.Path())}
	}
	sp, err := in.locateField(n)
	if err != nil {
		return nil, err
	}
	addr, startByte, endByte := sp.addr, sp.start, sp.end
	mem := in.ns.opts.Memory
	if mem == nil {
		return nil, unreadableError{fmt.Errorf("field %s is in SystemMemory at 0x%x: no memory reader given (Options.Memory)", n.Path(), addr)}
	}
	if err := in.allocate(int(endByte-startByte), maxFieldBytes, "field read"); err != nil {
		return nil, err
	}
	if err := in.work(int(fi.bitWidth)); err != nil { // bit-by-bit extraction below
		return nil, err
	}
	buf := make([]byte, endByte-startByte)
	if err := mem.ReadPhys(addr, buf); err != nil {
		return nil, unreadableError{fmt.Errorf("field %s: reading %d bytes at physical address 0x%x: %w", n.Path(), len(buf), addr, err)}
	}
	in.overlayShadow(0, addr, buf)
	return in.extractBits(buf, fi.bitOffset-startByte*8, fi.bitWidth), nil
}

// extractBits returns width bits of buf starting at bit off: an Integer if
// they fit the namespace's integer width, else a Buffer.
func (in *interp) extractBits(buf []byte, off, width uint64) Object {
	if off%8 == 0 && width%8 == 0 && width > uint64(in.ns.IntegerWidth()) {
		return append(Buffer(nil), buf[off/8:(off+width)/8]...)
	}
	if width <= uint64(in.ns.IntegerWidth()) {
		var v uint64
		for i := uint64(0); i < width; i++ {
			b := off + i
			if buf[b/8]>>(b%8)&1 != 0 {
				v |= 1 << i
			}
		}
		return Integer(v)
	}
	out := make(Buffer, (width+7)/8)
	for i := uint64(0); i < width; i++ {
		b := off + i
		if buf[b/8]>>(b%8)&1 != 0 {
			out[i/8] |= 1 << (i % 8)
		}
	}
	return out
}

// bindBufferField evaluates the source buffer, index and width of a buffer
// field in frame f.
func (in *interp) bindBufferField(bf *bufferField, f *frame) error {
	src, err := in.eval(bf.srcTerm, f)
	if err != nil {
		return err
	}
	if src, err = in.deref(src); err != nil {
		return err
	}
	buf, ok := src.(Buffer)
	if !ok {
		return fmt.Errorf("buffer field source is a %s, not a Buffer", typeName(src))
	}
	idx, err := in.evalInt(bf.idxTerm, f)
	if err != nil {
		return err
	}
	var off, width uint64
	switch bf.op {
	case opCreateBit:
		off, width = idx, 1
	case opCreateByte:
		off, width = idx*8, 8
	case opCreateWord:
		off, width = idx*8, 16
	case opCreateDWord:
		off, width = idx*8, 32
	case opCreateQWord:
		off, width = idx*8, 64
	case opCreateField:
		off = idx
		if width, err = in.evalInt(bf.bitsTerm, f); err != nil {
			return err
		}
	}
	if idx > 1<<40 || width == 0 || width > 8*maxFieldBytes || off+width > uint64(len(buf))*8 {
		return fmt.Errorf("buffer field of %d bits at bit %d does not fit a %d-byte buffer", width, off, len(buf))
	}
	bf.buf, bf.bitOff, bf.bitWidth, bf.bound = buf, off, width, true
	return nil
}

func (in *interp) boundField(n *Node) (*bufferField, error) {
	bf := n.bfield()
	if !bf.bound {
		if err := in.bindBufferField(bf, &frame{scope: bf.scope}); err != nil {
			return nil, fmt.Errorf("buffer field %s: %w", n.Path(), err)
		}
	}
	return bf, nil
}

func (in *interp) readBufferField(n *Node) (Object, error) {
	bf, err := in.boundField(n)
	if err != nil {
		return nil, err
	}
	if err := in.work(int(bf.bitWidth)); err != nil {
		return nil, err
	}
	return in.extractBits(bf.buf, bf.bitOff, bf.bitWidth), nil
}

// writeBufferField writes into the buffer a buffer field was created on
// (memory of the evaluator, never physical memory).
func (in *interp) writeBufferField(n *Node, v Object) error {
	bf, err := in.boundField(n)
	if err != nil {
		return err
	}
	return in.insertBits(bf.buf, bf.bitOff, bf.bitWidth, v)
}

// insertBits writes v, converted to width bits, into dst at bit off. A
// Buffer or String is written as its bytes, whatever the width, as
// ACPICA's AcpiExWriteDataToField does (a 7-byte Buffer into a 56-bit
// field keeps all seven bytes, even with 32-bit integers).
func (in *interp) insertBits(dst []byte, off, width uint64, v Object) error {
	if err := in.work(int(width)); err != nil {
		return err
	}
	v, err := in.deref(v)
	if err != nil {
		return err
	}
	var src []byte
	switch b := v.(type) {
	case Buffer:
		src = b
	case String:
		src = []byte(b)
	default:
		i, err := in.toInt(v)
		if err != nil {
			return err
		}
		src = make([]byte, 8)
		for k := range src {
			src[k] = byte(i >> (8 * k))
		}
	}
	for i := uint64(0); i < width; i++ {
		var bit byte
		if i/8 < uint64(len(src)) {
			bit = src[i/8] >> (i % 8) & 1
		}
		d := off + i
		if d/8 >= uint64(len(dst)) {
			return errors.New("bit field outside its buffer")
		}
		dst[d/8] = dst[d/8]&^(1<<(d%8)) | bit<<(d%8)
	}
	return nil
}

// selectBank writes the bank value of BankField unit n to its bank
// register, as ACPICA does before each access (only under
// Options.ZeroRegions, where the register is a shadow too). The value is
// evaluated once, in the scope the BankField was declared in.
func (in *interp) selectBank(n *Node) error {
	// Registers may name each other in a circle (a BankField's bank
	// register an IndexField whose index is that BankField).
	if err := in.enter(); err != nil {
		return err
	}
	defer in.leave()
	fl := n.field().fieldList
	if !fl.bankSet {
		v, err := in.evalInt(fl.bankTerm, &frame{scope: fl.scope})
		if err != nil {
			return fmt.Errorf("bank value of %s: %w", n.Path(), err)
		}
		fl.bank, fl.bankSet = v, true
	}
	reg := followAlias(in.ns, in.ns.resolve(fl.scope, fl.data))
	if reg == nil || reg.kind != KindField || reg.field().kind == opBankField {
		return fmt.Errorf("BankField %s: bank register %s is not a field of a region or an IndexField", n.Path(), fl.data)
	}
	return in.storeNode(Integer(fl.bank), reg)
}

// indexRegisters resolves the index and data fields of IndexField unit n.
func (in *interp) indexRegisters(n *Node) (index, data *Node, err error) {
	fi := n.field()
	index = followAlias(in.ns, in.ns.resolve(fi.scope, fi.region))
	data = followAlias(in.ns, in.ns.resolve(fi.scope, fi.data))
	if index == nil || data == nil || index.kind != KindField || data.kind != KindField || data.field().kind == opIndexField {
		return nil, nil, fmt.Errorf("IndexField %s: index %s or data %s is not a field", n.Path(), fi.region, fi.data)
	}
	return index, data, nil
}

// indexSpan is the byte range an access to IndexField unit n covers, in
// whole data of its access width.
func indexSpan(fi fieldInfo) (start, end, ab uint64, err error) {
	ab = accessBytes(fi.access)
	start = fi.bitOffset / 8 / ab * ab
	end = ((fi.bitOffset+fi.bitWidth+7)/8 + ab - 1) / ab * ab
	if fi.bitWidth == 0 || end-start > maxFieldBytes {
		return 0, 0, 0, fmt.Errorf("%w: index field of %d bits", ErrTooLarge, fi.bitWidth)
	}
	return start, end, ab, nil
}

// readIndexField reads IndexField unit n as ACPICA does: for each datum,
// the datum's byte offset is written to the index field, then the data
// field is read. Only under Options.ZeroRegions, where both go to the
// shadow (nothing is ever written to a region).
func (in *interp) readIndexField(n *Node) (Object, error) {
	buf, start, err := in.readIndexBytes(n)
	if err != nil {
		return nil, err
	}
	return in.extractBits(buf, n.field().bitOffset-start*8, n.field().bitWidth), nil
}

// readIndexBytes reads the whole data an IndexField unit covers; start is
// the byte offset of the first.
func (in *interp) readIndexBytes(n *Node) (buf []byte, start uint64, err error) {
	index, data, err := in.indexRegisters(n)
	if err != nil {
		return nil, 0, err
	}
	start, end, ab, err := indexSpan(n.field())
	if err != nil {
		return nil, 0, err
	}
	if err := in.allocate(int(end-start), maxFieldBytes, "field read"); err != nil {
		return nil, 0, err
	}
	buf = make([]byte, end-start)
	for d := start; d < end; d += ab {
		if err := in.step(); err != nil {
			return nil, 0, err
		}
		if err := in.storeNode(Integer(d), index); err != nil {
			return nil, 0, err
		}
		v, err := in.readField(data)
		if err != nil {
			return nil, 0, err
		}
		x, err := in.toInt(v)
		if err != nil {
			return nil, 0, err
		}
		for k := uint64(0); k < ab && k < 8; k++ {
			buf[d-start+k] = byte(x >> (8 * k))
		}
	}
	return buf, start, nil
}

// writeIndexField writes IndexField unit n as ACPICA does: the data it
// covers are read, merged with v, and written back datum by datum through
// the index and data fields.
func (in *interp) writeIndexField(n *Node, v Object) error {
	index, data, err := in.indexRegisters(n)
	if err != nil {
		return err
	}
	start, end, ab, err := indexSpan(n.field())
	if err != nil {
		return err
	}
	buf, _, err := in.readIndexBytes(n)
	if err != nil {
		return err
	}
	if err := in.insertBits(buf, n.field().bitOffset-start*8, n.field().bitWidth, v); err != nil {
		return err
	}
	for d := start; d < end; d += ab {
		if err := in.step(); err != nil {
			return err
		}
		var x uint64
		for k := uint64(0); k < ab && k < 8; k++ {
			x |= uint64(buf[d-start+k]) << (8 * k)
		}
		if err := in.storeNode(Integer(d), index); err != nil {
			return err
		}
		if err := in.storeNode(Integer(x), data); err != nil {
			return err
		}
	}
	return nil
}
