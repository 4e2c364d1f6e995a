package aml

import (
	"errors"
	"fmt"
)

// match runs Match (SearchPackage, Op1, Obj1, Op2, Obj2, StartIndex): the
// index of the first element from StartIndex satisfying both conditions,
// or Ones.
func (in *interp) match(t *term, f *frame) (Object, error) {
	src, err := in.evalData(t.args[0], f)
	if err != nil {
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

// readNode reads a named object as an operand.
func (in *interp) readNode(n *Node) (Object, error) {
	switch n.kind {
	case KindName:
		switch n.value.(type) {
		case nil:
			return nil, fmt.Errorf("%s has no value", n.Path())
		case unevaluated:
			return nil, fmt.Errorf("%s has no value: its %s initializer failed at load", n.Path(), typeName(n.value))
		}
		return n.value, nil
	case KindMethod:
		if n.method().args != 0 {
			return nil, fmt.Errorf("method %s needs %d arguments", n.Path(), n.method().args)
		}
		v, err := in.call(n, nil)
		if err == nil && v == nil {
			return nil, noReturnValue(n)
		}
		return v, err
	case KindField:
		return in.readField(n)
	case KindBufferField:
		return in.readBufferField(n)
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
			return r.get()
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
		case *nameElem:
			v, err := in.readNode(r.node)
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
	case *pkgRef, *nameElem:
		return in.deref(o)
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
	case ddbHandle:
		return 15
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

// index runs Index (Source, Index, Target): a reference to one package
// element or one buffer or string byte.
func (in *interp) index(t *term, f *frame) (Object, error) {
	raw, err := in.eval(t.args[0], f)
	if err != nil {
		return nil, err
	}
	src, err := in.deref(raw)
	if err != nil {
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
		ref = &byteRef{i: int(idx), str: in.stringSlot(t.args[0], raw, s, f)}
	default:
		return nil, fmt.Errorf("cannot index a %s", typeName(src))
	}
	return ref, in.store(ref, t.args[2], f)
}

// stringSlot finds where the String s that term t evaluated to (raw, before
// dereferencing) lives, so that a store through Index can change one of its
// characters: a Name, a Local or Arg (or what it refers to), a package
// element. Any other String is a temporary, given a slot of its own.
func (in *interp) stringSlot(t *term, raw Object, s String, f *frame) *Object {
	var slot *Object
	switch r := raw.(type) {
	case *elemRef:
		slot = &r.pkg.Elements[r.i]
	case *localRef:
		slot = r.slot
	default:
		switch t.op {
		case opNameRef:
			if n := followAlias(in.ns, in.ns.resolve(f.scope, t.name)); n != nil && n.kind == KindName {
				slot = &n.value
			}
		case opLocal:
			slot = &f.locals[t.val]
		case opArg:
			slot = &f.args[t.val]
		}
	}
	if slot != nil {
		if _, ok := (*slot).(String); ok {
			return slot
		}
	}
	tmp := Object(s)
	return &tmp
}

// derefOf runs DerefOf: the object a reference or a path string names.
func (in *interp) derefOf(t *term, f *frame) (Object, error) {
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
	case *elemRef, *byteRef, *localRef, *pkgRef, *nameElem:
		return in.deref(r)
	}
	return nil, fmt.Errorf("DerefOf a %s, not a reference", typeName(v))
}

// refOf runs RefOf and CondRefOf.
func (in *interp) refOf(t *term, f *frame) (Object, error) {
	a := t.args[0]
	var ref Object
	switch a.op {
	case opNameRef:
		n := followAlias(in.ns, in.ns.resolve(f.scope, a.name))
		if n != nil {
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
}

// sizeOf runs SizeOf.
func (in *interp) sizeOf(t *term, f *frame) (Object, error) {
	v, err := in.evalData(t.args[0], f)
	if err != nil {
		return nil, err
	}
	if r, ok := v.(*Reference); ok && r.Node != nil {
		// SizeOf (Arg0) with Arg0 = RefOf (Name): the size of the Name's
		// value, as in ACPICA.
		if v, err = in.readNode(r.Node); err != nil {
			return nil, err
		}
		if v, err = in.deref(v); err != nil {
			return nil, err
		}
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
}

// objectType runs ObjectType: the ACPI type code of a named object or value.
func (in *interp) objectType(t *term, f *frame) (Object, error) {
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
	if r, ok := v.(*elemRef); ok && r.i < len(r.pkg.Elements) && r.pkg.Elements[r.i] == nil {
		return Integer(0), nil // an element the Package declared but did not set, as ACPICA
	}
	if v, err = in.deref(v); err != nil {
		return nil, err
	}
	return Integer(objectTypeOfValue(v)), nil
}
