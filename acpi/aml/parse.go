package aml

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// blockInfo is a loaded definition block.
type blockInfo struct {
	table string
	aml   []byte
	base  int
}

// Opcodes. Extended opcodes (0x5B prefix) are 0x5Bxx; the synthetic ones
// the decoder produces for names, locals, args and calls are 0xF0xx.
const (
	opZero          = 0x00
	opOne           = 0x01
	opAlias         = 0x06
	opName          = 0x08
	opBytePrefix    = 0x0A
	opWordPrefix    = 0x0B
	opDWordPrefix   = 0x0C
	opStringPrefix  = 0x0D
	opQWordPrefix   = 0x0E
	opScope         = 0x10
	opBuffer        = 0x11
	opPackage       = 0x12
	opVarPackage    = 0x13
	opMethod        = 0x14
	opExternal      = 0x15
	opDualName      = 0x2E
	opMultiName     = 0x2F
	opExtPrefix     = 0x5B
	opRootChar      = 0x5C
	opParentChar    = 0x5E
	opStore         = 0x70
	opRefOf         = 0x71
	opAdd           = 0x72
	opConcat        = 0x73
	opSubtract      = 0x74
	opIncrement     = 0x75
	opDecrement     = 0x76
	opMultiply      = 0x77
	opDivide        = 0x78
	opShiftLeft     = 0x79
	opShiftRight    = 0x7A
	opAnd           = 0x7B
	opNand          = 0x7C
	opOr            = 0x7D
	opNor           = 0x7E
	opXor           = 0x7F
	opNot           = 0x80
	opFindSetLeft   = 0x81
	opFindSetRight  = 0x82
	opDerefOf       = 0x83
	opConcatRes     = 0x84
	opMod           = 0x85
	opNotify        = 0x86
	opSizeOf        = 0x87
	opIndex         = 0x88
	opMatch         = 0x89
	opCreateDWord   = 0x8A
	opCreateWord    = 0x8B
	opCreateByte    = 0x8C
	opCreateBit     = 0x8D
	opObjectType    = 0x8E
	opCreateQWord   = 0x8F
	opLAnd          = 0x90
	opLOr           = 0x91
	opLNot          = 0x92
	opLEqual        = 0x93
	opLGreater      = 0x94
	opLLess         = 0x95
	opToBuffer      = 0x96
	opToDecString   = 0x97
	opToHexString   = 0x98
	opToInteger     = 0x99
	opToString      = 0x9C
	opCopyObject    = 0x9D
	opMid           = 0x9E
	opContinue      = 0x9F
	opIf            = 0xA0
	opElse          = 0xA1
	opWhile         = 0xA2
	opNoop          = 0xA3
	opReturn        = 0xA4
	opBreak         = 0xA5
	opBreakPoint    = 0xCC
	opOnes          = 0xFF
	opMutex         = 0x5B01
	opEvent         = 0x5B02
	opCondRefOf     = 0x5B12
	opCreateField   = 0x5B13
	opLoadTable     = 0x5B1F
	opLoad          = 0x5B20
	opStall         = 0x5B21
	opSleep         = 0x5B22
	opAcquire       = 0x5B23
	opSignal        = 0x5B24
	opWait          = 0x5B25
	opReset         = 0x5B26
	opRelease       = 0x5B27
	opFromBCD       = 0x5B28
	opToBCD         = 0x5B29
	opUnload        = 0x5B2A
	opRevision      = 0x5B30
	opDebug         = 0x5B31
	opFatal         = 0x5B32
	opTimer         = 0x5B33
	opOpRegion      = 0x5B80
	opField         = 0x5B81
	opDevice        = 0x5B82
	opProcessor     = 0x5B83
	opPowerRes      = 0x5B84
	opThermalZone   = 0x5B85
	opIndexField    = 0x5B86
	opBankField     = 0x5B87
	opDataRegion    = 0x5B88
	opInteger       = 0xF001 // any integer constant
	opString        = 0xF002 // string constant
	opNameRef       = 0xF003 // a NameString read as a value
	opCall          = 0xF004 // method invocation
	opLocal         = 0xF005 // Local0-7
	opArg           = 0xF006 // Arg0-6
	opNullTarget    = 0xF007 // NullName as a Target
	opPkgLength     = 0xF008 // for errors only
	opNameString    = 0xF009 // for errors only
	opFieldList     = 0xF00A // for errors only
	opResourceDescr = 0xF00B // for errors only
)

