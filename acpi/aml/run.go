package aml

// runBody runs the statements in blk.aml[start:end] in frame f, decoding
// each one just before it runs, as ACPICA does: a name then resolves
// against the objects the statements before it created (a method-local
// Name hides an outer Method of the same name; a Method declared a line
// earlier is called with its arguments). Blocks nested in a statement (If,
// While, Else) are decoded the same way when they run, and a While body is
// decoded again on each pass.
//
// A statement's decoded terms count against the allocation budget, and
// take memory from the interpreter's term arena, only while it runs.
func (in *interp) runBody(blk *blockInfo, start, end int, f *frame) (flow, error) {
	p := newParser(in, blk, start, end, f.scope)
	p.lazy = true
	m := in.terms.mark()
	defer in.terms.release(m)
	for p.pos < end {
		in.terms.release(m)
		t, err := p.term()
		if err == nil {
			var fl flow
			fl, err = in.exec(t, f)
			if err == nil && fl != flowNext {
				p.refund()
				return fl, nil
			}
		}
		p.refund()
		if err != nil {
			return flowNext, err
		}
	}
	return flowNext, nil
}

// refund gives back the allocation budget charged for the terms p has
// decoded since the last refund.
func (p *parser) refund() {
	p.in.alloc = max(0, p.in.alloc-p.terms*termCost)
	p.terms = 0
}
