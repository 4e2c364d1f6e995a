package aml

import (
	"errors"
	"fmt"
)

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
			return in.runBody(t.blk, t.bodyStart, t.bodyEnd, f)
		}
		if t.hasElse {
			return in.runBody(t.blk, t.elseStart, t.elseEnd, f)
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
			fl, err := in.runBody(t.blk, t.bodyStart, t.bodyEnd, f)
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
		var v Object
		var err error
		if a := t.args[0]; a.op == opCall {
			// Return (M ()) of a method that returns nothing returns
			// nothing, as in ACPICA; no value is needed here.
			v, err = in.evalCall(a, f)
			err = in.errAt(a, err)
		} else {
			v, err = in.eval(a, f)
		}
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
	case opCall:
		// A call as a statement: a method that returns nothing is fine here.
		_, err := in.evalCall(t, f)
		return flowNext, in.errAt(t, err)
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

// resolvesTo checks that a SuperName operand written as a name names an
// object, as ACPICA does when it runs the operator (AE_NOT_FOUND): the
// object of a Notify, Acquire or Signal is not read, but must exist.
func (in *interp) resolvesTo(a *term, f *frame) error {
	if a.op == opNameRef && followAlias(in.ns, in.ns.resolve(f.scope, a.name)) == nil {
		return in.errAt(a, fmt.Errorf("%w: %s", ErrNotFound, a.name.String()))
	}
	return nil
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

// eval1 dispatches on the opcode. Each case is one line or a call into the
// file that owns the concern: arith.go (integer and logic operators, as a
// table), convert.go, store.go, ref.go (references, Index, ObjectType).
func (in *interp) eval1(t *term, f *frame) (Object, error) {
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
		v, err := in.evalCall(t, f)
		if err == nil && v == nil {
			return nil, noReturnValue(t.node)
		}
		return v, err
	case opBuffer:
		return in.newBuffer(t, f)
	case opPackage, opVarPackage:
		return in.newPackage(t, f)
	case opStore, opCopyObject:
		return in.storeOp(t, f)
	case opDivide:
		return in.divide(t, f)
	case opLEqual, opLGreater, opLLess:
		return in.relational(t, f)
	case opIndex:
		return in.index(t, f)
	case opDerefOf:
		return in.derefOf(t, f)
	case opRefOf, opCondRefOf:
		return in.refOf(t, f)
	case opSizeOf:
		return in.sizeOf(t, f)
	case opObjectType:
		return in.objectType(t, f)
	case opMatch:
		return in.match(t, f)
	case opConcat:
		return in.concatOp(t, f)
	case opConcatRes:
		return in.concatResOp(t, f)
	case opToInteger, opToBuffer, opToHexString, opToDecString:
		return in.convertOp(t, f)
	case opToString:
		return in.toStringOp(t, f)
	case opMid:
		return in.mid(t, f)
	case opAcquire:
		// Single-threaded: no one else holds a mutex, so Acquire never
		// waits; ownership and SyncLevel are checked (mutex.go).
		n, err := in.mutexOperand(t.args[0], f)
		if err != nil {
			return nil, err
		}
		return Integer(0), in.mutexes.acquire(n)
	case opRelease:
		n, err := in.mutexOperand(t.args[0], f)
		if err != nil {
			return nil, err
		}
		return Integer(0), in.mutexes.release(n)
	case opWait:
		// Single-threaded: no one can signal, every wait "times out" at once.
		if err := in.resolvesTo(t.args[0], f); err != nil {
			return nil, err
		}
		if _, err := in.eval(t.args[1], f); err != nil {
			return nil, err
		}
		return in.logical(true), nil
	case opSignal, opReset, opNotify, opSleep, opStall:
		// No effect on a read-only evaluator; operands are still checked.
		for _, a := range t.args {
			if err := in.resolvesTo(a, f); err != nil {
				return nil, err
			}
			if a.op != opNameRef && a.op != opNullTarget {
				if _, err := in.eval(a, f); err != nil {
					return nil, err
				}
			}
		}
		return Integer(0), nil
	case opLoad:
		return in.loadOp(t, f)
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
	if op, ok := intOperators[t.op]; ok {
		return in.intOperator(t, f, op)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupported, opLabel(t.op))
}

// noReturnValue is the error for a method that returned nothing where a
// value is needed: ACPICA's AE_AML_NO_RETURN_VALUE (its implicit return of
// Zero exists only in its "interpreter slack" mode, off in acpiexec and
// Linux).
func noReturnValue(m *Node) error {
	return fmt.Errorf("method %s returned no value where one is needed", m.Path())
}

// evalCall runs a method invocation term; a method without Return gives nil.
func (in *interp) evalCall(t *term, f *frame) (Object, error) {
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
	return in.call(t.node, args)
}

// newBuffer runs Buffer (BufferSize) {initializer}.
func (in *interp) newBuffer(t *term, f *frame) (Object, error) {
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
}

// newPackage runs Package and VarPackage. Names among the elements stay
// names until read (pkgRef) outside methods: they may be defined by a
// later table.
func (in *interp) newPackage(t *term, f *frame) (Object, error) {
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
			r := &pkgRef{scope: f.scope, path: el.name, blk: el.blk, off: el.off}
			pkg.Elements[i] = r
			if f.method != nil {
				// In a method, ACPICA resolves the names when the
				// Package op runs (AcpiDsBuildInternalPackageObj): a
				// method-local object named there is gone once the
				// method returns. One that cannot be read stays a
				// name, as ACPICA keeps the reference.
				if n := followAlias(in.ns, in.ns.resolve(r.scope, r.path)); n != nil && n.kind == KindName {
					// A Name: the element shares its object, so it
					// follows later stores to the Name (acpiexec).
					pkg.Elements[i] = &nameElem{node: n}
				} else if v, err := in.resolvePkgRef(r); err == nil {
					pkg.Elements[i] = v
				}
			}
			continue
		}
		v, err := in.eval(el, f)
		if err != nil {
			return nil, err
		}
		pkg.Elements[i] = v
	}
	return pkg, nil
}

// operands evaluates the first n (at most 2) arguments of t as they are.
func (in *interp) operands(t *term, f *frame, n int) (x [2]Object, err error) {
	for i := 0; i < n; i++ {
		if x[i], err = in.eval(t.args[i], f); err != nil {
			return x, err
		}
	}
	return x, nil
}

// evalData evaluates t and follows references to the data they name.
func (in *interp) evalData(t *term, f *frame) (Object, error) {
	v, err := in.eval(t, f)
	if err != nil {
		return nil, err
	}
	return in.deref(v)
}