// opSpec describes the operands of an opcode without special syntax:
// T TermArg, S SuperName, R Target, N NameString, b byte, w word, d dword.
type opSpec struct {
	name string
	args string
}

var opSpecs = map[uint16]opSpec{
	opZero: {"Zero", ""}, opOne: {"One", ""}, opOnes: {"Ones", ""},
	opBytePrefix: {"BytePrefix", ""}, opWordPrefix: {"WordPrefix", ""}, opDWordPrefix: {"DWordPrefix", ""},
	opQWordPrefix: {"QWordPrefix", ""}, opStringPrefix: {"String", ""},
	opAlias: {"Alias", "NN"}, opName: {"Name", "NT"}, opScope: {"Scope", ""}, opBuffer: {"Buffer", ""},
	opPackage: {"Package", ""}, opVarPackage: {"VarPackage", ""}, opMethod: {"Method", ""},
	opExternal: {"External", "Nbb"},
	opStore:    {"Store", "TS"}, opRefOf: {"RefOf", "S"}, opAdd: {"Add", "TTR"},
	opConcat: {"Concatenate", "TTR"}, opSubtract: {"Subtract", "TTR"}, opIncrement: {"Increment", "S"},
	opDecrement: {"Decrement", "S"}, opMultiply: {"Multiply", "TTR"}, opDivide: {"Divide", "TTRR"},
	opShiftLeft: {"ShiftLeft", "TTR"}, opShiftRight: {"ShiftRight", "TTR"}, opAnd: {"And", "TTR"},
	opNand: {"NAnd", "TTR"}, opOr: {"Or", "TTR"}, opNor: {"NOr", "TTR"}, opXor: {"XOr", "TTR"},
	opNot: {"Not", "TR"}, opFindSetLeft: {"FindSetLeftBit", "TR"}, opFindSetRight: {"FindSetRightBit", "TR"},
	opDerefOf: {"DerefOf", "T"}, opConcatRes: {"ConcatenateResTemplate", "TTR"}, opMod: {"Mod", "TTR"},
	opNotify: {"Notify", "ST"}, opSizeOf: {"SizeOf", "S"}, opIndex: {"Index", "TTR"},
	opMatch: {"Match", "TbTbTT"}, opCreateDWord: {"CreateDWordField", "TTN"},
	opCreateWord: {"CreateWordField", "TTN"}, opCreateByte: {"CreateByteField", "TTN"},
	opCreateBit: {"CreateBitField", "TTN"}, opObjectType: {"ObjectType", "S"},
	opCreateQWord: {"CreateQWordField", "TTN"}, opLAnd: {"LAnd", "TT"}, opLOr: {"LOr", "TT"},
	opLNot: {"LNot", "T"}, opLEqual: {"LEqual", "TT"}, opLGreater: {"LGreater", "TT"},
	opLLess: {"LLess", "TT"}, opToBuffer: {"ToBuffer", "TR"}, opToDecString: {"ToDecimalString", "TR"},
	opToHexString: {"ToHexString", "TR"}, opToInteger: {"ToInteger", "TR"}, opToString: {"ToString", "TTR"},
	opCopyObject: {"CopyObject", "TS"}, opMid: {"Mid", "TTTR"}, opContinue: {"Continue", ""},
	opIf: {"If", ""}, opElse: {"Else", ""}, opWhile: {"While", ""}, opNoop: {"Noop", ""},
	opReturn: {"Return", "T"}, opBreak: {"Break", ""}, opBreakPoint: {"BreakPoint", ""},
	opMutex: {"Mutex", "Nb"}, opEvent: {"Event", "N"}, opCondRefOf: {"CondRefOf", "SR"},
	opCreateField: {"CreateField", "TTTN"}, opLoadTable: {"LoadTable", "TTTTTT"},
	opLoad: {"Load", "NR"}, opStall: {"Stall", "T"}, opSleep: {"Sleep", "T"},
	opAcquire: {"Acquire", "Sw"}, opSignal: {"Signal", "S"}, opWait: {"Wait", "ST"},
	opReset: {"Reset", "S"}, opRelease: {"Release", "S"}, opFromBCD: {"FromBCD", "TR"},
	opToBCD: {"ToBCD", "TR"}, opUnload: {"Unload", "S"}, opRevision: {"Revision", ""},
	opDebug: {"Debug", ""}, opFatal: {"Fatal", "bdT"}, opTimer: {"Timer", ""},
	opOpRegion: {"OperationRegion", "NbTT"}, opField: {"Field", ""}, opDevice: {"Device", ""},
	opProcessor: {"Processor", ""}, opPowerRes: {"PowerResource", ""}, opThermalZone: {"ThermalZone", ""},
	opIndexField: {"IndexField", ""}, opBankField: {"BankField", ""},
	opDataRegion: {"DataTableRegion", "NTTT"},
	opInteger:    {"Integer", ""}, opString: {"String", ""}, opNameRef: {"NameString", ""},
	opCall: {"MethodCall", ""}, opLocal: {"Local", ""}, opArg: {"Arg", ""}, opNullTarget: {"NullName", ""},
	opPkgLength: {"PkgLength", ""}, opNameString: {"NameString", ""}, opFieldList: {"FieldList", ""},
	opResourceDescr: {"ResourceDescriptor", ""},
}

