package aml

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

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

// concatOp runs Concatenate (Source1, Source2, Result).
func (in *interp) concatOp(t *term, f *frame) (Object, error) {
	x, err := in.operands(t, f, 2)
	if err != nil {
		return nil, err
	}
	r, err := in.concat(x[0], x[1])
	if err != nil {
		return nil, err
	}
	return r, in.store(r, t.args[2], f)
}

// concatResOp runs ConcatenateResTemplate (Source1, Source2, Result): the
// descriptors of both templates, without their end tags, then one end tag
// with checksum 0 ("ignore"), as ACPICA's AcpiExConcatTemplate. An empty
// Buffer counts as a lone end tag; a template without one is an error.
func (in *interp) concatResOp(t *term, f *frame) (Object, error) {
	x, err := in.operands(t, f, 2)
	if err != nil {
		return nil, err
	}
	var parts [2]Buffer
	for i, o := range x {
		b, err := in.toBuffer(o)
		if err != nil {
			return nil, err
		}
		end, err := resourceEnd(b)
		if err != nil {
			return nil, err
		}
		parts[i] = b[:end]
	}
	if err := in.allocate(len(parts[0])+len(parts[1])+2, MaxBufferSize, "Buffer"); err != nil {
		return nil, err
	}
	r := make(Buffer, 0, len(parts[0])+len(parts[1])+2)
	r = append(append(append(r, parts[0]...), parts[1]...), 0x79, 0)
	return r, in.store(r, t.args[2], f)
}

// convertOp runs ToInteger, ToBuffer, ToHexString and ToDecimalString.
func (in *interp) convertOp(t *term, f *frame) (Object, error) {
	v, err := in.eval(t.args[0], f)
	if err != nil {
		return nil, err
	}
	r, err := in.convert(t.op, v)
	if err != nil {
		return nil, err
	}
	// The target takes the result as it is, as CopyObject's does: a Name
	// of another type changes type (ACPICA, acpiexec).
	return r, in.copyTo(r, t.args[1], f)
}

// toStringOp runs ToString (Source, Length, Result): buffer bytes up to
// the first NUL or Length.
func (in *interp) toStringOp(t *term, f *frame) (Object, error) {
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
	return String(b), in.copyTo(String(b), t.args[2], f) // as convertOp
}

// mid runs Mid (Source, Index, Length, Result).
func (in *interp) mid(t *term, f *frame) (Object, error) {
	v, err := in.evalData(t.args[0], f)
	if err != nil {
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
}
