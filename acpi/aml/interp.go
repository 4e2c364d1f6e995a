package aml

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// interp runs AML. One interp serves one Load block or one Evaluate call and
// carries its budget: steps, nesting depth and bytes allocated.
type interp struct {
	ns       *Namespace
	steps    int
	maxSteps int
	depth    int
	maxDepth int
	alloc    int
}

func (ns *Namespace) newInterp() *interp {
	return &interp{ns: ns, maxSteps: ns.opts.steps(), maxDepth: ns.opts.depth()}
}

func (in *interp) step() error {
	in.steps++
	if in.steps > in.maxSteps {
		return fmt.Errorf("%w (MaxSteps %d)", ErrMaxSteps, in.maxSteps)
	}
	return nil
}

// work charges bulk work on n bytes (copying, converting, bit twiddling)
// against the step budget, one step per 64 bytes.
func (in *interp) work(n int) error {
	in.steps += n / 64
	if in.steps > in.maxSteps {
		return fmt.Errorf("%w (MaxSteps %d)", ErrMaxSteps, in.maxSteps)
	}
	return nil
}

func (in *interp) enter() error {
	in.depth++
	if in.depth > in.maxDepth {
		return fmt.Errorf("%w (MaxDepth %d)", ErrMaxDepth, in.maxDepth)
	}
	return nil
}

func (in *interp) leave() { in.depth-- }

// allocate charges n bytes (or elements) against the evaluation's budget.
func (in *interp) allocate(n int, limit int, what string) error {
	if n < 0 || n > limit {
		return fmt.Errorf("%w: %s of %d (limit %d)", ErrTooLarge, what, n, limit)
	}
	if err := in.work(n); err != nil {
		return err
	}
	in.alloc += n
	if in.alloc > maxAllocation {
		return fmt.Errorf("%w: evaluation allocated more than %d bytes", ErrTooLarge, maxAllocation)
	}
	return nil
}

// termCost approximates the memory one decoded term holds.
const termCost = 320

// chargeTerm counts a decoded term against the allocation budget: decoded
// code is memory too, and a hostile method body can be megabytes long.
func (in *interp) chargeTerm() error {
	in.alloc += termCost
	if in.alloc > maxAllocation {
		return fmt.Errorf("%w: more than %d bytes of decoded AML and data", ErrTooLarge, maxAllocation)
	}
	return nil
}

// errAt locates err at term t unless it is already located.
func (in *interp) errAt(t *term, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Table: t.blk.table, Offset: t.blk.base + t.off, Opcode: opLabel(t.op), Err: err}
}

// frame is one running method (or the context of a load-time Name).
type frame struct {
	scope  *Node
	method *Node
	args   [7]Object
	locals [8]Object
	temps  []*Node
	ret    Object
	module bool // module-level code: declarations are permanent
}

type flow int

const (
	flowNext flow = iota
	flowReturn
	flowBreak
	flowContinue
)

