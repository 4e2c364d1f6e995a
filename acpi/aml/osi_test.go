package aml_test

import (
	"reflect"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// acpiexecOSI is what acpiexec (acpica-tools 20200925) lists for its
// debugger's "osi" command: ACPICA's defaults without the optional
// features, less "Windows 2006", plus its own "AnotherTestString".
var acpiexecOSI = []string{
	"AnotherTestString", "Windows 2000", "Windows 2001", "Windows 2001 SP1",
	"Windows 2001.1", "Windows 2001 SP2", "Windows 2001.1 SP1", "Windows 2006.1",
	"Windows 2006 SP1", "Windows 2006 SP2", "Windows 2009", "Windows 2012",
	"Windows 2013", "Windows 2015", "Windows 2016", "Windows 2017", "Windows 2017.2",
	"Windows 2018", "Windows 2018.2", "Windows 2019", "Extended Address Space Descriptor",
}

// TestOSIIsHostPolicy: \_OSI answers from Options.OSI, at module level
// and in methods (osi.asl). With acpiexec's set the values are acpiexec's.
func TestOSIIsHostPolicy(t *testing.T) {
	ones, zero := aml.Integer(^uint64(0)), aml.Integer(0)
	tests := []struct {
		name string
		osi  []string
		want map[string]aml.Object
	}{
		{"Linux (nil)", nil, map[string]aml.Object{
			`\MPAD`: aml.Integer(1), `\OPAD`: ones, `\OW06`: ones, `\OW15`: ones,
			`\OLNX`: zero, `\OATS`: zero, `\_SB.PAGD._STA`: aml.Integer(0xF),
		}},
		{"acpiexec", acpiexecOSI, map[string]aml.Object{
			`\MPAD`: zero, `\OPAD`: zero, `\OW06`: zero, `\OW15`: ones,
			`\OLNX`: zero, `\OATS`: ones, `\_SB.PAGD._STA`: zero,
		}},
		{"empty", []string{}, map[string]aml.Object{
			`\MPAD`: zero, `\OPAD`: zero, `\OW06`: zero, `\OW15`: zero,
			`\OLNX`: zero, `\OATS`: zero, `\_SB.PAGD._STA`: zero,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := loadAML(t, aml.Options{OSI: tt.osi}, "osi")
			for path, want := range tt.want {
				if got, err := ns.Evaluate(ns.Lookup(path)); err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %s, %v; want %s", path, aml.ObjectString(got), err, aml.ObjectString(want))
				}
			}
		})
	}
}
