package aml

// Most Names in a table hold constant data: integers, strings, buffers of
// a constant size, packages of such objects and of names. Load builds
// their values straight from the AML, without decoding terms: a package
// of thousands of elements would otherwise take a term for each. What is
// built is what evaluating the terms builds (newPackage, newBuffer);
// anything else (an expression, a malformed package) takes the general
// path.

// loadConstName declares the Name at p.pos in scope if its value is
// constant data. handled is false, with p.pos unchanged, if it is not; an
// error (a duplicate, a missing scope) is the object's only.
func (p *parser) loadConstName(scope *Node) (handled bool, err error) {
	start := p.pos
	p.pos++ // opName
	np, err := p.nameString()
	if err != nil {
		p.pos = start
		return false, nil
	}
	v, ok := p.constData(scope, false)
	if !ok {
		p.pos = start
		return false, nil
	}
	n, err := p.in.ns.create(scope, np, KindName, p.blk, start, false)
	if err != nil {
		return true, p.errAt(start, opName, err)
	}
	n.value = v
	return true, nil
}

// constData decodes constant data at p.pos into its value. Names are
// allowed as package elements (elem): they stay names until read, as
// newPackage leaves them. ok is false if the data is not constant or
// not well formed; p.pos is then anywhere.
func (p *parser) constData(scope *Node, elem bool) (v Object, ok bool) {
	if p.pos >= p.end || p.in.step() != nil {
		return nil, false
	}
	start := p.pos
	op := uint16(p.aml[p.pos])
	switch {
	case elem && isNameLead(p.aml[p.pos]):
		np, err := p.nameString()
		if err != nil {
			return nil, false
		}
		return &pkgRef{scope: scope, path: np, blk: p.blk, off: start}, true
	case op == opStringPrefix:
		p.pos++
		s, err := p.str(start)
		return String(s), err == nil
	case op == opBuffer:
		return p.constBuffer()
	case op == opPackage || op == opVarPackage:
		return p.constPackage(scope, op)
	}
	i, ok := p.constInteger()
	return Integer(i), ok
}

// constInteger decodes an integer constant at p.pos.
func (p *parser) constInteger() (uint64, bool) {
	if p.pos >= p.end {
		return 0, false
	}
	switch op := uint16(p.aml[p.pos]); op {
	case opZero, opOne, opOnes, opBytePrefix, opWordPrefix, opDWordPrefix, opQWordPrefix:
		p.pos++
		i, err := p.integer(op)
		return i, err == nil
	}
	return 0, false
}

// constBuffer decodes a Buffer of constant size, as newBuffer builds it.
func (p *parser) constBuffer() (Object, bool) {
	p.pos++
	end, err := p.pkgLength(opBuffer)
	if err != nil {
		return nil, false
	}
	saved := p.end
	p.end = end
	size, ok := p.constInteger()
	p.end = saved
	if !ok || size > MaxBufferSize {
		return nil, false
	}
	data := p.aml[p.pos:end]
	n := max(int(size), len(data))
	if p.in.allocate(n, MaxBufferSize, "Buffer") != nil {
		return nil, false
	}
	b := make(Buffer, n)
	copy(b, data)
	p.pos = end
	return b, true
}

// constPackage decodes a Package or VarPackage of constant data and
// names, as newPackage builds it: surplus elements are dropped, missing
// ones left nil.
func (p *parser) constPackage(scope *Node, op uint16) (Object, bool) {
	if p.in.enter() != nil {
		return nil, false
	}
	defer p.in.leave()
	p.pos++
	end, err := p.pkgLength(op) // an over-long one takes the general path
	if err != nil {
		return nil, false
	}
	saved := p.end
	p.end = end
	defer func() { p.end = saved }()
	var count uint64
	if op == opPackage {
		b, err := p.u8(op)
		if err != nil {
			return nil, false
		}
		count = uint64(b)
	} else {
		var ok bool
		if count, ok = p.constInteger(); !ok {
			return nil, false
		}
	}
	if count > MaxPackageElements || p.in.allocate(16*int(count), 16*MaxPackageElements, "Package") != nil {
		return nil, false
	}
	pkg := &Package{Elements: make([]Object, count)}
	for i := 0; p.pos < end; i++ {
		v, ok := p.constData(scope, true)
		if !ok {
			return nil, false
		}
		if i < len(pkg.Elements) {
			pkg.Elements[i] = v
		}
	}
	return pkg, true
}
