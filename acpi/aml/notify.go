package aml

import (
	"errors"
	"fmt"
)

// Notifier is a method that notifies a device: an event handler such as
// \_GPE._E05 or a Generic Event Device's _EVT.
type Notifier struct {
	Method *Node
	// GPE is the number xx of a \_GPE._Exx or _Lxx method; -1 for any
	// other method.
	GPE int
}

// maxCallDepth bounds how far Notifiers follows method calls from a method
// to the Notify: firmware uses one level at most.
const maxCallDepth = 8

// Notifiers returns the methods whose bodies Notify dev, in namespace
// order: directly, or through the methods they call. Names are resolved as
// the method would resolve them when it runs, so a relative Notify target
// is found only where the search rules lead to dev.
//
// Bodies are decoded, never run. A method whose body cannot be decoded is
// skipped; its error is returned (joined) together with what was found.
func (ns *Namespace) Notifiers(dev *Node) ([]Notifier, error) {
	if dev == nil {
		return nil, errors.New("aml: Notifiers of a nil node")
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	w := notifyWalk{ns: ns, in: ns.newInterp(), dev: dev, memo: map[*Node]bool{}}
	var (
		out  []Notifier
		errs []error
		walk func(n *Node, depth int)
	)
	walk = func(n *Node, depth int) {
		if depth > maxPathDepth {
			return
		}
		for _, c := range n.Children() {
			if c.kind == KindMethod && c.method().builtin == nil {
				ok, err := w.notifies(c, 0)
				if err != nil {
					errs = append(errs, err)
				}
				if ok {
					out = append(out, Notifier{Method: c, GPE: gpeNumber(c)})
				}
			}
			walk(c, depth+1)
		}
	}
	walk(ns.root, 0)
	return out, errors.Join(errs...)
}

// notifyWalk decodes method bodies looking for Notify(dev, …); memo keeps
// each method's answer so that every body is decoded once. One
// interpreter's term arena serves every body, taken back after each.
type notifyWalk struct {
	ns   *Namespace
	in   *interp
	dev  *Node
	memo map[*Node]bool
}

// notifies reports whether m, or a method it calls, notifies w.dev.
func (w *notifyWalk) notifies(m *Node, depth int) (found bool, err error) {
	if v, ok := w.memo[m]; ok || depth > maxCallDepth {
		return v, nil
	}
	w.memo[m] = false // a call cycle finds nothing more
	defer func() {
		if r := recover(); r != nil {
			found, err = false, fmt.Errorf("aml: decoding %s: %w: panic: %v", m.Path(), errInternal, r)
		}
	}()
	// Each body has the step and allocation budget of one evaluation;
	// the caller's body, already decoded, is left as it was.
	in := w.in
	mark, steps, alloc := in.terms.mark(), in.steps, in.alloc
	in.steps, in.alloc = 0, 0
	defer func() { in.terms.release(mark); in.steps, in.alloc = steps, alloc }()
	mi := m.method()
	p := newParser(in, m.blk, mi.start, mi.end, m)
	body, err := p.termList(mi.end)
	if err != nil {
		return false, err
	}
	found = w.inTerms(m, body, depth)
	w.memo[m] = found
	return found, nil
}

// inTerms looks through decoded terms, their operands and nested blocks.
func (w *notifyWalk) inTerms(scope *Node, list []*term, depth int) bool {
	for _, t := range list {
		switch {
		case t == nil:
			continue
		case t.op == opNotify && len(t.args) > 0 && t.args[0].op == opNameRef:
			if followAlias(w.ns, w.ns.resolve(scope, t.args[0].name)) == w.dev {
				return true
			}
		case t.op == opCall && t.node != nil && t.node.kind == KindMethod && t.node.method().builtin == nil:
			if ok, _ := w.notifies(t.node, depth+1); ok {
				return true
			}
		}
		if w.inTerms(scope, t.args, depth) || w.inTerms(scope, t.body, depth) || w.inTerms(scope, t.els, depth) {
			return true
		}
	}
	return false
}

// gpeNumber returns xx of a method \_GPE._Exx or \_GPE._Lxx (xx upper-case
// hex), or -1.
func gpeNumber(m *Node) int {
	p := m.parent
	if p == nil || p.name != "_GPE" || p.parent == nil || p.parent.parent != nil {
		return -1
	}
	seg := m.name
	if len(seg) != 4 || seg[0] != '_' || (seg[1] != 'E' && seg[1] != 'L') {
		return -1
	}
	n := 0
	for _, c := range []byte(seg[2:]) {
		switch {
		case c >= '0' && c <= '9':
			n = n*16 + int(c-'0')
		case c >= 'A' && c <= 'F':
			n = n*16 + int(c-'A'+10)
		default:
			return -1
		}
	}
	return n
}