func opLabel(op uint16) string {
	if s, ok := opSpecs[op]; ok {
		return s.name
	}
	if op>>8 == opExtPrefix {
		return fmt.Sprintf("opcode 0x5B 0x%02X", op&0xFF)
	}
	return fmt.Sprintf("opcode 0x%02X", op)
}

// term is one decoded AML term.
type term struct {
	op    uint16
	off   int // offset in blk.aml
	blk   *blockInfo
	args  []*term
	imm   [2]uint64 // byte/word/dword operands (no opcode has more)
	name  namePath  // NameString operand (the declared name for named objects)
	name2 namePath  // second NameString (Alias, IndexField, BankField)
	node  *Node     // opCall: the method
	val   uint64    // constants, Local/Arg index, Package NumElements, flags
	str   string
	data  []byte  // Buffer initializer
	body  []*term // Package elements; statements of a block in eager mode
	els   []*term // Else statements, in eager mode
	// Where the statements of a Method, If, While, Else or scope-opening
	// object lie in blk.aml; for an If, the Else's too. Code is decoded
	// as it runs (see runBody), so only the parser's eager mode fills
	// body and els with them.
	bodyStart, bodyEnd int
	elseStart, elseEnd int
	hasElse            bool
	fields             []fieldUnit
}

// fieldUnit is one named entry of a field list, 24 bytes: a list can
// have hundreds.
type fieldUnit struct {
	name      [4]byte
	off       int32  // offset in blk.aml, as Node.offset
	bitOffset uint32 // fieldTerm refuses lists longer than 2^32 bits
	bitWidth  uint32 // from a PkgLength: at most 2^28
	access    byte
}

// fieldTooLong is the error for a field list that reaches past bit
// 2^32, where ACPICA stops too (its field positions are 32 bits).
func fieldTooLong(bit uint64) error {
	return fmt.Errorf("%w: field list reaches bit %d, past 2^32", ErrTooLarge, bit)
}

// parser decodes AML from one block. It shares the step and depth budget of
// the interpreter that runs it.
type parser struct {
	in    *interp
	blk   *blockInfo
	aml   []byte
	pos   int
	end   int
	scope *Node   // for deciding whether a name is a method call
	mlc   *interp // runs module-level code (Load only)
	frame *frame  // the frame Load declares objects in (Load only)
	// lazy leaves the statements of If, While, Else and scope-opening
	// objects undecoded (their bounds are in the term): code that runs
	// decodes them when it gets there, as ACPICA does, so that a name
	// resolves against the objects the statements before it created.
	// Walkers that never run code (Notifiers) decode eagerly.
	lazy bool
	// terms counts the terms decoded (and charged) since the last refund.
	terms int
}

func newParser(in *interp, blk *blockInfo, start, end int, scope *Node) *parser {
	return &parser{in: in, blk: blk, aml: blk.aml, pos: start, end: end, scope: scope}
}

// errAtOffset locates err at offset off of blk, in opcode op, unless it is
// already located.
func errAtOffset(blk *blockInfo, off int, op uint16, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Table: blk.table, Offset: blk.base + off, Opcode: opLabel(op), Err: err}
}

