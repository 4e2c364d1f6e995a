package aml_test

import (
	"reflect"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// TestEvalStores pins what a store copies and where it goes
// (eval-stores.asl); the expected values are acpiexec's (20200925).
func TestEvalStores(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "eval-stores")
	template := aml.Buffer{0x23, 0xB8, 0xDC, 0x18, 0x79, 0x00}
	tests := []methodWant{
		// A resource template taken from a Name into Local0 and filled
		// in: the Name keeps its IRQ mask.
		{"S001", pkg(aml.Buffer{0x23, 0x00, 0x04, 0x18, 0x79, 0x00}, template)},
		// A Package taken into a Local, a Buffer stored into a Package
		// element: copies.
		{"S002", pkg(aml.Integer(0x55), aml.Integer(1))},
		{"S003", pkg(aml.Buffer{1, 2}, aml.Buffer{0x11, 2})},
		// A store to an Arg holding RefOf (Name) stores into the Name,
		// without converting to the Name's type.
		{"S004", aml.Integer(0x77)},
		{"S005", aml.Integer(0x77)},
		// A Buffer passed as an argument is the caller's object.
		{"S006", aml.Buffer{0x66, 2}},
		// A store to a Buffer Name writes into its Buffer: a buffer
		// field created before still writes to it. An empty Buffer takes
		// the stored size.
		{"S007", aml.Buffer{0x12, 0, 0, 0, 0, 0, 0, 0}},
		{"S008", aml.Buffer{1, 2, 3}},
		// The target of an explicit conversion takes the result as it is.
		{"S009", aml.Buffer{1, 2, 3}},
		{"S010", aml.String("0000000000001234")},
		{"S011", aml.Integer(0x55)},
		{"S012", aml.String("AB")},
	}
	checkMethods(t, ns, tests)
}

// methodWant is what a method without arguments of a test table returns.
type methodWant struct {
	method string // at the root
	want   aml.Object
}

// checkMethods evaluates each method in turn (state carries over, as in
// acpiexec) and compares its value.
func checkMethods(t *testing.T, ns *aml.Namespace, tests []methodWant) {
	t.Helper()
	for _, tt := range tests {
		got, err := ns.Evaluate(ns.Lookup(`\` + tt.method))
		if err != nil {
			t.Errorf("%s: %v", tt.method, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %s, want %s", tt.method, aml.ObjectString(got), aml.ObjectString(tt.want))
		}
	}
}
