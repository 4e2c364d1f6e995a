package aml_test

import (
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// TestEvalPackageNames pins how names written as elements of a Package a
// method builds resolve (eval-pkgelem.asl); the expected values are
// acpiexec's (20200925).
func TestEvalPackageNames(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "eval-pkgelem")
	dev := ns.Lookup(`\DEV0`)
	tests := []methodWant{
		// Method-local Names, resolved before the method returns.
		{"P001", pkg(aml.Buffer{1, 2}, pkg(aml.String("abc")))},
		// A name that resolves to nothing: an uninitialized element.
		{"P002", pkg(nil, aml.Integer(1))},
		{"P003", pkg(&aml.Reference{Path: "DEV0", Node: dev})},
		// The element follows stores to the Name; a copy does not.
		{"P004", pkg(aml.Integer(2))},
		{"P005", pkg(aml.Integer(3))},
		{"P006", pkg(aml.Integer(1))},
	}
	checkMethods(t, ns, tests)
}