// Evaluate evaluates a namespace object: a Name yields its value, a Method
// runs with args, a Field or buffer field is read. Package elements that
// name data objects come back as those objects' values; elements naming
// other objects (Devices, Methods) come back as *Reference. A method that
// returns nothing yields nil.
func (ns *Namespace) Evaluate(n *Node, args ...Object) (result Object, err error) {
	if n == nil {
		return nil, errors.New("aml: Evaluate of a nil node")
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	in := ns.newInterp()
	defer func() {
		if r := recover(); r != nil {
			result, err = nil, fmt.Errorf("aml: evaluating %s: %w: panic: %v", n.Path(), errInternal, r)
		}
	}()
	target := followAlias(ns, n)
	if target == nil {
		return nil, fmt.Errorf("aml: evaluating %s: alias does not resolve: %w", n.Path(), ErrNotFound)
	}
	var v Object
	switch target.kind {
	case KindMethod:
		if len(args) > 7 {
			return nil, fmt.Errorf("aml: evaluating %s: %d arguments, AML allows 7", n.Path(), len(args))
		}
		own := make([]Object, len(args))
		for i, a := range args {
			if !isDataObject(a) {
				return nil, fmt.Errorf("aml: evaluating %s: argument %d has type %T, want Integer, String, Buffer or *Package", n.Path(), i, a)
			}
			// The method may write to its arguments; the caller's stay as they are.
			if own[i], err = in.copyObject(a, 0); err != nil {
				return nil, fmt.Errorf("aml: evaluating %s: argument %d: %w", n.Path(), i, err)
			}
		}
		v, err = in.call(target, own)
	case KindName, KindField, KindBufferField, KindExternal:
		if len(args) > 0 {
			return nil, fmt.Errorf("aml: evaluating %s: a %s takes no arguments", n.Path(), target.kind)
		}
		v, err = in.readNode(target)
	default:
		return nil, fmt.Errorf("aml: evaluating %s: a %s has no value", n.Path(), target.kind)
	}
	if err == nil {
		v, err = in.toCaller(v, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("evaluating %s: %w", n.Path(), err)
	}
	return v, nil
}

func isDataObject(o Object) bool {
	switch v := o.(type) {
	case Integer, String, Buffer:
		return true
	case *Package:
		return v != nil
	}
	return false
}

// maxObjectDepth bounds recursion over nested (possibly cyclic) packages.
const maxObjectDepth = 64

// toCaller turns an internal value into what Evaluate returns: references
// resolved, packages and buffers copied so callers cannot change the
// namespace.
func (in *interp) toCaller(o Object, depth int) (Object, error) {
	if depth > maxObjectDepth {
		return nil, fmt.Errorf("%w: packages nested deeper than %d (or cyclic)", ErrTooLarge, maxObjectDepth)
	}
	if err := in.step(); err != nil {
		return nil, err
	}
	switch v := o.(type) {
	case nil, Integer, String, *Reference:
		return v, nil
	case Buffer:
		return append(Buffer(nil), v...), nil
	case *Package:
		out := &Package{Elements: make([]Object, len(v.Elements))}
		for i, e := range v.Elements {
			var err error
			if out.Elements[i], err = in.toCaller(e, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *pkgRef:
		r, err := in.resolvePkgRef(v)
		if err != nil {
			return nil, err
		}
		return in.toCaller(r, depth+1)
	case *elemRef, *byteRef, *localRef:
		d, err := in.deref(v)
		if err != nil {
			return nil, err
		}
		return in.toCaller(d, depth+1)
	}
	return nil, fmt.Errorf("%w: value of type %T", errInternal, o)
}

// resolvePkgRef reads the object a package element names: the value of a
// data object, or a *Reference for anything else.
func (in *interp) resolvePkgRef(r *pkgRef) (Object, error) {
	n := followAlias(in.ns, in.ns.resolve(r.scope, r.path))
	if n == nil {
		return &Reference{Path: r.path.String()}, nil
	}
	switch n.kind {
	case KindName, KindField, KindBufferField:
		v, err := in.readNode(n)
		if err != nil && r.t != nil {
			err = in.errAt(r.t, err)
		}
		return v, err
	}
	return &Reference{Path: r.path.String(), Node: n}, nil
}

// call runs a method.
func (in *interp) call(m *Node, args []Object) (Object, error) {
	if m.kind == KindExternal {
		return nil, fmt.Errorf("%w: %s is declared External but no table defines it", ErrNotFound, m.Path())
	}
	if m.kind != KindMethod {
		return nil, fmt.Errorf("%s is a %s, not a method", m.Path(), m.kind)
	}
	mi := m.method
	if len(args) != mi.args {
		return nil, fmt.Errorf("method %s takes %d arguments, given %d", m.Path(), mi.args, len(args))
	}
	if err := in.enter(); err != nil {
		return nil, fmt.Errorf("calling %s: %w", m.Path(), err)
	}
	defer in.leave()
	if mi.builtin != nil {
		for i, a := range args {
			d, err := in.deref(a)
			if err != nil {
				return nil, err
			}
			args[i] = d
		}
		return mi.builtin(in, args)
	}
	p := newParser(in, mi.blk, mi.start, mi.end, m)
	body, err := p.termList(mi.end)
	if err != nil {
		return nil, err
	}
	f := &frame{scope: m, method: m}
	copy(f.args[:], args)
	defer func() {
		for i := len(f.temps) - 1; i >= 0; i-- {
			if tn := f.temps[i]; tn.parent != nil {
				tn.parent.removeChild(tn)
				in.ns.nodes--
			}
		}
	}()
	if _, err := in.execList(body, f); err != nil {
		return nil, err
	}
	return f.ret, nil
}

func (in *interp) execList(list []*term, f *frame) (flow, error) {
	for _, t := range list {
		fl, err := in.exec(t, f)
		if err != nil || fl != flowNext {
			return fl, err
		}
	}
	return flowNext, nil
}

// exec runs one term as a statement.
func (in *interp) exec(t *term, f *frame) (flow, error) {
	if err := in.step(); err != nil {
		return flowNext, in.errAt(t, err)
	}
	if err := in.enter(); err != nil {
		return flowNext, in.errAt(t, err)
	}
	defer in.leave()
	switch t.op {
	case opIf:
		c, err := in.evalInt(t.args[0], f)
		if err != nil {
			return flowNext, in.errAt(t, err)
		}
		if c != 0 {
			return in.execList(t.body, f)
		}
		if t.hasElse {
			return in.execList(t.els, f)
		}
		return flowNext, nil
	case opWhile:
		for {
			if err := in.step(); err != nil {
				return flowNext, in.errAt(t, err)
			}
			c, err := in.evalInt(t.args[0], f)
			if err != nil {
				return flowNext, in.errAt(t, err)
			}
			if c == 0 {
				return flowNext, nil
			}
			fl, err := in.execList(t.body, f)
			if err != nil {
				return flowNext, err
			}
			switch fl {
			case flowReturn:
				return fl, nil
			case flowBreak:
				return flowNext, nil
			}
		}
	case opReturn:
		v, err := in.eval(t.args[0], f)
		if err != nil {
			return flowNext, in.errAt(t, err)
		}
		f.ret = v
		return flowReturn, nil
	case opBreak:
		return flowBreak, nil
	case opContinue:
		return flowContinue, nil
	case opElse, opNoop, opBreakPoint:
		return flowNext, nil
	case opName, opMethod, opExternal, opAlias, opMutex, opEvent, opOpRegion, opDataRegion,
		opField, opIndexField, opBankField, opCreateDWord, opCreateWord, opCreateByte,
		opCreateBit, opCreateQWord, opCreateField, opScope, opDevice, opProcessor, opPowerRes, opThermalZone:
		return flowNext, in.declare(t, f.scope, f)
	}
	_, err := in.eval(t, f)
	return flowNext, err
}

func (in *interp) evalInt(t *term, f *frame) (uint64, error) {
	v, err := in.eval(t, f)
	if err != nil {
		return 0, err
	}
	i, err := in.toInt(v)
	return i, in.errAt(t, err)
}

// eval evaluates a term as an expression.
func (in *interp) eval(t *term, f *frame) (Object, error) {
	if err := in.step(); err != nil {
		return nil, in.errAt(t, err)
	}
	if err := in.enter(); err != nil {
		return nil, in.errAt(t, err)
	}
	defer in.leave()
	v, err := in.eval1(t, f)
	if err != nil {
		return nil, in.errAt(t, err)
	}
	return v, nil
}

func (in *interp) eval1(t *term, f *frame) (Object, error) {
	mask := in.ns.intMask
	switch t.op {
	case opInteger:
		return Integer(t.val), nil
	case opString:
		return String(t.str), nil
	case opLocal:
		if v := f.locals[t.val]; v != nil {
			return v, nil
		}
		return nil, fmt.Errorf("Local%d is not initialized", t.val)
	case opArg:
		if v := f.args[t.val]; v != nil {
			return v, nil
		}
		return nil, fmt.Errorf("Arg%d is not initialized", t.val)
	case opNameRef:
		n := followAlias(in.ns, in.ns.resolve(f.scope, t.name))
		if n == nil {
			return nil, fmt.Errorf("%w: %s (from %s)", ErrNotFound, t.name, f.scope.Path())
		}
		return in.readNode(n)
	case opCall:
		args := make([]Object, len(t.args))
		for i, a := range t.args {
			v, err := in.eval(a, f)
			if err != nil {
				return nil, err
			}
			if args[i], err = in.derefArg(v); err != nil {
				return nil, err
			}
		}
		v, err := in.call(t.node, args)
		if err != nil {
			return nil, err
		}
		if v == nil {
			// A method without Return used as a value: ACPICA's implicit
			// return gives Zero.
			return Integer(0), nil
		}
		return v, nil
	case opBuffer:
		size, err := in.evalInt(t.args[0], f)
		if err != nil {
			return nil, err
		}
		n := uint64(len(t.data))
		if size > n {
			n = size
		}
		if n > MaxBufferSize {
			return nil, fmt.Errorf("%w: Buffer of %d bytes (limit %d)", ErrTooLarge, size, MaxBufferSize)
		}
		if err := in.allocate(int(n), MaxBufferSize, "Buffer"); err != nil {
			return nil, err
		}
		b := make(Buffer, n)
		copy(b, t.data)
		return b, nil
	case opPackage, opVarPackage:
		n := t.val
		if t.op == opVarPackage {
			var err error
			if n, err = in.evalInt(t.args[0], f); err != nil {
				return nil, err
			}
		}
		if n > MaxPackageElements {
			return nil, fmt.Errorf("%w: package of %d elements (limit %d)", ErrTooLarge, n, MaxPackageElements)
		}
		if err := in.allocate(16*int(n), 16*MaxPackageElements, "Package"); err != nil {
			return nil, err
		}
		pkg := &Package{Elements: make([]Object, n)}
		for i, el := range t.body {
			if uint64(i) >= n {
				break // ACPICA truncates surplus initializers too
			}
			if el.op == opNameRef {
				pkg.Elements[i] = &pkgRef{scope: f.scope, path: el.name, t: el}
				continue
			}
			v, err := in.eval(el, f)
			if err != nil {
				return nil, err
			}
			pkg.Elements[i] = v
		}
		return pkg, nil
	case opStore, opCopyObject:
		v, err := in.eval(t.args[0], f)
		if err != nil {
			return nil, err
		}
		if v, err = in.derefArg(v); err != nil {
			return nil, err
		}
		return v, in.store(v, t.args[1], f)
	case opAdd, opSubtract, opMultiply, opAnd, opNand, opOr, opNor, opXor,
		opShiftLeft, opShiftRight, opMod:
		a, err := in.evalInt(t.args[0], f)
		if err != nil {
			return nil, err
		}
		b, err := in.evalInt(t.args[1], f)
		if err != nil {
			return nil, err
		}
		var r uint64
		switch t.op {
		case opAdd:
			r = a + b
		case opSubtract:
			r = a - b
		case opMultiply:
			r = a * b
		case opAnd:
			r = a & b
		case opNand:
			r = ^(a & b)
		case opOr:
			r = a | b
		case opNor:
			r = ^(a | b)
		case opXor:
			r = a ^ b
		case opShiftLeft:
			if b < 64 {
				r = a << b
			}
		case opShiftRight:
			if b < 64 {
				r = a >> b
			}
		case opMod:
			if b == 0 {
				return nil, errors.New("Mod by zero")
			}
			r = a % b
		}
		r &= mask
		return Integer(r), in.store(Integer(r), t.args[2], f)
	case opDivide:
		a, err := in.evalInt(t.args[0], f)
		if err != nil {
			return nil, err
		}
		b, err := in.evalInt(t.args[1], f)
		if err != nil {
			return nil, err
		}
		if b == 0 {
			return nil, errors.New("Divide by zero")
		}
		if err := in.store(Integer(a%b), t.args[2], f); err != nil {
			return nil, err
		}
		return Integer(a / b), in.store(Integer(a/b), t.args[3], f)
	case opNot, opFindSetLeft, opFindSetRight:
		a, err := in.evalInt(t.args[0], f)
		if err != nil {
			return nil, err
		}
		var r uint64
		switch t.op {
		case opNot:
			r = ^a & mask
		case opFindSetLeft:
			if a != 0 {
				r = uint64(64 - bits.LeadingZeros64(a))
			}
		case opFindSetRight:
			if a != 0 {
				r = uint64(bits.TrailingZeros64(a) + 1)
			}
		}
		return Integer(r), in.store(Integer(r), t.args[1], f)
	case opIncrement, opDecrement:
		a, err := in.evalInt(t.args[0], f)
		if err != nil {
			return nil, err
		}
		if t.op == opIncrement {
			a++
		} else {
			a--
		}
		a &= mask
		return Integer(a), in.store(Integer(a), t.args[0], f)
	case opLAnd, opLOr:
		a, err := in.evalInt(t.args[0], f)
		if err != nil {
			return nil, err
		}
		b, err := in.evalInt(t.args[1], f)
		if err != nil {
			return nil, err
		}
		if t.op == opLAnd {
			return in.logical(a != 0 && b != 0), nil
		}
		return in.logical(a != 0 || b != 0), nil
	case opLNot:
		a, err := in.evalInt(t.args[0], f)
		if err != nil {
			return nil, err
		}
		return in.logical(a == 0), nil
	case opLEqual, opLGreater, opLLess:
		a, err := in.eval(t.args[0], f)
		if err != nil {
			return nil, err
		}
		b, err := in.eval(t.args[1], f)
		if err != nil {
			return nil, err
		}
		c, err := in.compare(a, b)
		if err != nil {
			return nil, err
		}
		switch t.op {
		case opLEqual:
			return in.logical(c == 0), nil
		case opLGreater:
			return in.logical(c > 0), nil
		}
		return in.logical(c < 0), nil
	case opIndex:
		src, err := in.eval(t.args[0], f)
		if err != nil {
			return nil, err
		}
		if src, err = in.deref(src); err != nil {
			return nil, err
		}
		idx, err := in.evalInt(t.args[1], f)
		if err != nil {
			return nil, err
		}
		var ref Object
		switch s := src.(type) {
		case *Package:
			if idx >= uint64(len(s.Elements)) {
				return nil, fmt.Errorf("index %d out of range: package has %d elements", idx, len(s.Elements))
			}
			ref = &elemRef{pkg: s, i: int(idx)}
		case Buffer:
			if idx >= uint64(len(s)) {
				return nil, fmt.Errorf("index %d out of range: buffer has %d bytes", idx, len(s))
			}
			ref = &byteRef{buf: s, i: int(idx)}
		case String:
			if idx >= uint64(len(s)) {
				return nil, fmt.Errorf("index %d out of range: string has %d characters", idx, len(s))
			}
			ref = &byteRef{buf: []byte(s), i: int(idx), ro: true}
		default:
			return nil, fmt.Errorf("cannot index a %s", typeName(src))
		}
		return ref, in.store(ref, t.args[2], f)
	case opDerefOf:
		v, err := in.eval(t.args[0], f)
		if err != nil {
			return nil, err
		}
		switch r := v.(type) {
		case String:
			np, ok := parseTextPath(string(r))
			if !ok {
				return nil, fmt.Errorf("DerefOf string %q: not a name", string(r))
			}
			n := followAlias(in.ns, in.ns.resolve(f.scope, np))
			if n == nil {
				return nil, fmt.Errorf("%w: DerefOf %q", ErrNotFound, string(r))
			}
			return in.readNode(n)
		case *Reference:
			if r.Node == nil {
				return nil, fmt.Errorf("%w: DerefOf unresolved reference %s", ErrNotFound, r.Path)
			}
			return in.readNode(r.Node)
		case *elemRef, *byteRef, *localRef, *pkgRef:
			return in.deref(r)
		}
		return nil, fmt.Errorf("DerefOf a %s, not a reference", typeName(v))
	case opRefOf, opCondRefOf:
		a := t.args[0]
		var ref Object
		switch a.op {
		case opNameRef:
			n := followAlias(in.ns, in.ns.resolve(f.scope, a.name))
			if n != nil && n.kind != KindExternal { // an External alone does not make an object exist
				ref = &Reference{Path: a.name.String(), Node: n}
			} else if t.op == opRefOf {
				return nil, fmt.Errorf("%w: RefOf %s", ErrNotFound, a.name)
			}
		case opLocal:
			ref = &localRef{slot: &f.locals[a.val]}
		case opArg:
			ref = &localRef{slot: &f.args[a.val]}
		default:
			v, err := in.eval(a, f)
			if err != nil {
				return nil, err
			}
			ref = v
		}
		if t.op == opRefOf {
			return ref, nil
		}
		if ref == nil {
			return in.logical(false), nil
		}
		return in.logical(true), in.store(ref, t.args[1], f)
	case opSizeOf:
		v, err := in.eval(t.args[0], f)
		if err != nil {
			return nil, err
		}
		if v, err = in.deref(v); err != nil {
			return nil, err
		}
		switch s := v.(type) {
		case String:
			return Integer(len(s)), nil
		case Buffer:
			return Integer(len(s)), nil
		case *Package:
			return Integer(len(s.Elements)), nil
		}
		return nil, fmt.Errorf("SizeOf a %s", typeName(v))
	case opObjectType:
		a := t.args[0]
		if a.op == opNameRef {
			n := followAlias(in.ns, in.ns.resolve(f.scope, a.name))
			if n == nil {
				return nil, fmt.Errorf("%w: ObjectType %s", ErrNotFound, a.name)
			}
			if n.kind != KindName {
				return Integer(objectTypeOfKind(n.kind)), nil
			}
		}
		v, err := in.eval(a, f)
		if err != nil {
			return nil, err
		}
		if v, err = in.deref(v); err != nil {
			return nil, err
		}
		return Integer(objectTypeOfValue(v)), nil
	case opConcat:
		a, err := in.eval(t.args[0], f)
		if err != nil {
			return nil, err
		}
		b, err := in.eval(t.args[1], f)
		if err != nil {
			return nil, err
		}
		r, err := in.concat(a, b)
		if err != nil {
			return nil, err
		}
		return r, in.store(r, t.args[2], f)
	case opToInteger, opToBuffer, opToHexString, opToDecString:
		v, err := in.eval(t.args[0], f)
		if err != nil {
			return nil, err
		}
		r, err := in.convert(t.op, v)
		if err != nil {
			return nil, err
		}
		return r, in.store(r, t.args[1], f)
	case opToString:
		v, err := in.eval(t.args[0], f)
		if err != nil {
			return nil, err
		}
		b, err := in.toBuffer(v)
		if err != nil {
			return nil, err
		}
		limit, err := in.evalInt(t.args[1], f)
		if err != nil {
			return nil, err
		}
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		if limit < uint64(len(b)) {
			b = b[:limit]
		}
		return String(b), in.store(String(b), t.args[2], f)
	case opMid:
		v, err := in.eval(t.args[0], f)
		if err != nil {
			return nil, err
		}
		if v, err = in.deref(v); err != nil {
			return nil, err
		}
		idx, err := in.evalInt(t.args[1], f)
		if err != nil {
			return nil, err
		}
		length, err := in.evalInt(t.args[2], f)
		if err != nil {
			return nil, err
		}
		var src []byte
		switch s := v.(type) {
		case String:
			src = []byte(s)
		case Buffer:
			src = s
		default:
			return nil, fmt.Errorf("Mid of a %s", typeName(v))
		}
		lo, hi := uint64(len(src)), uint64(len(src))
		if idx < lo {
			lo = idx
		}
		if length < hi-lo {
			hi = lo + length
		}
		var r Object = Buffer(append([]byte(nil), src[lo:hi]...))
		if _, ok := v.(String); ok {
			r = String(src[lo:hi])
		}
		return r, in.store(r, t.args[3], f)
	case opAcquire, opWait:
		// Single-threaded: every mutex is free, every wait "times out" at once.
		if _, err := in.eval(t.args[len(t.args)-1], f); err != nil && t.op == opWait {
			return nil, err
		}
		if t.op == opWait {
			return in.logical(true), nil
		}
		return Integer(0), nil
	case opRelease, opSignal, opReset, opNotify, opSleep, opStall:
		// No effect on a read-only evaluator; operands are still checked.
		for _, a := range t.args {
			if a.op != opNameRef && a.op != opNullTarget {
				if _, err := in.eval(a, f); err != nil {
					return nil, err
				}
			}
		}
		return Integer(0), nil
	case opMatch:
		return in.match(t, f)
	case opFromBCD, opToBCD:
		a, err := in.evalInt(t.args[0], f)
		if err != nil {
			return nil, err
		}
		var r uint64
		if t.op == opFromBCD {
			for mul, x := uint64(1), a; x != 0; x >>= 4 {
				d := x & 0xF
				if d > 9 {
					return nil, fmt.Errorf("FromBCD: 0x%X is not BCD", a)
				}
				r += d * mul
				mul *= 10
			}
		} else {
			for shift, x := uint(0), a; x != 0 && shift < 64; x /= 10 {
				r |= (x % 10) << shift
				shift += 4
			}
		}
		r &= mask
		return Integer(r), in.store(Integer(r), t.args[1], f)
	case opFatal:
		// ACPICA reports Fatal to the OS and carries on; so does this.
		if _, err := in.eval(t.args[0], f); err != nil {
			return nil, err
		}
		return Integer(0), nil
	case opRevision:
		return Integer(2), nil
	case opTimer:
		return Integer(0), nil
	case opDebug:
		return nil, errors.New("Debug cannot be read")
	case opIf, opWhile, opReturn, opBreak, opContinue, opElse, opNoop, opBreakPoint, opName,
		opMethod, opExternal, opAlias, opMutex, opEvent, opOpRegion, opDataRegion, opField,
		opIndexField, opBankField, opScope, opDevice, opProcessor, opPowerRes, opThermalZone,
		opCreateDWord, opCreateWord, opCreateByte, opCreateBit, opCreateQWord, opCreateField:
		return nil, fmt.Errorf("%s used as a value", opLabel(t.op))
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupported, opLabel(t.op))
}

// match runs Match (SearchPackage, Op1, Obj1, Op2, Obj2, StartIndex): the
// index of the first element from StartIndex satisfying both conditions,
// or Ones.
func (in *interp) match(t *term, f *frame) (Object, error) {
	src, err := in.eval(t.args[0], f)
	if err != nil {
		return nil, err
	}
	if src, err = in.deref(src); err != nil {
		return nil, err
	}
	pkg, ok := src.(*Package)
	if !ok {
		return nil, fmt.Errorf("Match on a %s, not a Package", typeName(src))
	}
	var objs [2]Object
	for i, a := range []*term{t.args[1], t.args[2]} {
		if objs[i], err = in.eval(a, f); err != nil {
			return nil, err
		}
	}
	start, err := in.evalInt(t.args[3], f)
	if err != nil {
		return nil, err
	}
	ops := [2]uint64{t.imm[0], t.imm[1]}
	for i := start; i < uint64(len(pkg.Elements)); i++ {
		if err := in.step(); err != nil {
			return nil, err
		}
		el, err := in.deref(pkg.Elements[i])
		if err != nil || !isDataObject(el) {
			continue
		}
		if _, isPkg := el.(*Package); isPkg {
			continue
		}
		all := true
		for k := 0; k < 2 && all; k++ {
			if ops[k] == 0 { // MTR
				continue
			}
			c, err := in.compare(el, objs[k])
			if err != nil {
				all = false
				break
			}
			switch ops[k] {
			case 1:
				all = c == 0
			case 2:
				all = c <= 0
			case 3:
				all = c < 0
			case 4:
				all = c >= 0
			case 5:
				all = c > 0
			default:
				return nil, fmt.Errorf("Match operator %d is not defined", ops[k])
			}
		}
		if all {
			return Integer(i), nil
		}
	}
	return Integer(in.ns.intMask), nil
}

func (in *interp) logical(b bool) Object {
	if b {
		return Integer(in.ns.intMask)
	}
	return Integer(0)
}

// readNode reads a named object as an operand.
func (in *interp) readNode(n *Node) (Object, error) {
	switch n.kind {
	case KindName:
		if n.value == nil {
			return nil, fmt.Errorf("%s has no value", n.Path())
		}
		return n.value, nil
	case KindMethod:
		if n.method.args != 0 {
			return nil, fmt.Errorf("method %s needs %d arguments", n.Path(), n.method.args)
		}
		v, err := in.call(n, nil)
		if err == nil && v == nil {
			v = Integer(0)
		}
		return v, err
	case KindField:
		return in.readField(n)
	case KindBufferField:
		return in.readBufferField(n)
	case KindExternal:
		return nil, fmt.Errorf("%w: %s is declared External but no table defines it", ErrNotFound, n.Path())
	case KindAlias:
		if tgt := followAlias(in.ns, n); tgt != nil {
			return in.readNode(tgt)
		}
		return nil, fmt.Errorf("%w: alias %s does not resolve", ErrNotFound, n.Path())
	}
	return &Reference{Path: n.Path(), Node: n}, nil
}

// deref replaces an Index/RefOf reference or a package element name by the
// value it refers to; other values are returned as they are.
func (in *interp) deref(o Object) (Object, error) {
	for i := 0; i < 8; i++ {
		switch r := o.(type) {
		case *elemRef:
			if r.i >= len(r.pkg.Elements) {
				return nil, errors.New("package element reference out of range")
			}
			o = r.pkg.Elements[r.i]
			if o == nil {
				return nil, fmt.Errorf("package element %d is not initialized", r.i)
			}
		case *byteRef:
			if r.i >= len(r.buf) {
				return nil, errors.New("buffer byte reference out of range")
			}
			return Integer(r.buf[r.i]), nil
		case *localRef:
			o = *r.slot
			if o == nil {
				return nil, errors.New("reference to an uninitialized Local or Arg")
			}
		case *pkgRef:
			v, err := in.resolvePkgRef(r)
			if err != nil {
				return nil, err
			}
			o = v
		default:
			return o, nil
		}
	}
	return nil, errors.New("reference chain too long")
}

// derefArg resolves element references that would otherwise tie a value to
// a package slot (method arguments and stored values take the element).
func (in *interp) derefArg(o Object) (Object, error) {
	switch o.(type) {
	case *pkgRef:
		return in.deref(o)
	}
	return o, nil
}

// toInt converts an operand to an integer, as ACPI's implicit conversion
// does: strings are hex, buffers little-endian.
func (in *interp) toInt(o Object) (uint64, error) {
	o, err := in.deref(o)
	if err != nil {
		return 0, err
	}
	mask := in.ns.intMask
	switch v := o.(type) {
	case Integer:
		return uint64(v) & mask, nil
	case String:
		s := strings.TrimSpace(string(v))
		s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
		var r uint64
		for i := 0; i < len(s); i++ {
			d, err := strconv.ParseUint(s[i:i+1], 16, 8)
			if err != nil {
				break
			}
			r = r<<4 | d
		}
		return r & mask, nil
	case Buffer:
		var b [8]byte
		copy(b[:], v)
		return binary.LittleEndian.Uint64(b[:]) & mask, nil
	}
	return 0, fmt.Errorf("a %s where an Integer is needed", typeName(o))
}

func (in *interp) toBuffer(o Object) (Buffer, error) {
	o, err := in.deref(o)
	if err != nil {
		return nil, err
	}
	switch v := o.(type) {
	case Buffer:
		return v, nil
	case String:
		if err := in.allocate(len(v)+1, MaxBufferSize, "Buffer"); err != nil {
			return nil, err
		}
		return append(Buffer(v), 0), nil
	case Integer:
		b := make(Buffer, in.ns.IntegerWidth()/8)
		var full [8]byte
		binary.LittleEndian.PutUint64(full[:], uint64(v))
		copy(b, full[:])
		return b, nil
	}
	return nil, fmt.Errorf("a %s where a Buffer is needed", typeName(o))
}

// convert applies the conversion operator op (ToInteger, ToBuffer,
// ToHexString, ToDecimalString) to o.
func (in *interp) convert(op uint16, o Object) (Object, error) {
	switch op {
	case opToInteger:
		i, err := in.toInt(o)
		return Integer(i), err
	case opToBuffer:
		return in.toBuffer(o)
	default:
		return in.toText(o, op == opToHexString)
	}
}

func (in *interp) toText(o Object, hex bool) (String, error) {
	o, err := in.deref(o)
	if err != nil {
		return "", err
	}
	switch v := o.(type) {
	case String:
		return v, nil
	case Integer:
		if hex { // as ACPICA: all digits of the integer width, no prefix
			return String(fmt.Sprintf("%0*X", in.ns.IntegerWidth()/4, uint64(v))), nil
		}
		return String(strconv.FormatUint(uint64(v), 10)), nil
	case Buffer:
		if err := in.allocate(5*len(v), MaxBufferSize, "String"); err != nil {
			return "", err
		}
		if err := in.work(64 * len(v) / 8); err != nil { // one step per 8 bytes formatted
			return "", err
		}
		parts := make([]string, len(v))
		for i, b := range v {
			if hex {
				parts[i] = fmt.Sprintf("0x%02X", b)
			} else {
				parts[i] = strconv.Itoa(int(b))
			}
		}
		return String(strings.Join(parts, ",")), nil
	}
	return "", fmt.Errorf("a %s where a String is needed", typeName(o))
}

// compare orders a and b for LEqual/LLess/LGreater: the first operand's type
// decides, the second is converted to it.
func (in *interp) compare(a, b Object) (int, error) {
	a, err := in.deref(a)
	if err != nil {
		return 0, err
	}
	switch av := a.(type) {
	case Integer:
		bi, err := in.toInt(b)
		if err != nil {
			return 0, err
		}
		ai := uint64(av) & in.ns.intMask
		switch {
		case ai < bi:
			return -1, nil
		case ai > bi:
			return 1, nil
		}
		return 0, nil
	case String:
		bv, err := in.deref(b)
		if err != nil {
			return 0, err
		}
		var bs string
		switch x := bv.(type) {
		case String:
			bs = string(x)
		case Buffer:
			bs = string(x)
		case Integer:
			s, _ := in.toText(x, true)
			bs = string(s)
		default:
			return 0, fmt.Errorf("cannot compare a String with a %s", typeName(bv))
		}
		return strings.Compare(string(av), bs), nil
	case Buffer:
		bb, err := in.toBuffer(b)
		if err != nil {
			return 0, err
		}
		return bytes.Compare(av, bb), nil
	}
	return 0, fmt.Errorf("cannot compare a %s", typeName(a))
}

func (in *interp) concat(a, b Object) (Object, error) {
	a, err := in.deref(a)
	if err != nil {
		return nil, err
	}
	switch av := a.(type) {
	case String:
		bs, err := in.toText(b, true)
		if err != nil {
			return nil, err
		}
		if err := in.allocate(len(av)+len(bs), MaxBufferSize, "String"); err != nil {
			return nil, err
		}
		return av + bs, nil
	case Integer, Buffer:
		ab, err := in.toBuffer(av)
		if err != nil {
			return nil, err
		}
		bb, err := in.toBuffer(b)
		if err != nil {
			return nil, err
		}
		if err := in.allocate(len(ab)+len(bb), MaxBufferSize, "Buffer"); err != nil {
			return nil, err
		}
		return append(append(Buffer(nil), ab...), bb...), nil
	}
	return nil, fmt.Errorf("cannot Concatenate a %s", typeName(a))
}

// store writes v to a Target or SuperName.
func (in *interp) store(v Object, target *term, f *frame) error {
	switch target.op {
	case opNullTarget, opDebug:
		return nil
	case opLocal:
		f.locals[target.val] = v
		return nil
	case opArg:
		if r, ok := f.args[target.val].(*localRef); ok {
			*r.slot = v
			return nil
		}
		f.args[target.val] = v
		return nil
	case opNameRef:
		n := followAlias(in.ns, in.ns.resolve(f.scope, target.name))
		if n == nil {
			return fmt.Errorf("%w: store to %s", ErrNotFound, target.name)
		}
		return in.storeNode(v, n)
	}
	r, err := in.eval(target, f)
	if err != nil {
		return err
	}
	return in.storeRef(v, r)
}

func (in *interp) storeRef(v Object, r Object) error {
	switch ref := r.(type) {
	case *elemRef:
		if ref.i >= len(ref.pkg.Elements) {
			return errors.New("package element reference out of range")
		}
		ref.pkg.Elements[ref.i] = v
		return nil
	case *byteRef:
		if ref.ro {
			return errors.New("cannot store into a String character")
		}
		b, err := in.toInt(v)
		if err != nil {
			return err
		}
		ref.buf[ref.i] = byte(b)
		return nil
	case *localRef:
		*ref.slot = v
		return nil
	case *Reference:
		if ref.Node == nil {
			return fmt.Errorf("%w: store through unresolved reference %s", ErrNotFound, ref.Path)
		}
		return in.storeNode(v, ref.Node)
	}
	return fmt.Errorf("cannot store to a %s", typeName(r))
}

func (in *interp) storeNode(v Object, n *Node) error {
	switch n.kind {
	case KindName:
		v, err := in.deref(v)
		if err != nil {
			return err
		}
		// A Name keeps its type, as in ACPICA: the value is converted.
		switch old := n.value.(type) {
		case Integer:
			i, err := in.toInt(v)
			if err != nil {
				return fmt.Errorf("storing to %s: %w", n.Path(), err)
			}
			n.value = Integer(i)
			return nil
		case String:
			if _, isPkg := v.(*Package); !isPkg {
				s, err := in.toText(v, true)
				if err != nil {
					return fmt.Errorf("storing to %s: %w", n.Path(), err)
				}
				n.value = s
				return nil
			}
		case Buffer:
			// Copied into the buffer as it is: zero-filled or truncated.
			if _, isPkg := v.(*Package); !isPkg {
				b, err := in.toBuffer(v)
				if err != nil {
					return fmt.Errorf("storing to %s: %w", n.Path(), err)
				}
				nb := make(Buffer, len(old))
				copy(nb, b)
				n.value = nb
				return nil
			}
		case *Package:
			if _, isPkg := v.(*Package); !isPkg {
				return fmt.Errorf("cannot store a %s to %s, a Package", typeName(v), n.Path())
			}
		}
		c, err := in.copyObject(v, 0)
		if err != nil {
			return err
		}
		n.value = c
		return nil
	case KindBufferField:
		return in.writeBufferField(n, v)
	case KindField:
		return fmt.Errorf("%w: writing field %s (this evaluator never writes to operation regions)", ErrUnsupported, n.Path())
	}
	return fmt.Errorf("cannot store to %s, a %s", n.Path(), n.kind)
}

// copyObject copies packages and buffers so a stored value does not alias
// its source. Each element copied is a step, so shared or cyclic packages
// cannot make the copy explode.
func (in *interp) copyObject(o Object, depth int) (Object, error) {
	switch v := o.(type) {
	case Buffer:
		if err := in.work(len(v)); err != nil {
			return nil, err
		}
		return append(Buffer(nil), v...), nil
	case *Package:
		if depth > maxObjectDepth {
			return nil, fmt.Errorf("%w: packages nested deeper than %d (or cyclic)", ErrTooLarge, maxObjectDepth)
		}
		out := &Package{Elements: make([]Object, len(v.Elements))}
		for i, e := range v.Elements {
			if err := in.step(); err != nil {
				return nil, err
			}
			c, err := in.copyObject(e, depth+1)
			if err != nil {
				return nil, err
			}
			out.Elements[i] = c
		}
		return out, nil
	}
	return o, nil
}

// ACPI ObjectType codes.
func objectTypeOfValue(o Object) int {
	switch o.(type) {
	case Integer:
		return 1
	case String:
		return 2
	case Buffer:
		return 3
	case *Package:
		return 4
	}
	return 0
}

func objectTypeOfKind(k Kind) int {
	switch k {
	case KindField:
		return 5
	case KindDevice:
		return 6
	case KindEvent:
		return 7
	case KindMethod:
		return 8
	case KindMutex:
		return 9
	case KindRegion:
		return 10
	case KindPowerResource:
		return 11
	case KindProcessor:
		return 12
	case KindThermalZone:
		return 13
	case KindBufferField:
		return 14
	}
	return 0
}
