package aml

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A tiny AML assembler for hand-made (and hostile) definition blocks.

// pkgLength encodes the PkgLength of an object whose body (after the
// PkgLength) is n bytes long.
func pkgLength(n int) []byte {
	for size := 1; size <= 4; size++ {
		total := n + size
		if size == 1 && total < 0x40 {
			return []byte{byte(total)}
		}
		if size > 1 && total < 1<<(4+8*(size-1)) {
			b := []byte{byte(size-1)<<6 | byte(total&0x0F)}
			for i := 1; i < size; i++ {
				b = append(b, byte(total>>(4+8*(i-1))))
			}
			return b
		}
	}
	panic("too long")
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// withLen prefixes opcode bytes to PkgLength + body.
func withLen(op []byte, body ...[]byte) []byte {
	b := cat(body...)
	return cat(op, pkgLength(len(b)), b)
}

func amlScope(name string, body ...[]byte) []byte {
	return withLen([]byte{opScope}, append([][]byte{[]byte(name)}, body...)...)
}
func amlDevice(name string, body ...[]byte) []byte {
	return withLen([]byte{opExtPrefix, 0x82}, append([][]byte{[]byte(name)}, body...)...)
}
func amlMethod(name string, args byte, body ...[]byte) []byte {
	return withLen([]byte{opMethod}, append([][]byte{[]byte(name), {args}}, body...)...)
}
func amlName(name string, v []byte) []byte { return cat([]byte{opName}, []byte(name), v) }
func amlByte(v byte) []byte                { return []byte{opBytePrefix, v} }
func amlString(s string) []byte            { return cat([]byte{opStringPrefix}, []byte(s), []byte{0}) }
func amlPackage(n byte, elems ...[]byte) []byte {
	return withLen([]byte{opPackage}, append([][]byte{{n}}, elems...)...)
}
func amlReturn(v []byte) []byte { return cat([]byte{opReturn}, v) }
func amlWhile(pred []byte, body ...[]byte) []byte {
	return withLen([]byte{opWhile}, append([][]byte{pred}, body...)...)
}

var (
	amlOne    = []byte{opOne}
	amlZero   = []byte{opZero}
	amlLocal0 = []byte{0x60}
)

func loadOne(t *testing.T, code []byte, opts Options) (*Namespace, error) {
	t.Helper()
	return Load([]Block{{Table: "TEST", AML: code, Base: 36, Revision: 2}}, opts)
}

func TestAssembler(t *testing.T) {
	// The assembler itself, checked against a known-good table: a method
	// returning a package, in a device, in \_SB.
	code := amlScope(`\_SB_`, amlDevice("VGEN",
		amlName("_HID", amlString("VMGENCTR")),
		amlMethod("ADDR", 0, amlReturn(amlPackage(2, cat([]byte{opDWordPrefix}, []byte{0x28, 0xF0, 0xFF, 0x0F}), amlZero)))))
	ns, err := loadOne(t, code, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := ns.Evaluate(ns.Lookup(`\_SB.VGEN.ADDR`))
	if err != nil || ObjectString(v) != "Package{0xFFFF028, 0x0}" {
		t.Fatalf("ADDR = %s, %v", ObjectString(v), err)
	}
	for _, n := range []int{0, 0x3E, 0x3F, 0x40, 0xFFD, 0xFFE, 0x1000, 0xFFFFD} {
		enc := pkgLength(n)
		p := &parser{in: &interp{ns: ns, maxSteps: 10, maxDepth: 10}, blk: &blockInfo{}, aml: append(enc, make([]byte, n)...), end: len(enc) + n}
		end, err := p.pkgLength(opScope)
		if err != nil || end != len(enc)+n {
			t.Errorf("pkgLength(%d) = %x decodes to end %d, %v", n, enc, end, err)
		}
	}
}

func TestHostileLoad(t *testing.T) {
	deepPackage := amlZero
	for i := 0; i < 2000; i++ {
		deepPackage = amlPackage(1, deepPackage)
	}
	deepScope := amlName("XXXX", amlZero)
	for i := 0; i < 2000; i++ {
		deepScope = amlDevice("S___", deepScope)
	}
	tests := []struct {
		name    string
		code    []byte
		wantErr error
		wantMsg string
	}{
		{"truncated PkgLength", []byte{opScope}, ErrTruncated, "PkgLength"},
		{"truncated multi-byte PkgLength", []byte{opScope, 0xC0, 0x01}, ErrTruncated, "PkgLength"},
		{"huge PkgLength", []byte{opScope, 0xCF, 0xFF, 0xFF, 0xFF, '_', 'S', 'B', '_'}, ErrTruncated, "PkgLength 268435455"},
		{"PkgLength shorter than itself", []byte{opScope, 0x40, 0x00, '_', 'S', 'B', '_'}, nil, "shorter than its own encoding"},
		{"truncated name", []byte{opName, 'A', 'B'}, ErrTruncated, "NameString"},
		{"bad NameSeg", amlName("a!bc", amlZero), nil, "invalid NameSeg"},
		{"truncated string", []byte{opName, 'A', 'B', 'C', 'D', opStringPrefix, 'x', 'y'}, ErrTruncated, "String"},
		{"truncated integer", []byte{opName, 'A', 'B', 'C', 'D', opQWordPrefix, 1, 2}, ErrTruncated, "integer"},
		{"unknown opcode", []byte{0x02}, ErrUnsupported, "unknown opcode"},
		{"unknown extended opcode", []byte{opExtPrefix, 0x77}, ErrUnsupported, "0x5B 0x77"},
		{"deep package nesting", amlName("DEEP", deepPackage), ErrMaxDepth, "MaxDepth"},
		{"MultiNamePrefix zero segments", []byte{opName, opMultiName, 0, opZero}, nil, "zero segments"},
	}
	// Too deep inside a container: the container's rest is skipped with a
	// warning; the table loads.
	ns, err := loadOne(t, deepScope, Options{})
	if w := ns.Warnings(); err != nil || len(w) == 0 || !errors.Is(w[len(w)-1], ErrMaxDepth) {
		t.Errorf("deep scope nesting: %v, warnings %v", err, w)
	}
	// Too large an initializer costs its object only (as any initializer
	// that fails): the Name stays without a value, with a warning.
	for _, c := range []struct{ name, path, msg string }{
		{"huge buffer", "BUFF", "Buffer"},
		{"huge VarPackage", "PKGG", "package"},
	} {
		op := []byte{opBuffer, opDWordPrefix, 0xFF, 0xFF, 0xFF, 0xFF}
		if c.path == "PKGG" {
			op = []byte{opVarPackage, opDWordPrefix, 0xFF, 0xFF, 0xFF, 0x00}
		}
		code := cat(amlName(c.path, withLen(op[:1], op[1:])), amlName("NEXT", amlOne))
		ns, err := loadOne(t, code, Options{})
		if w := ns.Warnings(); err != nil || len(w) != 1 || !errors.Is(w[0], ErrTooLarge) || !strings.Contains(w[0].Error(), c.msg) {
			t.Errorf("%s: %v, warnings %v; want one %v warning", c.name, err, w, ErrTooLarge)
		}
		if ns.Lookup(`\NEXT`) == nil {
			t.Errorf("%s: the object after it did not load", c.name)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, err := loadOne(t, tt.code, Options{})
			if err == nil {
				t.Fatalf("Load succeeded: %v", ns)
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Table != "TEST" || ae.Offset < 36 || ae.Offset > 36+len(tt.code) {
				t.Errorf("error not located in the table: %#v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v is not %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if errors.Is(err, errInternal) {
				t.Errorf("internal error: %v", err)
			}
		})
	}
}

func TestLoadKeepsGoodBlocks(t *testing.T) {
	good := amlScope(`\_SB_`, amlDevice("VGEN", amlName("_HID", amlString("VMGENCTR"))))
	bad := cat(amlName("EARL", amlOne), []byte{opScope, 0xCF, 0xFF, 0xFF, 0xFF})
	ns, err := Load([]Block{{Table: "DSDT", AML: bad, Base: 36}, {Table: "SSDT1", AML: good, Base: 36}}, Options{})
	var ae *Error
	if !errors.As(err, &ae) || ae.Table != "DSDT" || ae.Offset != 36+7 {
		t.Fatalf("err = %v, want the DSDT PkgLength error at offset 43", err)
	}
	if ns == nil || ns.Lookup(`\_SB.VGEN`) == nil || ns.Lookup(`\EARL`) == nil {
		t.Fatalf("good block or objects before the error not loaded")
	}
}

func TestHostileEvaluate(t *testing.T) {
	code := cat(
		// Endless loop.
		amlMethod("LOOP", 0, amlWhile(amlOne)),
		// Endless recursion, and mutual recursion with an argument.
		amlMethod("RECU", 0, amlReturn([]byte("RECU"))),
		amlMethod("PING", 1, amlReturn(cat([]byte("PONG"), []byte{0x68}))),
		amlMethod("PONG", 1, amlReturn(cat([]byte("PING"), []byte{0x68}))),
		// Allocation in a loop: 64 KiB buffers forever.
		amlMethod("ALOC", 0, amlWhile(amlOne,
			cat([]byte{opStore}, withLen([]byte{opBuffer}, []byte{opDWordPrefix, 0, 0, 1, 0}), amlLocal0))),
		// A string doubling itself forever.
		amlMethod("GROW", 0,
			cat([]byte{opStore}, amlString("ab"), amlLocal0),
			amlWhile(amlOne, cat([]byte{opConcat}, amlLocal0, amlLocal0, amlLocal0))),
		// A package containing itself, through a reference (storing the
		// package itself into its element stores a copy, as ACPICA does).
		amlMethod("CYCL", 0,
			cat([]byte{opStore}, amlPackage(1), amlLocal0),
			cat([]byte{opStore, opRefOf}, amlLocal0, []byte{opIndex}, amlLocal0, amlZero, amlZero),
			amlReturn(amlLocal0)),
		// Index out of range, uninitialized local, unknown name.
		amlMethod("OOBI", 0, amlReturn(cat([]byte{opDerefOf, opIndex}, amlPackage(1, amlOne), amlByte(5), amlZero))),
		amlMethod("UNIN", 0, amlReturn(amlLocal0)),
		amlMethod("NONE", 0, amlReturn([]byte("NOPE"))),
		amlMethod("DIV0", 0, amlReturn(cat([]byte{opMod}, amlOne, amlZero, amlZero))),
		// One statement of 250 000 terms: decoding it would hold ~80 MB.
		amlMethod("HUGE", 0, amlReturn(amlPackage(1, bytes.Repeat(amlOne, 250000)))),
		// A method body of 250 000 Noops runs: each statement is decoded
		// when it runs and dropped after, so memory stays small.
		amlMethod("LONG", 0, bytes.Repeat([]byte{opNoop}, 250000), amlReturn(amlOne)),
		// A truncated method body (decoded only when run).
		amlMethod("TRUN", 0, []byte{opReturn, opDWordPrefix, 1}),
	)
	ns, err := loadOne(t, code, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method  string
		opts    Options
		wantErr error
		wantMsg string
	}{
		{"LOOP", Options{}, ErrMaxSteps, "step limit"},
		{"LOOP", Options{MaxSteps: 100}, ErrMaxSteps, "MaxSteps 100"},
		{"RECU", Options{}, ErrMaxDepth, "MaxDepth"},
		{"PING", Options{MaxDepth: 20}, ErrMaxDepth, "MaxDepth 20"},
		{"ALOC", Options{MaxSteps: 1 << 30}, ErrTooLarge, "allocated more than"},
		{"ALOC", Options{}, ErrMaxSteps, "step limit"},
		{"GROW", Options{}, ErrTooLarge, "String"},
		{"CYCL", Options{}, ErrTooLarge, "cyclic"},
		{"OOBI", Options{}, nil, "index 5 out of range"},
		{"UNIN", Options{}, nil, "Local0 is not initialized"},
		{"NONE", Options{}, ErrNotFound, "NOPE"},
		{"DIV0", Options{}, nil, "Mod by zero"},
		{"TRUN", Options{}, ErrTruncated, "integer constant"},
		{"HUGE", Options{}, ErrTooLarge, "decoded AML"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			ns.opts = tt.opts
			start := time.Now()
			args := []Object{}
			if tt.method == "PING" {
				args = append(args, Integer(1))
			}
			v, err := ns.Evaluate(ns.Lookup(`\`+tt.method), args...)
			if err == nil {
				t.Fatalf("Evaluate = %s, want an error", ObjectString(v))
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v is not %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			var ae *Error
			if tt.method != "CYCL" && (!errors.As(err, &ae) || ae.Table != "TEST") {
				t.Errorf("error not located: %v", err)
			}
			if errors.Is(err, errInternal) {
				t.Errorf("internal error: %v", err)
			}
			t.Logf("%s: %v (%v)", tt.method, err, time.Since(start))
		})
	}
	ns.opts = Options{}
	if v, err := ns.Evaluate(ns.Lookup(`\LONG`)); err != nil || v != Integer(1) {
		t.Errorf("LONG = %v, %v; want 1: a long body runs in bounded memory", v, err)
	}
}

func TestLoadTolerance(t *testing.T) {
	// Duplicates and Scopes on unknown names are refused with warnings
	// (as ACPICA: the Scope with its contents); an External declares
	// nothing, so the definition after it stands.
	code := cat(
		[]byte{opExternal}, []byte(`\FOO_`), []byte{8, 2},
		amlName("DUPL", amlOne),
		amlName("DUPL", amlZero),
		amlScope(`\UNKN`, amlName("INSD", amlOne)),
		amlMethod("FOO_", 2, amlReturn([]byte{0x69})),
		amlMethod("CALL", 0, amlReturn(cat([]byte(`FOO_`), amlOne, amlByte(7)))),
	)
	ns, err := loadOne(t, code, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ns.Warnings()) != 2 {
		t.Errorf("warnings = %v, want 2", ns.Warnings())
	}
	if v, err := ns.Evaluate(ns.Lookup(`\DUPL`)); err != nil || v != Integer(1) {
		t.Errorf("DUPL = %v, %v; want the first definition", v, err)
	}
	if n := ns.Lookup(`\UNKN`); n != nil {
		t.Error("Scope on an unknown name created it")
	}
	if n := ns.Lookup(`\FOO`); n == nil || n.Kind() != KindMethod || n.ArgCount() != 2 {
		t.Errorf("FOO = %v", n)
	}
	if v, err := ns.Evaluate(ns.Lookup(`\CALL`)); err != nil || v != Integer(7) {
		t.Errorf("CALL = %v, %v", v, err)
	}
}

func TestModuleLevelCode(t *testing.T) {
	// Module-level code runs as the table loads (as in ACPICA): If blocks
	// declare objects and store to Names; failures, even endless loops,
	// are warnings and the rest of the table loads.
	ifBlock := func(pred []byte, body ...[]byte) []byte {
		return withLen([]byte{opIf}, append([][]byte{pred}, body...)...)
	}
	elseBlock := func(body ...[]byte) []byte { return withLen([]byte{opElse}, body...) }
	code := cat(
		amlName("FLAG", amlOne),
		amlName("CNT_", amlZero),
		ifBlock(cat([]byte{opLEqual}, []byte("FLAG"), amlOne),
			amlScope(`\_SB_`, amlDevice("MLDV", amlName("_HID", amlString("VMGENCTR")))),
			amlName("DECL", amlByte(3)),
			amlMethod("MLMT", 0, amlReturn(amlByte(9)))),
		elseBlock(amlName("ELSE", amlOne)),
		ifBlock(amlZero, amlDevice(`\_SB_NOPE`)),
		amlWhile(cat([]byte{opLLess}, []byte("CNT_"), amlByte(5)), cat([]byte{opIncrement}, []byte("CNT_"))),
		cat([]byte{opStore}, []byte("UNDF"), []byte("CNT_")), // unknown name: a warning
		amlWhile(amlOne), // endless: a warning (and the end of the module-level budget)
		amlName("LAST", amlOne),
	)
	ns, err := loadOne(t, code, Options{MaxSteps: 10000})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{`\_SB.MLDV`: true, `\DECL`: true, `\MLMT`: true, `\ELSE`: false, `\_SB.NOPE`: false, `\LAST`: true} {
		if got := ns.Lookup(path) != nil; got != want {
			t.Errorf("%s declared = %v, want %v", path, got, want)
		}
	}
	if v, err := ns.Evaluate(ns.Lookup(`\CNT_`)); err != nil || v != Integer(5) {
		t.Errorf("CNT = %v, %v; want 5", v, err)
	}
	if v, err := ns.Evaluate(ns.Lookup(`\MLMT`)); err != nil || v != Integer(9) {
		t.Errorf("MLMT = %v, %v", v, err)
	}
	if len(ns.Devices()) != 1 {
		t.Errorf("Devices = %v", ns.Devices())
	}
	var steps, notFound bool
	for _, w := range ns.Warnings() {
		steps = steps || errors.Is(w, ErrMaxSteps)
		notFound = notFound || errors.Is(w, ErrNotFound)
	}
	if !steps || !notFound || len(ns.Warnings()) != 2 {
		t.Errorf("warnings = %v, want a step-limit and a not-found warning", ns.Warnings())
	}
}

func TestEISAIDString(t *testing.T) {
	tests := []struct {
		v    uint64
		want string
		ok   bool
	}{
		{0x030AD041, "PNP0A03", true},
		{0x080AD041, "PNP0A08", true},
		{0x060AD041, "PNP0A06", true},
		{0x0000007C, "", false}, // first letter code 31: out of range
		{0x1_0000_0000, "", false},
		{0, "", false},
		{0x000000C0, "", false}, // top bit set
	}
	for _, tt := range tests {
		got, ok := EISAIDString(tt.v)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("EISAIDString(0x%X) = %q, %v; want %q, %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
}

func TestResolveText(t *testing.T) {
	ns, err := loadOne(t, amlScope(`\_SB_`, amlDevice("PCI0", amlDevice("ISA_", amlName("X___", amlOne)), amlName("Y___", amlOne))), Options{})
	if err != nil {
		t.Fatal(err)
	}
	isa := ns.Lookup(`\_SB.PCI0.ISA`)
	tests := []struct {
		scope *Node
		name  string
		want  string // "" = nil
	}{
		{isa, "X", `\_SB_.PCI0.ISA_.X___`},
		{isa, "Y", `\_SB_.PCI0.Y___`},
		{isa, "^Y", `\_SB_.PCI0.Y___`},
		{isa, "^^PCI0", `\_SB_.PCI0`},
		{isa, "^^^^^^X", ""},
		{isa, `\_SB.PCI0.ISA.X`, `\_SB_.PCI0.ISA_.X___`},
		{isa, `PCI0.Y`, ""}, // multi-segment: no upward search
		{nil, `\`, `\`},
		{nil, `_SB_.PCI0`, `\_SB_.PCI0`},
		{nil, `\TOOLONG`, ""},
		{nil, `\_SB..X`, ""},
		{nil, `\1ABC`, ""},
	}
	for _, tt := range tests {
		got := ns.Resolve(tt.scope, tt.name)
		gotPath := ""
		if got != nil {
			gotPath = got.Path()
		}
		if gotPath != tt.want {
			t.Errorf("Resolve(%v, %q) = %q, want %q", tt.scope, tt.name, gotPath, tt.want)
		}
	}
	if c := isa.Child("x"); c == nil || c.Name() != "X___" {
		t.Errorf("Child(x) = %v", c)
	}
	if len(ns.Lookup(`\_SB.PCI0`).Children()) != 2 {
		t.Errorf("PCI0 children = %v", ns.Lookup(`\_SB.PCI0`).Children())
	}
}

func TestAliasCycle(t *testing.T) {
	// Alias A -> \B_.Z___ and B -> \A_.Z___: resolving either goes round
	// through path segments; it must end, not overflow the stack.
	code := cat(
		[]byte{opAlias, opRootChar, opDualName}, []byte("B___Z___"), []byte("A___"),
		[]byte{opAlias, opRootChar, opDualName}, []byte("A___Z___"), []byte("B___"),
		[]byte{opAlias}, []byte("SELF"), []byte("SELF"),
		amlMethod("USEA", 0, amlReturn([]byte("A___"))),
	)
	ns, err := loadOne(t, code, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{`\A`, `\B`, `\A.Z`, `\SELF`} {
		if n := ns.Lookup(p); n != nil {
			t.Errorf("Lookup(%s) = %v, want nil", p, n)
		}
	}
	if _, err := ns.Evaluate(ns.Lookup(`\USEA`)); !errors.Is(err, ErrNotFound) {
		t.Errorf("USEA: %v", err)
	}
}

func TestPredefinedObjects(t *testing.T) {
	osi := func(s string) []byte { return cat([]byte(`\_OSI`), amlString(s)) }
	code := cat(
		amlMethod("WIN_", 0, amlReturn(osi("Windows 2015"))),
		amlMethod("LNX_", 0, amlReturn(osi("Linux"))),
		amlMethod("REV_", 0, amlReturn([]byte(`\_REV`))),
	)
	ns, err := loadOne(t, code, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]Object{`\WIN_`: Integer(^uint64(0)), `\LNX_`: Integer(0), `\REV_`: Integer(2), `\_OS_`: String("Microsoft Windows NT")} {
		if v, err := ns.Evaluate(ns.Lookup(path)); err != nil || v != want {
			t.Errorf("%s = %v, %v; want %v", path, v, err, want)
		}
	}
	if _, err := ns.Evaluate(ns.Lookup(`\_OSI`), Integer(1)); err == nil {
		t.Error("_OSI of an Integer succeeded")
	}
}

func TestLoadSkipsUndecodableParts(t *testing.T) {
	// An unknown opcode inside a Device loses the rest of that Device, and
	// one inside a module-level If loses that If; what follows still loads.
	code := cat(
		amlScope(`\_SB_`,
			amlDevice("BAD_", amlName("_HID", amlString("BAD0")), []byte{0x02, 0x03}, amlName("LOST", amlOne)),
			amlDevice("GOOD", amlName("_HID", amlString("VMGENCTR")))),
		withLen([]byte{opIf}, amlOne, []byte{0x02}, amlName("NOPE", amlOne)),
		amlName("LAST", amlOne),
	)
	ns, err := loadOne(t, code, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{`\_SB.BAD._HID`: true, `\_SB.BAD.LOST`: false, `\_SB.GOOD`: true, `\NOPE`: false, `\LAST`: true} {
		if got := ns.Lookup(path) != nil; got != want {
			t.Errorf("%s present = %v, want %v", path, got, want)
		}
	}
	if len(ns.Warnings()) != 2 {
		t.Errorf("warnings = %v, want 2", ns.Warnings())
	}
	for _, w := range ns.Warnings() {
		var ae *Error
		if !errors.As(w, &ae) || !errors.Is(w, ErrUnsupported) {
			t.Errorf("warning %v is not a located unknown-opcode error", w)
		}
	}
}

// A field list past bit 2^32 is refused, as in ACPICA (its field
// positions are 32 bits); nodes keep a unit's bit offset in 32 bits.
func TestFieldListPast32Bits(t *testing.T) {
	list := []byte{0x01} // FieldFlags: ByteAcc
	for range 16 {
		list = append(list, 0x00, 0xCF, 0xFF, 0xFF, 0xFF) // ReservedField of 2^28-1 bits
	}
	region := cat([]byte{opExtPrefix, 0x80}, []byte("REG0"), []byte{0x00}, amlZero, amlOne)
	fits := withLen([]byte{opExtPrefix, 0x81}, []byte("REG0"), list, []byte("FITS"), []byte{0x08}, []byte("LAST"), []byte{0x07})
	ns, err := loadOne(t, cat(region, fits), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		path        string
		off, length uint64
	}{{`\FITS`, 16 * (1<<28 - 1), 8}, {`\LAST`, 16*(1<<28-1) + 8, 7}} {
		n := ns.Lookup(u.path)
		if n == nil || n.field().bitOffset != u.off || n.field().bitWidth != u.length {
			t.Errorf("%s: %v, want a unit of %d bits at bit %d", u.path, n, u.length, u.off)
		}
	}
	past := withLen([]byte{opExtPrefix, 0x81}, []byte("REG0"), list, []byte("PAST"), []byte{0x11})
	_, err = loadOne(t, cat(region, past), Options{})
	var ae *Error
	if !errors.Is(err, ErrTooLarge) || !errors.As(err, &ae) || !strings.Contains(err.Error(), "past 2^32") {
		t.Errorf("a unit ending past bit 2^32: %v; want a located %v error", err, ErrTooLarge)
	}
}

// A scope with many children finds them through its sorted index, also
// after children are removed from its middle (method-local objects) and
// added again.
func TestChildIndex(t *testing.T) {
	scope := &Node{name: "SCOP", kind: KindScope}
	var names []string
	for i := range 40 {
		// Not in sorted order, so the index is not the definition order.
		names = append(names, fmt.Sprintf("N%03d", (i*17)%40))
		scope.addChild(&Node{name: names[i], kind: KindName})
	}
	check := func(when string, gone map[string]bool) {
		t.Helper()
		for _, name := range names {
			c := scope.child(name)
			if gone[name] != (c == nil) || c != nil && c.name != name {
				t.Errorf("%s: child(%s) = %v", when, name, c)
			}
		}
		if scope.child("NONE") != nil {
			t.Errorf("%s: child(NONE) found", when)
		}
	}
	check("added", nil)
	gone := map[string]bool{}
	for _, name := range []string{names[20], names[0], names[39], names[7]} {
		scope.removeChild(scope.child(name))
		gone[name] = true
		check("removed "+name, gone)
	}
	for name := range gone {
		scope.addChild(&Node{name: name, kind: KindName})
	}
	check("added again", nil)
}
