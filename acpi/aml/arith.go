package aml

import (
	"errors"
	"fmt"
	"math/bits"
)

// intOp is an operator over Integer operands: Add, And, LNot, FromBCD, ….
// Its operands are read with intOperands; its result is masked to the
// namespace's integer width and, if target >= 0, also stored to that
// argument (Increment stores back to its own operand, argument 0).
type intOp struct {
	arity  int // Integer operands, arguments 0 and 1
	target int // the argument the result is stored to, or -1
	fn     func(in *interp, a, b uint64) (uint64, error)
}

// intOperators holds every operator that reads only Integers and yields
// one Integer (Divide yields two: see divide).
var intOperators = map[uint16]intOp{
	opAdd:      {2, 2, func(_ *interp, a, b uint64) (uint64, error) { return a + b, nil }},
	opSubtract: {2, 2, func(_ *interp, a, b uint64) (uint64, error) { return a - b, nil }},
	opMultiply: {2, 2, func(_ *interp, a, b uint64) (uint64, error) { return a * b, nil }},
	opAnd:      {2, 2, func(_ *interp, a, b uint64) (uint64, error) { return a & b, nil }},
	opNand:     {2, 2, func(_ *interp, a, b uint64) (uint64, error) { return ^(a & b), nil }},
	opOr:       {2, 2, func(_ *interp, a, b uint64) (uint64, error) { return a | b, nil }},
	opNor:      {2, 2, func(_ *interp, a, b uint64) (uint64, error) { return ^(a | b), nil }},
	opXor:      {2, 2, func(_ *interp, a, b uint64) (uint64, error) { return a ^ b, nil }},
	opShiftLeft: {2, 2, func(_ *interp, a, b uint64) (uint64, error) {
		if b >= 64 {
			return 0, nil
		}
		return a << b, nil
	}},
	opShiftRight: {2, 2, func(_ *interp, a, b uint64) (uint64, error) {
		if b >= 64 {
			return 0, nil
		}
		return a >> b, nil
	}},
	opMod: {2, 2, func(_ *interp, a, b uint64) (uint64, error) {
		if b == 0 {
			return 0, errors.New("Mod by zero")
		}
		return a % b, nil
	}},
	opNot: {1, 1, func(_ *interp, a, _ uint64) (uint64, error) { return ^a, nil }},
	opFindSetLeft: {1, 1, func(_ *interp, a, _ uint64) (uint64, error) {
		if a == 0 {
			return 0, nil
		}
		return uint64(64 - bits.LeadingZeros64(a)), nil
	}},
	opFindSetRight: {1, 1, func(_ *interp, a, _ uint64) (uint64, error) {
		if a == 0 {
			return 0, nil
		}
		return uint64(bits.TrailingZeros64(a) + 1), nil
	}},
	opIncrement: {1, 0, func(_ *interp, a, _ uint64) (uint64, error) { return a + 1, nil }},
	opDecrement: {1, 0, func(_ *interp, a, _ uint64) (uint64, error) { return a - 1, nil }},
	opLAnd:      {2, -1, func(in *interp, a, b uint64) (uint64, error) { return in.truth(a != 0 && b != 0), nil }},
	opLOr:       {2, -1, func(in *interp, a, b uint64) (uint64, error) { return in.truth(a != 0 || b != 0), nil }},
	opLNot:      {1, -1, func(in *interp, a, _ uint64) (uint64, error) { return in.truth(a == 0), nil }},
	opFromBCD:   {1, 1, fromBCD},
	opToBCD:     {1, 1, toBCD},
}

// intOperands evaluates the first n (at most 2) arguments of t as Integers.
func (in *interp) intOperands(t *term, f *frame, n int) (x [2]uint64, err error) {
	for i := 0; i < n; i++ {
		if x[i], err = in.evalInt(t.args[i], f); err != nil {
			return x, err
		}
	}
	return x, nil
}

// intOperator runs one operator of intOperators.
func (in *interp) intOperator(t *term, f *frame, op intOp) (Object, error) {
	x, err := in.intOperands(t, f, op.arity)
	if err != nil {
		return nil, err
	}
	r, err := op.fn(in, x[0], x[1])
	if err != nil {
		return nil, err
	}
	v := Integer(r & in.ns.intMask)
	if op.target < 0 {
		return v, nil
	}
	return v, in.store(v, t.args[op.target], f)
}

// divide runs Divide (Dividend, Divisor, Remainder, Result).
func (in *interp) divide(t *term, f *frame) (Object, error) {
	x, err := in.intOperands(t, f, 2)
	if err != nil {
		return nil, err
	}
	a, b := x[0], x[1]
	if b == 0 {
		return nil, errors.New("Divide by zero")
	}
	if err := in.store(Integer(a%b), t.args[2], f); err != nil {
		return nil, err
	}
	return Integer(a / b), in.store(Integer(a/b), t.args[3], f)
}

// relational runs LEqual, LGreater and LLess, which compare any two data
// objects (see compare).
func (in *interp) relational(t *term, f *frame) (Object, error) {
	x, err := in.operands(t, f, 2)
	if err != nil {
		return nil, err
	}
	c, err := in.compare(x[0], x[1])
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
}

func fromBCD(_ *interp, a, _ uint64) (uint64, error) {
	var r uint64
	for mul, x := uint64(1), a; x != 0; x >>= 4 {
		d := x & 0xF
		if d > 9 {
			return 0, fmt.Errorf("FromBCD: 0x%X is not BCD", a)
		}
		r += d * mul
		mul *= 10
	}
	return r, nil
}

func toBCD(_ *interp, a, _ uint64) (uint64, error) {
	var r uint64
	for shift, x := uint(0), a; x != 0 && shift < 64; x /= 10 {
		r |= (x % 10) << shift
		shift += 4
	}
	return r, nil
}

// truth is AML's boolean: Ones (all bits of the integer width) or Zero.
func (in *interp) truth(b bool) uint64 {
	if b {
		return in.ns.intMask
	}
	return 0
}

func (in *interp) logical(b bool) Object { return Integer(in.truth(b)) }
