package aml_test

import (
	"reflect"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// TestScopeDeclaredInMethod: a Scope or Device in a method body declares
// its objects when it runs, resolves names from its own scope, and its
// objects are gone when the method returns (eval-scope-local.asl; the
// expected values are acpiexec's, 20200925).
func TestScopeDeclaredInMethod(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "eval-scope-local")
	for _, tc := range []struct {
		path string
		want aml.Object
	}{
		{`\S002`, aml.Integer(0x112C)},
		{`\S003`, aml.Integer(7)},
	} {
		if got, err := ns.Evaluate(ns.Lookup(tc.path)); err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s = %s, %v; want %s", tc.path, aml.ObjectString(got), err, aml.ObjectString(tc.want))
		}
	}
	for _, p := range []string{`\DEV0.TMP0`, `\DEV0.HLP0`, `\S003.TDEV`} {
		if ns.Lookup(p) != nil {
			t.Errorf("%s outlives the method that declared it", p)
		}
	}
}
