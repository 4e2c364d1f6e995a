// Package acpiinspect shows what the AML evaluator sees in a machine's ACPI
// tables, in ACPICA's terms: the namespace as acpiexec's "namespace" command
// lists it, and evaluated objects as acpiexec's "evaluate" prints them. It
// is the logic of `vmgenid acpi namespace` and `vmgenid acpi eval`, and what
// the differential test against acpiexec compares.
package acpiinspect

import (
	"errors"
	"strings"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
)

// Load reads the ACPI tables in dir (laid out like /sys/firmware/acpi/tables)
// and builds the namespace of their definition blocks (acpi.LoadDir: DSDT
// first, then the SSDTs in numeric order). Problems that still leave a
// namespace (a bad checksum, a malformed table, an object that failed to
// load, the loader's own warnings) come back as warnings; err is set only
// when there is no namespace.
func Load(dir string, opts aml.Options) (ns *aml.Namespace, warnings []error, err error) {
	loaded, err := acpi.LoadDir(dir, opts)
	if err != nil {
		return nil, nil, err
	}
	return loaded.Namespace, append(loaded.Warnings, loaded.Namespace.Warnings()...), nil
}

// Object is one named object of the namespace.
type Object struct {
	// Path is the absolute path with 4-character segments, as ACPICA
	// prints it: \_SB_.PCI0.LPCB.
	Path string
	// Type is ACPICA's type name (aml.Namespace.ACPICAType).
	Type string
	// Node is the object itself.
	Node *aml.Node
}

// Objects lists every object of ns below the root, depth first, each
// parent before its children, in definition order as acpiexec does.
func Objects(ns *aml.Namespace) []Object {
	var out []Object
	var walk func(n *aml.Node)
	walk = func(n *aml.Node) {
		for _, c := range n.Children() {
			out = append(out, Object{Path: c.Path(), Type: ns.ACPICAType(c), Node: c})
			walk(c)
		}
	}
	walk(ns.Root())
	return out
}

// EvalError is a failed evaluation: the object asked for and why, the
// why naming the opcode and table offset where the AML failed.
type EvalError struct {
	Path string
	Err  error
}

// Error is one line: the object, then the cause without the "evaluating
// PATH" that aml.Namespace.Evaluate puts before it.
func (e *EvalError) Error() string {
	msg := e.Err.Error()
	for _, p := range []string{"aml: evaluating " + e.Path + ": ", "evaluating " + e.Path + ": "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return "evaluating " + e.Path + ": " + strings.ReplaceAll(msg, "\n", "; ")
}

// Unwrap returns the cause (an *aml.Error when the AML failed).
func (e *EvalError) Unwrap() error { return e.Err }

// ErrNoObject is the cause of an EvalError for a path that names nothing.
var ErrNoObject = errors.New("no such object")

// Eval evaluates the object at path (absolute, or relative to the root):
// a Name's value, a Method run without arguments, a field read. A method
// that returns nothing gives nil.
func Eval(ns *aml.Namespace, path string) (aml.Object, error) {
	n := ns.Lookup(path)
	if n == nil {
		return nil, &EvalError{Path: path, Err: ErrNoObject}
	}
	v, err := ns.Evaluate(n)
	if err != nil {
		return nil, &EvalError{Path: n.Path(), Err: err}
	}
	return v, nil
}
