package aml

import (
	"errors"
	"fmt"
)

// Load builds a namespace from definition blocks: the DSDT first, then the
// SSDTs, as acpi.DefinitionBlocks orders them. The first block's Revision
// sets the integer width (below 2: 32 bits).
//
// Named objects are created as the AML declares them; code is decoded
// only when it runs, a statement at a time. Code outside methods
// (module-level If, Store, method calls) runs as the table loads, as in
// ACPICA, with its own MaxSteps budget per block; its failures are
// warnings. As in ACPICA, an object that cannot be created costs itself
// (with everything it holds) and a warning, not the table: a second
// definition of a name, a Scope on an undefined path or a name in a scope
// that does not exist. A Name whose initializer fails stays without a
// value (a Buffer or Package keeps its type, as in ACPICA; reading it
// fails). External declarations create nothing.
//
// An object inside a Scope, Device or other container that cannot be
// decoded costs the rest of that container, and an undecodable
// module-level If only that If: both are warnings. A fault in the block's
// own term list, or the step budget running out, stops that block with an
// *Error naming the table, the offset and the opcode. Load still loads the
// other blocks, as operating systems do, and returns the namespace
// together with the errors (joined): objects declared before the failure
// point remain. Callers that want all or nothing treat any error as fatal;
// discovery can go on with what loaded.
//
// Decoding a block may take MaxSteps plus 8 steps per byte of AML, so a
// small MaxSteps meant for evaluation never stops a large table loading.
func Load(blocks []Block, opts Options) (*Namespace, error) {
	ns := newNamespace(opts)
	if len(blocks) > 0 && blocks[0].Revision == 1 {
		ns.intMask = 0xFFFFFFFF
	}
	ns.loadTerms = new(termArena)
	defer func() { ns.loadTerms = nil }()
	var errs []error
	for i := range blocks {
		if err := ns.loadBlock(&blocks[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return ns, errors.Join(errs...)
}

func (ns *Namespace) loadBlock(b *Block) (err error) {
	blk := &blockInfo{table: b.Table, aml: b.AML, base: b.Base}
	in := ns.newInterp()
	if len(b.AML) < (1<<31)/8 {
		in.maxSteps += 8 * len(b.AML)
	}
	defer func() {
		if r := recover(); r != nil {
			err = &Error{Table: b.Table, Err: fmt.Errorf("%w: panic while loading: %v", errInternal, r)}
		}
	}()
	p := newParser(in, blk, 0, len(blk.aml), ns.root)
	p.lazy = true
	return p.loadTermList(len(blk.aml), ns.root, true)
}

// loadTermList walks a term list outside any method, declaring named
// objects. top is set for the definition block itself.
//
// Inside a Scope, Device or other container, an object that cannot be
// decoded makes Load skip the rest of that container (its PkgLength says
// where it ends) with a warning, and a module-level If or While that
// cannot be decoded is skipped alone: the objects around them still load.
// Only the step budget running out, or a fault in the block's own term
// list, stops the block.
func (p *parser) loadTermList(end int, scope *Node, top bool) (err error) {
	saved, savedScope := p.end, p.scope
	p.end, p.scope = end, scope
	defer func() { p.end, p.scope = saved, savedScope }()
	defer func() {
		if err != nil && !top && !errors.Is(err, ErrMaxSteps) {
			p.in.ns.warn(fmt.Errorf("rest of %s skipped: %w", scope.Path(), err))
			p.pos, err = end, nil
		}
	}()
	m := p.in.terms.mark()
	defer p.in.terms.release(m)
	for p.pos < end {
		// What one top-level object decodes to is dropped once it is
		// declared or run, so the allocation budget and the term arena
		// serve each object afresh.
		p.in.alloc = 0
		p.in.terms.release(m)
		start := p.pos
		op := uint16(p.aml[p.pos])
		if op == opExtPrefix && p.pos+1 < end {
			op = op<<8 | uint16(p.aml[p.pos+1])
		}
		switch op {
		case opScope, opDevice, opProcessor, opPowerRes, opThermalZone:
			if err := p.loadScope(op, scope); err != nil {
				return err
			}
		case opIf, opElse, opWhile:
			// Only the predicate is decoded here; the block decodes as
			// it runs.
			p.pos++
			if err := p.in.step(); err != nil {
				return p.errAt(start, op, err)
			}
			e, err := p.pkgLength(op)
			if err != nil {
				return err
			}
			p.pos = start
			t, err := p.term()
			if err != nil {
				if errors.Is(err, ErrMaxSteps) {
					return err
				}
				p.in.ns.warn(fmt.Errorf("module-level %s skipped: %w", opLabel(op), err))
				p.pos = e
				continue
			}
			p.runModuleLevel(t, scope)
		default:
			if op == opName {
				handled, err := p.loadConstName(scope)
				if err != nil {
					p.in.ns.warn(err) // this object's only, as below
				}
				if handled {
					continue
				}
			}
			t, err := p.term()
			if err != nil {
				return err
			}
			if !declares(t.op) {
				p.runModuleLevel(t, scope)
				continue
			}
			if p.frame == nil {
				p.frame = &frame{module: true}
			}
			p.frame.scope = scope
			if err := p.in.declare(t, scope, p.frame); err != nil {
				if errors.Is(err, ErrMaxSteps) {
					return err
				}
				// As in ACPICA, a duplicate, a name in a scope that does
				// not exist or an initializer that fails costs this
				// object, not the table.
				p.in.ns.warn(err)
			}
		}
	}
	return nil
}

// declares reports whether a term declares a named object.
func declares(op uint16) bool {
	switch op {
	case opName, opMethod, opExternal, opAlias, opMutex, opEvent, opOpRegion, opDataRegion,
		opField, opIndexField, opBankField, opCreateDWord, opCreateWord, opCreateByte,
		opCreateBit, opCreateQWord, opCreateField, opScope, opDevice, opProcessor, opPowerRes, opThermalZone:
		return true
	}
	return false
}

// runModuleLevel runs code outside any method as the table loads, as
// ACPICA does: module-level If blocks may declare objects or set Names.
// Failures are warnings (the table still loads); all module-level code of
// a block shares one MaxSteps budget.
func (p *parser) runModuleLevel(t *term, scope *Node) {
	if p.mlc == nil {
		p.mlc = p.in.ns.newInterp()
	}
	in := p.mlc
	in.depth = p.in.depth
	defer func() { in.depth = 0 }()
	if _, err := in.exec(t, &frame{scope: scope, module: true}); err != nil {
		p.in.ns.warn(fmt.Errorf("module-level code: %w", err))
	}
}

// loadScope handles Scope and the object kinds that open a scope.
func (p *parser) loadScope(op uint16, scope *Node) error {
	start := p.pos
	if err := p.in.enter(); err != nil {
		return p.errAt(start, op, err)
	}
	defer p.in.leave()
	if err := p.in.step(); err != nil {
		return p.errAt(start, op, err)
	}
	p.pos++
	if op > 0xFF {
		p.pos++
	}
	end, err := p.pkgLength(op)
	if err != nil {
		return err
	}
	saved := p.end
	p.end = end
	np, err := p.nameString()
	if err == nil {
		switch op {
		case opProcessor:
			err = p.need(6, op, "Processor fields")
			p.pos += 6
		case opPowerRes:
			err = p.need(3, op, "PowerResource fields")
			p.pos += 3
		}
	}
	p.end = saved
	if err != nil {
		return err
	}
	n, err := p.in.ns.openScope(scope, np, op, p.blk, start)
	if err != nil {
		// ACPICA refuses the object with everything in it; the table
		// goes on after it.
		p.in.ns.warn(p.errAt(start, op, fmt.Errorf("%w; its contents are not loaded", err)))
		p.pos = end
		return nil
	}
	return p.loadTermList(end, n, false)
}

// openScope returns the node whose objects the body of a Scope, Device,
// Processor, PowerResource or ThermalZone at np declares: for Scope an
// existing object (a scope, or a data object, as ACPICA allows), for the
// others a new node. A Scope on an undefined path, or a second definition
// of a name, is an error.
func (ns *Namespace) openScope(scope *Node, np namePath, op uint16, blk *blockInfo, off int) (*Node, error) {
	if op == opScope {
		n := followAlias(ns, ns.resolve(scope, np))
		switch {
		case n == nil:
			return nil, fmt.Errorf("%w: Scope (%s)", ErrNotFound, np)
		case !n.kind.isScope() && n.kind != KindName:
			return nil, fmt.Errorf("Scope (%s): a %s cannot hold objects", np, n.kind)
		}
		return n, nil
	}
	return ns.create(scope, np, scopeKind(op), blk, off, false)
}

// scopeKind is the kind of node a Device, Processor, PowerResource or
// ThermalZone opcode declares.
func scopeKind(op uint16) Kind {
	switch op {
	case opProcessor:
		return KindProcessor
	case opPowerRes:
		return KindPowerResource
	case opThermalZone:
		return KindThermalZone
	}
	return KindDevice
}

// duplicateError says a name was defined twice.
type duplicateError struct {
	path     string
	existing *Node
}

func (e *duplicateError) Error() string {
	return fmt.Sprintf("%s already exists (a %s from %s)", e.path, e.existing.kind, e.existing.Table())
}

func (ns *Namespace) warn(err error) {
	if len(ns.warnings) < 1000 {
		ns.warnings = append(ns.warnings, err)
	}
}

// create adds a named object at path np relative to scope. As in ACPICA,
// every scope on the path must exist, and a second definition of a name is
// a *duplicateError carrying the first.
func (ns *Namespace) create(scope *Node, np namePath, kind Kind, blk *blockInfo, off int, temp bool) (*Node, error) {
	if len(np.segs) == 0 {
		return nil, fmt.Errorf("cannot declare a %s with an empty name", kind)
	}
	parent := scope
	if np.root {
		parent = ns.root
	}
	for i := 0; i < np.up; i++ {
		if parent.parent == nil {
			// np.String(): np itself in the error would make every
			// caller's name escape to the heap.
			return nil, fmt.Errorf("%s: ^ goes above the root", np.String())
		}
		parent = parent.parent
	}
	for _, seg := range np.segs[:len(np.segs)-1] {
		c := followAlias(ns, parent.child(seg))
		if c == nil {
			return nil, fmt.Errorf("%w: scope of %s does not exist", ErrNotFound, np.String())
		}
		parent = c
	}
	last := np.segs[len(np.segs)-1]
	if ex := parent.child(last); ex != nil {
		return nil, &duplicateError{path: ex.Path(), existing: ex}
	}
	if ns.nodes >= maxNodes {
		return nil, fmt.Errorf("%w: more than %d namespace nodes", ErrTooLarge, maxNodes)
	}
	n := &Node{name: last, kind: kind, blk: blk, offset: int32(blk.base + off), temp: temp}
	parent.addChild(n)
	ns.nodes++
	return n, nil
}

// declare creates the named object a decoded term declares, in scope. f is
// the running frame: nil while loading, a module-level frame for code
// outside methods (objects are permanent) or a method's frame (objects are
// removed when the method returns). Terms that declare nothing are ignored.
func (in *interp) declare(t *term, scope *Node, f *frame) error {
	ns := in.ns
	temp := f != nil && !f.module
	mk := func(np namePath, kind Kind) (*Node, error) {
		n, err := ns.create(scope, np, kind, t.blk, t.off, temp)
		if err != nil {
			return nil, in.errAt(t, err)
		}
		if temp && f != nil && n.temp {
			f.temps = append(f.temps, n)
		}
		return n, nil
	}
	switch t.op {
	case opName:
		// The node comes first, as in ACPICA: a name whose initializer
		// fails stays, without a value.
		n, err := mk(t.name, KindName)
		if n == nil {
			return err
		}
		ef := f
		if ef == nil {
			ef = &frame{scope: scope}
		}
		v, err := in.eval(t.args[0], ef)
		if err != nil {
			switch t.args[0].op {
			case opBuffer:
				n.value = unevaluated("Buffer")
			case opPackage, opVarPackage:
				n.value = unevaluated("Package")
			}
			return err
		}
		switch t.args[0].op {
		case opPackage, opVarPackage, opBuffer:
			// A new object: nothing else refers to it.
		default:
			if v, err = in.copyObject(v, 0); err != nil {
				return in.errAt(t, err)
			}
		}
		n.value = v
	case opMethod:
		n, err := mk(t.name, KindMethod)
		if n == nil {
			return err
		}
		n.value = &packedMethod{start: int32(t.bodyStart), end: int32(t.bodyEnd), flags: byte(t.val)}
	case opExternal:
		// Only a hint for disassemblers: ACPICA creates no object.
	case opAlias:
		n, err := mk(t.name2, KindAlias)
		if n == nil {
			return err
		}
		n.value = &aliasInfo{scope: scope, target: t.name}
	case opMutex, opEvent:
		kind := KindMutex
		if t.op == opEvent {
			kind = KindEvent
		}
		n, err := mk(t.name, kind)
		if n == nil {
			return err
		}
		if kind == KindMutex {
			n.value = mutexSync(t.imm[0] & 0x0F) // MutexFlags: SyncLevel in bits 0-3
		}
	case opOpRegion, opDataRegion:
		if np, ok := ns.unresolved(scope, t.args...); ok && !temp {
			// ACPICA resolves the operands' names as the table loads
			// and refuses the region if one does not exist.
			return in.errAt(t, fmt.Errorf("%w: %s, named by the operands of region %s", ErrNotFound, np, t.name))
		}
		n, err := mk(t.name, KindRegion)
		if n == nil {
			return err
		}
		ri := &regionInfo{blk: t.blk, scope: scope, space: 0xFF}
		if t.op == opOpRegion {
			ri.space = byte(t.imm[0])
			if off, length := t.args[0], t.args[1]; off.op == opInteger && length.op == opInteger {
				// Most regions are at constant addresses: nothing to
				// evaluate later.
				ri.base, ri.length, ri.resolved = off.val, length.val, true
			} else {
				// Kept for a retry on first use, long after this term
				// is gone, if evaluating them now fails.
				ri.offTerm, ri.lenTerm = clone(off), clone(length)
			}
		}
		n.value = ri
		if t.op == opOpRegion && !ri.resolved {
			if temp {
				return in.errAt(t, in.resolveRegion(n, f))
			}
			// ACPICA evaluates the operands as the table loads (it runs
			// the table like a method: AcpiDsEvalRegionOperands), with
			// the methods and values that exist then; their side effects
			// happen then too. If that fails, it tries again on first use.
			ef := f
			if ef == nil {
				ef = &frame{scope: scope}
			}
			in.resolveRegion(n, ef)
		}
	case opField, opIndexField, opBankField:
		list := &fieldList{kind: t.op, blk: t.blk, scope: scope, region: t.name}
		switch t.op {
		case opIndexField:
			list.data = t.name2
		case opBankField:
			list.data, list.bankTerm = t.name2, clone(t.args[0])
			if temp {
				// Declared in a method: the bank value (often an Arg)
				// is evaluated now, in the method's frame, as ACPICA does.
				v, err := in.evalInt(t.args[0], f)
				if err != nil {
					return in.errAt(t, fmt.Errorf("bank value of BankField: %w", err))
				}
				list.bank, list.bankSet = v, true
			}
		}
		for _, u := range t.fields {
			n, err := ns.create(scope, namePath{segs: []string{string(u.name[:])}}, KindField, t.blk, int(u.off), temp)
			if err != nil {
				var dup *duplicateError
				if errors.As(err, &dup) && !temp {
					ns.warn(in.errAt(t, err))
					continue
				}
				return in.errAt(t, err)
			}
			if temp {
				f.temps = append(f.temps, n)
			}
			n.value = packField(list, u)
		}
	case opCreateDWord, opCreateWord, opCreateByte, opCreateBit, opCreateQWord, opCreateField:
		bf := &bufferField{blk: t.blk, scope: scope, op: t.op, srcTerm: clone(t.args[0]), idxTerm: clone(t.args[1])}
		if t.op == opCreateField {
			bf.bitsTerm = clone(t.args[2])
		}
		if temp {
			// Inside a method the source (often an Arg) must be captured now.
			if err := in.bindBufferField(bf, f); err != nil {
				return err
			}
		}
		n, err := mk(t.name, KindBufferField)
		if n == nil {
			return err
		}
		n.value = bf
	case opScope, opDevice, opProcessor, opPowerRes, opThermalZone:
		if !temp {
			return in.declareScope(t, scope)
		}
		// In a method, as in ACPICA: the objects declared in the body
		// are the method's (removed when it returns), and names in it
		// resolve from the new scope; Args and Locals stay the method's.
		var n *Node
		if t.op == opScope {
			if n = followAlias(ns, ns.resolve(scope, t.name)); n == nil {
				return in.errAt(t, fmt.Errorf("%w: Scope (%s)", ErrNotFound, t.name))
			}
		} else {
			var err error
			if n, err = mk(t.name, scopeKind(t.op)); n == nil {
				return err
			}
		}
		saved := f.scope
		f.scope = n
		_, err := in.runBody(t.blk, t.bodyStart, t.bodyEnd, f)
		f.scope = saved
		return err
	}
	return nil
}

// unresolved returns the first name in the terms (and their operands) that
// does not resolve from scope.
func (ns *Namespace) unresolved(scope *Node, list ...*term) (namePath, bool) {
	for _, t := range list {
		if t.op == opNameRef && followAlias(ns, ns.resolve(scope, t.name)) == nil {
			return t.name, true
		}
		if np, ok := ns.unresolved(scope, t.args...); ok {
			return np, true
		}
	}
	return namePath{}, false
}

// declareScope handles a scope-opening object met by module-level code
// (inside an If block): the object is declared and its body run.
func (in *interp) declareScope(t *term, scope *Node) error {
	ns := in.ns
	var n *Node
	if t.op == opScope {
		n = followAlias(ns, ns.resolve(scope, t.name))
		if n == nil {
			return in.errAt(t, fmt.Errorf("%w: Scope (%s)", ErrNotFound, t.name))
		}
	} else {
		var err error
		if n, err = ns.create(scope, t.name, scopeKind(t.op), t.blk, t.off, false); err != nil {
			return in.errAt(t, err)
		}
	}
	_, err := in.runBody(t.blk, t.bodyStart, t.bodyEnd, &frame{scope: n, module: true})
	return err
}
