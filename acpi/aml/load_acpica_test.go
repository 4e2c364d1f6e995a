package aml_test

import (
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// The tests here pin how Load agrees with ACPICA's acpiexec (issue 12);
// each expected value was printed by acpiexec 20200925 from the same .aml.

// TestMethodBodyDecodedAsItRuns: a method body is decoded as it runs, in
// the method's scope, so a method-local Name hides an outer Method of the
// same name for the statements after it; a Method declared by a
// module-level If is callable with its arguments in the rest of the If.
func TestMethodBodyDecodedAsItRuns(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "lazy-body")
	for _, c := range []struct {
		path string
		want aml.Object
	}{
		{`\_SB.BAT0._BST`, pkg(aml.Integer(1), aml.Integer(0x55), aml.Integer(3), aml.Integer(4))},
		{`\MLVL`, aml.Integer(0x42)},
		{`\CIF1`, aml.Integer(0x11)},
	} {
		if got := evalErr(t, ns, c.path); aml.ObjectString(got) != aml.ObjectString(c.want) {
			t.Errorf("%s = %s, want %s (acpiexec)", c.path, aml.ObjectString(got), aml.ObjectString(c.want))
		}
	}
	if w := ns.Warnings(); len(w) > 0 {
		t.Errorf("warnings: %v", w)
	}
}

// evalErr evaluates path, reporting (not failing on) an error.
func evalErr(t *testing.T, ns *aml.Namespace, path string) aml.Object {
	t.Helper()
	n := ns.Lookup(path)
	if n == nil {
		t.Errorf("%s not in the namespace", path)
		return nil
	}
	v, err := ns.Evaluate(n)
	if err != nil {
		t.Errorf("Evaluate(%s): %v", path, err)
	}
	return v
}
