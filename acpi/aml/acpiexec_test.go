package aml_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// testdata/acpiexec/*.txt list the namespace ACPICA builds from the same
// fixtures, one "path type" line per object, sorted. They were made with
// `acpiexec -b namespace DSDT SSDT` (acpica-tools 20200925) and the
// indentation turned into full paths. Objects only ACPICA's test harness
// creates (\_TI_) are ignored, and ACPICA types the predefined \_SB_ and
// \_TZ_ as Device where this package keeps them as Scope.

// typeOf names a node's type as acpiexec does.
func typeOf(ns *aml.Namespace, n *aml.Node) string {
	switch n.Kind() {
	case aml.KindName:
		v, err := ns.Evaluate(n)
		if err != nil {
			return "Name(error)"
		}
		switch v.(type) {
		case aml.Integer:
			return "Integer"
		case aml.String:
			return "String"
		case aml.Buffer:
			return "Buffer"
		case *aml.Package:
			return "Package"
		}
	case aml.KindField:
		return "RegionField"
	case aml.KindRegion:
		return "Region"
	}
	return n.Kind().String()
}

func TestNamespaceMatchesACPICA(t *testing.T) {
	for _, dir := range []string{"firecracker", "qemu-q35", "qemu-pc"} {
		t.Run(dir, func(t *testing.T) {
			ns := loadDir(t, filepath.Join("testdata/fixtures", dir), aml.Options{})
			var mine []string
			var walk func(n *aml.Node)
			walk = func(n *aml.Node) {
				for _, c := range n.Children() {
					mine = append(mine, c.Path()+" "+typeOf(ns, c))
					walk(c)
				}
			}
			walk(ns.Root())
			sort.Strings(mine)

			ref, err := os.ReadFile(filepath.Join("testdata/acpiexec", dir+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, line := range strings.Split(strings.TrimSpace(string(ref)), "\n") {
				switch {
				case strings.HasPrefix(line, `\_TI_`):
					continue
				case line == `\_SB_ Device`, line == `\_TZ_ Device`:
					line = strings.Replace(line, "Device", "Scope", 1)
				}
				want = append(want, line)
			}
			sort.Strings(want)
			if strings.Join(mine, "\n") != strings.Join(want, "\n") {
				have := map[string]bool{}
				for _, l := range mine {
					have[l] = true
				}
				for _, l := range want {
					if !have[l] {
						t.Errorf("missing: %s", l)
					}
					delete(have, l)
				}
				for l := range have {
					t.Errorf("extra: %s", l)
				}
			}
			if len(mine) < 170 {
				t.Errorf("only %d objects", len(mine))
			}
		})
	}
}