// termArena hands out terms and takes them back in stack order. Code is
// decoded a statement at a time and dropped once it has run (runBody,
// Load's term lists), so the same few terms serve every statement instead
// of each one allocating its own: decoding then costs no memory per byte
// of AML. Whatever must outlive its statement (a region's address terms)
// is cloned out of the arena.
type termArena struct {
	chunks [][]term
	c, i   int // the next free term: chunks[c][i]
	// units holds the field units of the terms handed out, each term's
	// a slice of it: the field lists share one buffer, as their terms
	// share the chunks, so it grows only to the longest.
	units []fieldUnit
}

// arenaMark is a position in a termArena to release back to.
type arenaMark struct{ c, i, units int }

func (a *termArena) alloc() *term {
	if a.c == len(a.chunks) {
		// Small first chunks keep a short Evaluate cheap.
		size := 256
		if len(a.chunks) < 4 {
			size = 16 << len(a.chunks)
		}
		a.chunks = append(a.chunks, make([]term, size))
	}
	t := &a.chunks[a.c][a.i]
	// Keep the memory of the operand and element lists; drop the rest.
	args, body := t.args[:0], t.body[:0]
	*t = term{args: args, body: body}
	if a.i++; a.i == len(a.chunks[a.c]) {
		a.c, a.i = a.c+1, 0
	}
	return t
}

func (a *termArena) mark() arenaMark { return arenaMark{a.c, a.i, len(a.units)} }

// release takes back every term handed out since m.
func (a *termArena) release(m arenaMark) { a.c, a.i, a.units = m.c, m.i, a.units[:m.units] }

// newTerm returns a cleared term from the interpreter's arena.
func (p *parser) newTerm(op uint16, off int) *term {
	t := p.in.terms.alloc()
	t.op, t.off, t.blk = op, off, p.blk
	return t
}

// clone copies a decoded term tree out of the arena, for objects that
// evaluate it later.
func clone(t *term) *term {
	if t == nil {
		return nil
	}
	c := *t
	c.args = cloneList(t.args)
	c.body = cloneList(t.body)
	c.els = cloneList(t.els)
	c.fields = append([]fieldUnit(nil), t.fields...)
	return &c
}

func cloneList(list []*term) []*term {
	if list == nil {
		return nil
	}
	out := make([]*term, len(list))
	for i, t := range list {
		out[i] = clone(t)
	}
	return out
}

func (p *parser) errAt(off int, op uint16, err error) *Error {
	return &Error{Table: p.blk.table, Offset: p.blk.base + off, Opcode: opLabel(op), Err: err}
}

func (p *parser) truncated(off int, op uint16, what string) *Error {
	return p.errAt(off, op, fmt.Errorf("%w: %s runs past the end of its enclosing object (at 0x%x)", ErrTruncated, what, p.blk.base+p.end))
}

func (p *parser) need(n int, op uint16, what string) error {
	if n < 0 || p.pos+n > p.end || p.pos+n < p.pos {
		return p.truncated(p.pos, op, what)
	}
	return nil
}

func (p *parser) u8(op uint16) (byte, error) {
	if err := p.need(1, op, "byte operand"); err != nil {
		return 0, err
	}
	b := p.aml[p.pos]
	p.pos++
	return b, nil
}

// pkgLength decodes a PkgLength and returns the end of the object it
// measures, checked against the enclosing object's end.
func (p *parser) pkgLength(op uint16) (int, error) {
	start := p.pos
	end, err := p.pkgEnd(op)
	if err != nil {
		return 0, err
	}
	if end > p.end {
		length := end - start
		return 0, p.errAt(start, opPkgLength, fmt.Errorf("%w: PkgLength %d of %s ends at 0x%x, past the end of its enclosing object (0x%x)",
			ErrTruncated, length, opLabel(op), p.blk.base+end, p.blk.base+p.end))
	}
	return end, nil
}

// pkgEnd decodes a PkgLength and returns the end of the object it
// measures, unchecked against the enclosing object's.
func (p *parser) pkgEnd(op uint16) (int, error) {
	start := p.pos
	length, err := p.pkgLengthValue(op)
	if err != nil {
		return 0, err
	}
	if start+length < p.pos {
		return 0, p.errAt(start, opPkgLength, fmt.Errorf("PkgLength %d is shorter than its own encoding", length))
	}
	return start + length, nil
}

