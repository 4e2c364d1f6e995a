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
	return in.storeTo(v, target, f, true)
}

// storeTo is store; shared false says v was just created by the source
// (Package () {…}, an operator's result): a Local or Arg then takes it as
// it is, as ACPICA does for an object whose reference count is one, so
// that its elements naming Names go on sharing their objects.
func (in *interp) storeTo(v Object, target *term, f *frame, shared bool) error {
	switch target.op {
	case opNullTarget, opDebug:
		return nil
	case opLocal, opArg:
		c := v
		if shared {
			var err error
			if c, err = in.copyObject(v, 0); err != nil {
				return err
			}
		}
		slot := &f.locals[target.val]
		if target.op == opArg {
			slot = &f.args[target.val]
			// An Arg holding RefOf (Local or Name) stores through it,
			// without conversion (AcpiDsStoreObjectToLocal); any other
			// Arg is overwritten.
			switch r := (*slot).(type) {
			case *localRef:
				slot = r.slot
			case *Reference:
				if r.Node != nil && isRefOfTarget(r.Node) {
					if r.Node.kind == KindName {
						return in.replaceName(c, r.Node)
					}
					return in.storeNode(c, r.Node)
				}
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

// isRefOfTarget reports whether a Reference to n can only come from
// RefOf: reading a Name or a field gives its value, while a Device, Method
// and the like are passed as a Reference to themselves, which a store to
// the Arg holding it overwrites.
func isRefOfTarget(n *Node) bool {
	switch n.kind {
	case KindName, KindField, KindBufferField:
		return true
	}
	return false
}

// copyObject copies packages and buffers so a stored value does not alias
// its source. Each element copied is a step, so shared or cyclic packages
// cannot make the copy explode.
func (in *interp) copyObject(o Object, depth int) (Object, error) {
	if e, ok := o.(*nameElem); ok {
		// A copied element keeps the Name's value of now, as ACPICA's
		// copy of the shared object does.
		v, err := in.readNode(e.node)
		if err != nil {
			return nil, err
		}
		o = v
	}
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
	return v, in.storeTo(v, t.args[1], f, sharesObject(t.args[0]))
}

// sharesObject reports whether the value of term t may be an object held
// elsewhere too (a named object, a Local or Arg, a package element, what a
// method returned), rather than one t just created.
func sharesObject(t *term) bool {
	switch t.op {
	case opNameRef, opCall, opLocal, opArg, opIndex, opDerefOf, opStore, opCopyObject:
		return true
	}
	return false
}
