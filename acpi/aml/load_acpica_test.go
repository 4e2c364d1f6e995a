package aml_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
)

// The tests here pin how Load agrees with ACPICA's acpiexec;
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

// namespaceLines lists the objects tables added to a namespace as
// "path type" lines (types as acpiexec names them), in namespace order,
// leaving out the predefined objects every namespace has.
func namespaceLines(ns *aml.Namespace) []string {
	var out []string
	var walk func(n *aml.Node)
	walk = func(n *aml.Node) {
		for _, c := range n.Children() {
			if c.Table() != "" {
				out = append(out, c.Path()+" "+typeOf(ns, c))
			}
			walk(c)
		}
	}
	walk(ns.Root())
	return out
}

// TestLoadFailingObjectCostsItself: a Name whose Buffer or Package size
// divides by zero is created without a value but with its type (acpiexec
// lists B___ as a Buffer and P___ as a Package whose length was never
// evaluated) and the rest of the table loads.
func TestLoadFailingObjectCostsItself(t *testing.T) {
	ns, err := loadASL(t, "load-bad-object")
	if err != nil {
		t.Errorf("Load: %v (want only warnings)", err)
	}
	if got := evalErr(t, ns, `\_SB.VGEN.ADDR`); aml.ObjectString(got) != aml.ObjectString(pkg(aml.Integer(0x7FFF0000), aml.Integer(0))) {
		t.Errorf(`\_SB.VGEN.ADDR = %s, want {0x7FFF0000, 0}`, aml.ObjectString(got))
	}
	for path, typ := range map[string]string{`\B`: "Buffer", `\P`: "Package"} {
		n := ns.Lookup(path)
		if n == nil {
			t.Fatalf(`%s missing: ACPICA creates the node`, path)
		}
		if got := ns.ACPICAType(n); got != typ {
			t.Errorf("%s is a %s, want a %s", path, got, typ)
		}
		if v, err := ns.Evaluate(n); err == nil {
			t.Errorf(`%s = %s; its initializer divides by zero`, path, aml.ObjectString(v))
		}
	}
	if w := ns.Warnings(); len(w) != 2 || !strings.Contains(w[0].Error(), "Divide by zero") || !strings.Contains(w[1].Error(), "Divide by zero") {
		t.Errorf("warnings %v, want the two divisions by zero", w)
	}
}

// TestLoadNamespaceRules: an External below a Method, emitted before the
// Method, keeps nothing out; and ACPICA's rules for
// Externals (no nodes), Scope on an undefined path and paths through
// undefined scopes (refused with their contents) and duplicates (the
// second refused, contents included). want is acpiexec's namespace.
func TestLoadNamespaceRules(t *testing.T) {
	ns, err := loadASL(t, "load-namespace-rules")
	if err != nil {
		t.Errorf("Load: %v (want only warnings)", err)
	}
	want := []string{
		`\_SB_.METH Method`,
		`\_SB_.DUPD Device`,
		`\_SB_.DUPD.AAAA Integer`,
		`\_SB_.DUPN Integer`,
		`\_SB_.LAST Integer`,
	}
	if got := namespaceLines(ns); !slices.Equal(got, want) {
		t.Errorf("namespace:\n%s\nwant (acpiexec):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := evalErr(t, ns, `\_SB.METH`); got != aml.Integer(0x1234) {
		t.Errorf(`\_SB.METH = %v, want 0x1234`, got)
	}
	if got := evalErr(t, ns, `\_SB.DUPN`); got != aml.Integer(1) {
		t.Errorf(`\_SB.DUPN = %v, want the first definition's 1`, got)
	}
	// The refusals are warnings: Scope (\NOPE), \_SB.NOPE.BAR, the second
	// DUPD and the second DUPN.
	if w := ns.Warnings(); len(w) != 4 {
		t.Errorf("%d warnings, want 4: %v", len(w), w)
	}
}

// loadASL loads one compiled table of testdata/asl, returning Load's error.
func loadASL(t *testing.T, name string) (*aml.Namespace, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/asl", name+".aml"))
	if err != nil {
		t.Fatal(err)
	}
	tb, err := acpi.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return aml.Load(acpi.AMLBlocks([]*acpi.Table{tb}), aml.Options{})
}

// TestPackageOverlongPkgLength: a Package whose
// PkgLength runs into the object after it (PKGA, into Name (AFTR)) or past
// the table (LAST) is cut where its elements end, as acpiexec loads it;
// nothing after it is lost.
func TestPackageOverlongPkgLength(t *testing.T) {
	ns, err := loadASL(t, "pkg-overlong")
	if err != nil {
		t.Errorf("Load: %v", err)
	}
	for _, c := range []struct {
		path string
		want aml.Object
	}{
		{`\_SB.CPU0.PKGA`, pkg(aml.Integer(0x11), aml.Integer(0x22))},
		{`\_SB.CPU0.AFTR`, aml.Integer(0x55)},
		{`\_SB.VGEN.ADDR`, pkg(aml.Integer(0x7FFF0000), aml.Integer(0))},
		{`\LAST`, pkg(aml.Integer(0x66))},
	} {
		if got := evalErr(t, ns, c.path); aml.ObjectString(got) != aml.ObjectString(c.want) {
			t.Errorf("%s = %s, want %s (acpiexec)", c.path, aml.ObjectString(got), aml.ObjectString(c.want))
		}
	}
	if w := ns.Warnings(); len(w) > 0 {
		t.Errorf("warnings: %v", w)
	}
}

// TestRegionNamingUndefinedObject: ACPICA refuses an OperationRegion
// whose address operands name an object that does not exist when the
// table loads (found on real firmware: lhw-0AE384DFB520, lhw-928E0AC3976E);
// its fields are still created. want is acpiexec's namespace.
func TestRegionNamingUndefinedObject(t *testing.T) {
	ns, err := loadASL(t, "load-region-undefined")
	if err != nil {
		t.Errorf("Load: %v (want only warnings)", err)
	}
	want := []string{`\FLD1 RegionField`, `\DEFD Integer`, `\RGN2 Region`, `\FLD2 RegionField`, `\LAST Integer`}
	if got := namespaceLines(ns); !slices.Equal(got, want) {
		t.Errorf("namespace:\n%s\nwant (acpiexec):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if w := ns.Warnings(); len(w) != 1 || !strings.Contains(w[0].Error(), "UNDF") {
		t.Errorf("warnings %v, want one naming UNDF", w)
	}
}
