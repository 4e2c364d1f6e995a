package aml

import (
	"errors"
	"fmt"
)

// copyTo runs the store of CopyObject: like Store, except that a Name's
// value is replaced by a copy of v whatever it held (Store converts to the
// Name's type).
func (in *interp) copyTo(v Object, target *term, f *frame) error {
	if target.op == opNameRef {
		n := followAlias(in.ns, in.ns.resolve(f.scope, target.name))
		if n != nil && n.kind == KindName {
			return in.replaceName(v, n)
		}
	}
	return in.store(v, target, f)
}

// replaceName makes a copy of v the value of Name n.
func (in *interp) replaceName(v Object, n *Node) error {
	v, err := in.deref(v)
	if err != nil {
		return err
	}
	c, err := in.copyObject(v, 0)
	if err != nil {
		return err
	}
	n.value = c
	return nil
}

// store writes v to a Target or SuperName. A Buffer or Package stored to
// a Local, an Arg or a Package element is a copy, as in ACPICA
// (AcpiDsStoreObjectToLocal, AcpiExStoreObjectToIndex copy an object held
// elsewhere): writing through the Local must not change the Name the
// value came from.
func (in *interp) store(v Object, target *term, f *frame) error {
	switch target.op {
	case opNullTarget, opDebug:
		return nil
	case opLocal, opArg:
		c, err := in.copyObject(v, 0)
		if err != nil {
			return err
		}
		slot := &f.locals[target.val]
		if target.op == opArg {
			slot = &f.args[target.val]
			if r, ok := (*slot).(*localRef); ok {
				slot = r.slot
			}
		}
		*slot = c
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
		c, err := in.copyObject(v, 0)
		if err != nil {
			return err
		}
		ref.pkg.Elements[ref.i] = c
		return nil
	case *byteRef:
		// As ACPICA: an Integer gives its low byte, a String or Buffer its
		// first byte (a String's terminating NUL if it is empty).
		v, err := in.deref(v)
		if err != nil {
			return err
		}
		var c byte
		switch s := v.(type) {
		case Integer:
			c = byte(s)
		case String:
			if len(s) > 0 {
				c = s[0]
			}
		case Buffer:
			if len(s) > 0 {
				c = s[0]
			}
		default:
			return fmt.Errorf("cannot store a %s into a buffer or string byte", typeName(v))
		}
		return ref.set(c)
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
			// Copied into the buffer in place, zero-filled or truncated,
			// as ACPICA's AcpiExStoreBufferToBuffer does: buffer fields
			// created on the Name go on seeing it. An empty buffer takes
			// the source's length.
			if _, isPkg := v.(*Package); !isPkg {
				b, err := in.toBuffer(v)
				if err != nil {
					return fmt.Errorf("storing to %s: %w", n.Path(), err)
				}
				b = append(Buffer(nil), b...) // b may be old itself
				if len(old) == 0 {
					n.value = b
					return nil
				}
				clear(old)
				copy(old, b)
				return nil
			}
		case *Package:
			if _, isPkg := v.(*Package); !isPkg {
				return fmt.Errorf("cannot store a %s to %s, a Package", typeName(v), n.Path())
			}
		}
		return in.replaceName(v, n)
	case KindBufferField:
		return in.writeBufferField(n, v)
	case KindField:
		return in.writeField(n, v)
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

// storeOp runs Store and CopyObject.
func (in *interp) storeOp(t *term, f *frame) (Object, error) {
	v, err := in.eval(t.args[0], f)
	if err != nil {
		return nil, err
	}
	if v, err = in.derefArg(v); err != nil {
		return nil, err
	}
	if t.op == opCopyObject {
		return v, in.copyTo(v, t.args[1], f)
	}
	return v, in.store(v, t.args[1], f)
}