// pkgLengthValue decodes the number a PkgLength encoding holds (field
// widths use the encoding for a plain number).
func (p *parser) pkgLengthValue(op uint16) (int, error) {
	start := p.pos
	// The message is built only on failure: this runs for every object.
	if p.pos >= p.end || p.pos+1+int(p.aml[p.pos]>>6) > p.end {
		return 0, p.truncated(p.pos, opPkgLength, "PkgLength of "+opLabel(op))
	}
	lead := p.aml[p.pos]
	n := int(lead >> 6)
	length := int(lead & 0x3F)
	if n > 0 {
		if lead&0x30 != 0 {
			return 0, p.errAt(start, opPkgLength, fmt.Errorf("invalid PkgLength lead byte 0x%02X of %s (reserved bits set)", lead, opLabel(op)))
		}
		length = int(lead & 0x0F)
		for i := 0; i < n; i++ {
			length |= int(p.aml[p.pos+1+i]) << (4 + 8*i)
		}
	}
	p.pos += 1 + n
	return length, nil
}

func isNameLead(b byte) bool {
	return b == opRootChar || b == opParentChar || b == opDualName || b == opMultiName ||
		(b >= 'A' && b <= 'Z') || b == '_'
}

// nameString decodes a NameString.
func (p *parser) nameString() (namePath, error) {
	var np namePath
	start := p.pos
	if p.pos < p.end && p.aml[p.pos] == opRootChar {
		np.root = true
		p.pos++
	} else {
		for p.pos < p.end && p.aml[p.pos] == opParentChar {
			np.up++
			p.pos++
		}
	}
	if err := p.need(1, opNameString, "NameString"); err != nil {
		return np, err
	}
	count := 1
	switch p.aml[p.pos] {
	case 0x00:
		p.pos++
		return np, nil
	case opDualName:
		p.pos++
		count = 2
	case opMultiName:
		p.pos++
		c, err := p.u8(opNameString)
		if err != nil {
			return np, err
		}
		if c == 0 {
			return np, p.errAt(start, opNameString, fmt.Errorf("MultiNamePrefix with zero segments"))
		}
		count = int(c)
	}
	if err := p.need(4*count, opNameString, "NameString"); err != nil {
		return np, err
	}
	np.segs = make([]string, count)
	for i := range np.segs {
		seg := p.aml[p.pos : p.pos+4]
		for j, c := range seg {
			if !isNameChar(c, j == 0) {
				return np, p.errAt(p.pos, opNameString, fmt.Errorf("invalid NameSeg %q", seg))
			}
		}
		np.segs[i] = string(seg)
		p.pos += 4
	}
	return np, nil
}

// termList decodes terms up to end.
func (p *parser) termList(end int) ([]*term, error) {
	saved := p.end
	p.end = end
	defer func() { p.end = saved }()
	var list []*term
	for p.pos < end {
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		list = append(list, t)
	}
	return list, nil
}

// peekOp returns the opcode at the current position, for error messages.
func (p *parser) peekOp() uint16 {
	if p.pos >= p.end {
		return opNoop
	}
	b := p.aml[p.pos]
	switch {
	case isNameLead(b):
		return opNameString
	case b >= 0x60 && b <= 0x67:
		return opLocal
	case b >= 0x68 && b <= 0x6E:
		return opArg
	case b == opExtPrefix && p.pos+1 < p.end:
		return opExtPrefix<<8 | uint16(p.aml[p.pos+1])
	}
	return uint16(b)
}

