package aml

import (
	"errors"
	"fmt"
)

// The interpreter is split by concern: this file holds its budgets, frames
// and method calls; exec.go dispatches statements and expressions; arith.go
// is the table of integer and logic operators; convert.go the implicit and
// explicit conversions; store.go stores and copies; ref.go references,
// Index, ObjectType and named-object reads.

// interp runs AML. One interp serves one Load block or one Evaluate call and
// carries its budget: steps, nesting depth and bytes allocated.
type interp struct {
	ns       *Namespace
	steps    int
	maxSteps int
	depth    int
	maxDepth int
	alloc    int
	terms    *termArena // decoded code; see runBody
	mutexes  mutexState
	// fromOutside: the next call is the evaluation's own, not one made
	// by AML (a Serialized method's SyncLevel order is not checked).
	fromOutside bool
}

func (ns *Namespace) newInterp() *interp {
	terms := ns.loadTerms
	if terms == nil {
		terms = new(termArena)
	}
	return &interp{ns: ns, maxSteps: ns.opts.steps(), maxDepth: ns.opts.depth(), terms: terms}
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
	return errAtOffset(t.blk, t.off, t.op, err)
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
// other objects (Devices, Methods) come back as *Reference, and so does a
// method's RefOf of such an object (RefOf of a Name yields its value). A
// method that returns nothing yields nil.
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
		in.fromOutside = true
		v, err = in.call(target, own)
		if r, ok := v.(*Reference); ok && err == nil && r.Node != nil && r.Node.kind == KindName {
			// A method returning RefOf (Name) gives the caller the
			// Name's value, as ACPICA's AcpiEvaluateObject does
			// (AcpiNsResolveReferences).
			v, err = in.readNode(r.Node)
		}
	case KindName, KindField, KindBufferField:
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
	case *elemRef, *byteRef, *localRef, *nameElem:
		d, err := in.deref(v)
		if err != nil {
			return nil, err
		}
		return in.toCaller(d, depth+1)
	}
	if _, ok := o.(ddbHandle); ok {
		return nil, errors.New("a DDBHandle (what Load stores) is not a value to return")
	}
	return nil, fmt.Errorf("%w: value of type %T", errInternal, o)
}

// resolvePkgRef reads the object a package element names: the value of a
// data object, or a *Reference for anything else. A name that resolves to
// nothing is an empty element (nil), as ACPICA makes it
// (AcpiDsResolvePackageElement: "Could not resolve name, set the element
// to NULL").
func (in *interp) resolvePkgRef(r *pkgRef) (Object, error) {
	n := followAlias(in.ns, in.ns.resolve(r.scope, r.path))
	if n == nil {
		return nil, nil
	}
	switch n.kind {
	case KindName, KindField, KindBufferField:
		v, err := in.readNode(n)
		if err != nil && r.blk != nil {
			err = errAtOffset(r.blk, r.off, opNameString, err)
		}
		return v, err
	}
	return &Reference{Path: r.path.String(), Node: n}, nil
}

// call runs a method.
func (in *interp) call(m *Node, args []Object) (Object, error) {
	if m.kind != KindMethod {
		return nil, fmt.Errorf("%s is a %s, not a method", m.Path(), m.kind)
	}
	mi := m.method()
	if len(args) != mi.args {
		return nil, fmt.Errorf("method %s takes %d arguments, given %d", m.Path(), mi.args, len(args))
	}
	top := in.fromOutside
	in.fromOutside = false
	if err := in.enter(); err != nil {
		return nil, fmt.Errorf("calling %s: %w", m.Path(), err)
	}
	defer in.leave()
	if mi.flags&methodSerialized != 0 {
		if err := in.mutexes.enterSerialized(m, mi.flags>>4, top); err != nil {
			return nil, err
		}
		defer in.mutexes.leaveSerialized(m)
	}
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
	if _, err := in.runBody(m.blk, mi.start, mi.end, f); err != nil {
		return nil, err
	}
	return f.ret, nil
}
