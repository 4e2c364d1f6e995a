package aml_test

import (
	"reflect"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// TestMethodDeclaredInMethod: a Method declared inside a method is
// created when its Method op runs, callable with its arguments by the rest
// of the body, and gone when the outer method returns
// (eval-method-local.asl; the expected values are acpiexec's, 20200925).
func TestMethodDeclaredInMethod(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "eval-method-local")
	if got, err := ns.Evaluate(ns.Lookup(`\M001`)); err != nil || !reflect.DeepEqual(got, aml.Integer(0x12B)) {
		t.Errorf("M001 = %s, %v; want 0x12B", aml.ObjectString(got), err)
	}
	if n := ns.Lookup(`\M001.INNR`); n != nil {
		t.Errorf(`\M001.INNR outlives its method`)
	}
	want := pkg(aml.Integer(0x256), aml.Integer(4))
	if got, err := ns.Evaluate(ns.Lookup(`\M002`)); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("M002 = %s, %v; want %s", aml.ObjectString(got), err, aml.ObjectString(want))
	}
}
