package aml_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// TestBankFieldZeroRegions: under Options.ZeroRegions a BankField unit is
// read and written through its bank register (eval-bankfield.asl; the
// expected values are acpiexec's, 20200925); without it, writing one is
// unsupported, as writing any field.
func TestBankFieldZeroRegions(t *testing.T) {
	ns := loadAML(t, aml.Options{ZeroRegions: true}, "eval-bankfield")
	want := pkg(aml.Integer(2), aml.Integer(0x5A), aml.Integer(3), aml.Integer(0x33), aml.Integer(2))
	if got, err := ns.Evaluate(ns.Lookup(`\B001`)); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("B001 = %s, %v; want %s", aml.ObjectString(got), err, aml.ObjectString(want))
	}
	// Declared in a method, its bank value comes from the method's Arg0.
	if got, err := ns.Evaluate(ns.Lookup(`\B003`)); err != nil || !reflect.DeepEqual(got, aml.Integer(5)) {
		t.Errorf("B003 = %s, %v; want 0x5", aml.ObjectString(got), err)
	}
	ns = loadAML(t, aml.Options{}, "eval-bankfield")
	if _, err := ns.Evaluate(ns.Lookup(`\B001`)); !errors.Is(err, aml.ErrUnsupported) {
		t.Errorf("B001 without ZeroRegions: %v, want ErrUnsupported", err)
	}
}