// term decodes one term: a statement, an expression or a named object.
func (p *parser) term() (*term, error) {
	start := p.pos
	if err := p.in.enter(); err != nil {
		return nil, p.errAt(start, p.peekOp(), err)
	}
	defer p.in.leave()
	if err := p.in.step(); err != nil {
		return nil, p.errAt(start, p.peekOp(), err)
	}
	if err := p.in.chargeTerm(); err != nil {
		return nil, p.errAt(start, p.peekOp(), err)
	}
	p.terms++
	if err := p.need(1, opNoop, "term"); err != nil {
		return nil, err
	}
	b := p.aml[p.pos]
	switch {
	case isNameLead(b):
		return p.nameTerm(true)
	case b >= 0x60 && b <= 0x67:
		p.pos++
		t := p.newTerm(opLocal, start)
		t.val = uint64(b - 0x60)
		return t, nil
	case b >= 0x68 && b <= 0x6E:
		p.pos++
		t := p.newTerm(opArg, start)
		t.val = uint64(b - 0x68)
		return t, nil
	}
	p.pos++
	op := uint16(b)
	if b == opExtPrefix {
		e, err := p.u8(opExtPrefix)
		if err != nil {
			return nil, err
		}
		op = opExtPrefix<<8 | uint16(e)
	}
	t := p.newTerm(op, start)
	var err error
	switch op {
	case opZero, opOne, opOnes, opBytePrefix, opWordPrefix, opDWordPrefix, opQWordPrefix:
		t.op = opInteger
		t.val, err = p.integer(op)
	case opStringPrefix:
		t.op = opString
		t.str, err = p.str(start)
	case opScope, opDevice, opThermalZone, opProcessor, opPowerRes:
		err = p.scopeLike(t)
	case opBuffer:
		err = p.buffer(t)
	case opPackage, opVarPackage:
		err = p.pkg(t)
	case opMethod:
		var end int
		if end, err = p.pkgLength(op); err != nil {
			return nil, err
		}
		saved := p.end
		p.end = end
		t.name, err = p.nameString()
		if err == nil {
			var flags byte
			flags, err = p.u8(op)
			t.val = uint64(flags)
		}
		p.end = saved
		t.bodyStart, t.bodyEnd = p.pos, end
		p.pos = end
	case opIf, opWhile:
		err = p.ifWhile(t)
	case opElse:
		var end int
		if end, err = p.pkgLength(op); err == nil {
			t.bodyStart, t.bodyEnd = p.pos, end
			err = p.block(&t.body, end)
		}
	case opField, opIndexField, opBankField:
		err = p.fieldTerm(t)
	default:
		spec, ok := opSpecs[op]
		if !ok || op >= opInteger {
			return nil, p.errAt(start, op, fmt.Errorf("%w: unknown opcode", ErrUnsupported))
		}
		err = p.operands(t, spec.args)
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// integer decodes the value of an integer constant whose opcode (Zero,
// One, Ones or a prefix) has been read.
func (p *parser) integer(op uint16) (uint64, error) {
	size := 0
	switch op {
	case opZero:
		return 0, nil
	case opOne:
		return 1, nil
	case opOnes:
		return p.in.ns.intMask, nil
	case opBytePrefix:
		size = 1
	case opWordPrefix:
		size = 2
	case opDWordPrefix:
		size = 4
	case opQWordPrefix:
		size = 8
	}
	if err := p.need(size, op, "integer constant"); err != nil {
		return 0, err
	}
	var buf [8]byte
	copy(buf[:], p.aml[p.pos:p.pos+size])
	p.pos += size
	return binary.LittleEndian.Uint64(buf[:]) & p.in.ns.intMask, nil
}

// str decodes a String constant whose prefix (at start) has been read.
func (p *parser) str(start int) (string, error) {
	i := p.pos
	for i < p.end && p.aml[i] != 0 {
		i++
	}
	if i >= p.end {
		return "", p.truncated(start, opStringPrefix, "String (no NUL terminator)")
	}
	s := string(p.aml[p.pos:i])
	p.pos = i + 1
	return s, nil
}

// operands decodes operands per an opSpec argument string.
func (p *parser) operands(t *term, spec string) error {
	names, imms := 0, 0
	for i := 0; i < len(spec); i++ {
		switch spec[i] {
		case 'T':
			a, err := p.term()
			if err != nil {
				return err
			}
			t.args = append(t.args, a)
		case 'S':
			a, err := p.superName()
			if err != nil {
				return err
			}
			t.args = append(t.args, a)
		case 'R':
			a, err := p.target()
			if err != nil {
				return err
			}
			t.args = append(t.args, a)
		case 'N':
			np, err := p.nameString()
			if err != nil {
				return err
			}
			if names == 0 {
				t.name = np
			} else {
				t.name2 = np
			}
			names++
		case 'b', 'w', 'd':
			size := 1
			switch spec[i] {
			case 'w':
				size = 2
			case 'd':
				size = 4
			}
			if err := p.need(size, t.op, "operand"); err != nil {
				return err
			}
			var buf [8]byte
			copy(buf[:], p.aml[p.pos:p.pos+size])
			p.pos += size
			t.imm[imms] = binary.LittleEndian.Uint64(buf[:])
			imms++
		}
	}
	return nil
}

// nameTerm decodes a NameString in term position: a method call when it
// names a method (its arguments follow), else a reference to the object.
func (p *parser) nameTerm(calls bool) (*term, error) {
	start := p.pos
	np, err := p.nameString()
	if err != nil {
		return nil, err
	}
	t := p.newTerm(opNameRef, start)
	t.name = np
	if !calls {
		return t, nil
	}
	n := followAlias(p.in.ns, p.in.ns.resolve(p.scope, np))
	if n == nil {
		return t, nil
	}
	if n.kind != KindMethod {
		return t, nil
	}
	t.op, t.node = opCall, n
	for i := 0; i < n.method().args; i++ {
		a, err := p.term()
		if err != nil {
			return nil, err
		}
		t.args = append(t.args, a)
	}
	return t, nil
}

// superName decodes a SuperName: a name (never a call), a local, an arg,
// Debug, or a reference-producing expression.
func (p *parser) superName() (*term, error) {
	if err := p.need(1, opNameString, "SuperName"); err != nil {
		return nil, err
	}
	if isNameLead(p.aml[p.pos]) {
		return p.nameTerm(false)
	}
	return p.term()
}

// target decodes a Target: NullName or a SuperName.
func (p *parser) target() (*term, error) {
	if err := p.need(1, opNameString, "Target"); err != nil {
		return nil, err
	}
	if p.aml[p.pos] == 0x00 {
		t := p.newTerm(opNullTarget, p.pos)
		p.pos++
		return t, nil
	}
	return p.superName()
}

// scopeLike decodes Scope, Device, Processor, PowerResource and
// ThermalZone (in method bodies; Load handles them itself).
func (p *parser) scopeLike(t *term) error {
	end, err := p.pkgLength(t.op)
	if err != nil {
		return err
	}
	saved := p.end
	p.end = end
	defer func() { p.end = saved }()
	if t.name, err = p.nameString(); err != nil {
		return err
	}
	switch t.op {
	case opProcessor:
		err = p.need(6, t.op, "Processor fields")
		p.pos += 6
	case opPowerRes:
		err = p.need(3, t.op, "PowerResource fields")
		p.pos += 3
	}
	if err != nil {
		return err
	}
	t.bodyStart, t.bodyEnd = p.pos, end
	return p.block(&t.body, end)
}

// block decodes the statements from p.pos to end into *list, or in lazy
// mode skips them (the caller has recorded their bounds).
func (p *parser) block(list *[]*term, end int) error {
	if p.lazy {
		p.pos = end
		return nil
	}
	var err error
	*list, err = p.termList(end)
	return err
}

func (p *parser) buffer(t *term) error {
	end, err := p.pkgLength(t.op)
	if err != nil {
		return err
	}
	saved := p.end
	p.end = end
	defer func() { p.end = saved }()
	size, err := p.term()
	if err != nil {
		return err
	}
	t.args = append(t.args, size)
	t.data = p.aml[p.pos:end]
	p.pos = end
	return nil
}

// pkg decodes Package and VarPackage. A PkgLength that runs into the
// objects after the package, or past its enclosing object, is a firmware
// bug ACPICA lives with: it reads elements on, finishing the one its
// PkgLength cuts, so the Name after such a Package loads as if it were
// outside. Here a package ends at its PkgLength or at the end of the
// enclosing object, whichever comes first, and before an element that
// runs past that end: the element becomes the next term.
func (p *parser) pkg(t *term) error {
	end, err := p.pkgEnd(t.op)
	if err != nil {
		return err
	}
	end = min(end, p.end)
	saved := p.end
	p.end = end
	defer func() { p.end = saved }()
	if t.op == opPackage {
		n, err := p.u8(t.op)
		if err != nil {
			return err
		}
		t.val = uint64(n)
	} else {
		count, err := p.term()
		if err != nil {
			return err
		}
		t.args = append(t.args, count)
	}
	for p.pos < end {
		elStart := p.pos
		var el *term
		if isNameLead(p.aml[p.pos]) {
			el, err = p.nameTerm(false)
		} else {
			el, err = p.term()
		}
		if errors.Is(err, ErrTruncated) {
			p.pos = elStart
			break
		}
		if err != nil {
			return err
		}
		t.body = append(t.body, el)
	}
	return nil
}

func (p *parser) ifWhile(t *term) error {
	end, err := p.pkgLength(t.op)
	if err != nil {
		return err
	}
	saved := p.end
	p.end = end
	pred, err := p.term()
	p.end = saved
	if err != nil {
		return err
	}
	t.args = append(t.args, pred)
	t.bodyStart, t.bodyEnd = p.pos, end
	if err := p.block(&t.body, end); err != nil {
		return err
	}
	if t.op == opIf && p.pos < p.end && p.aml[p.pos] == opElse {
		elseStart := p.pos
		p.pos++
		elseEnd, err := p.pkgLength(opElse)
		if err != nil {
			return err
		}
		if err := p.in.step(); err != nil {
			return p.errAt(elseStart, opElse, err)
		}
		t.hasElse = true
		t.elseStart, t.elseEnd = p.pos, elseEnd
		if err := p.block(&t.els, elseEnd); err != nil {
			return err
		}
	}
	return nil
}

// fieldTerm decodes Field, IndexField and BankField with their field lists.
func (p *parser) fieldTerm(t *term) error {
	end, err := p.pkgLength(t.op)
	if err != nil {
		return err
	}
	saved := p.end
	p.end = end
	defer func() { p.end = saved }()
	if t.name, err = p.nameString(); err != nil {
		return err
	}
	if t.op != opField {
		if t.name2, err = p.nameString(); err != nil {
			return err
		}
	}
	if t.op == opBankField {
		bank, err := p.term()
		if err != nil {
			return err
		}
		t.args = append(t.args, bank)
	}
	flags, err := p.u8(t.op)
	if err != nil {
		return err
	}
	t.val = uint64(flags)
	access := flags & 0x0F
	var bit uint64
	a := p.in.terms
	first := len(a.units)
	for p.pos < end {
		if err := p.in.step(); err != nil {
			return p.errAt(p.pos, opFieldList, err)
		}
		start := p.pos
		switch p.aml[p.pos] {
		case 0x00: // ReservedField
			p.pos++
			w, err := p.pkgLengthValue(opFieldList)
			if err != nil {
				return err
			}
			if bit += uint64(w); bit > math.MaxUint32 {
				return p.errAt(start, opFieldList, fieldTooLong(bit))
			}
		case 0x01: // AccessField
			p.pos++
			if err := p.need(2, opFieldList, "AccessField"); err != nil {
				return err
			}
			access = p.aml[p.pos] & 0x0F
			p.pos += 2
		case 0x02: // ConnectField
			p.pos++
			if err := p.need(1, opFieldList, "ConnectField"); err != nil {
				return err
			}
			if p.aml[p.pos] == opBuffer {
				if _, err := p.term(); err != nil {
					return err
				}
			} else if _, err := p.nameString(); err != nil {
				return err
			}
		case 0x03: // ExtendedAccessField
			p.pos++
			if err := p.need(3, opFieldList, "ExtendedAccessField"); err != nil {
				return err
			}
			access = p.aml[p.pos] & 0x0F
			p.pos += 3
		default:
			if err := p.need(4, opFieldList, "NamedField"); err != nil {
				return err
			}
			seg := p.aml[p.pos : p.pos+4]
			for j, c := range seg {
				if !isNameChar(c, j == 0) {
					return p.errAt(p.pos, opFieldList, fmt.Errorf("invalid field name %q", seg))
				}
			}
			p.pos += 4
			w, err := p.pkgLengthValue(opFieldList)
			if err != nil {
				return err
			}
			if bit+uint64(w) > math.MaxUint32 {
				return p.errAt(start, opFieldList, fieldTooLong(bit+uint64(w)))
			}
			a.units = append(a.units, fieldUnit{name: [4]byte(seg), off: int32(start), bitOffset: uint32(bit), bitWidth: uint32(w), access: access})
			// Capped: an append to one term's list cannot reach the next.
			t.fields = a.units[first:len(a.units):len(a.units)]
			bit += uint64(w)
		}
	}
	return nil
}
