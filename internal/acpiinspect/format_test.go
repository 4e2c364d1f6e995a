package acpiinspect

import (
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// TestText compares Text with what acpiexec (acpica-tools 20200925)
// printed for the same values (object addresses removed).
func TestText(t *testing.T) {
	tests := []struct {
		v    aml.Object
		want string
	}{
		{aml.Integer(1), "  [Integer] = 0000000000000001\n"},
		{aml.String("two"), "  [String] Length 03 = \"two\"\n"},
		{aml.Buffer{3, 4}, "  [Buffer] Length 02 =     0000: 03 04                                            // ..\n"},
		{make(aml.Buffer, 0), "  [Buffer] Length 00 = \n"},
		{aml.Buffer{1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "  [Buffer] Length 14 = \n" +
			"    0000: 01 02 03 00 00 00 00 00 00 00 00 00 00 00 00 00  // ................\n" +
			"    0010: 00 00 00 00                                      // ....\n"},
		{&aml.Package{Elements: []aml.Object{aml.Integer(1), nil, &aml.Package{Elements: []aml.Object{aml.Integer(5)}}}},
			"  [Package] Contains 3 Elements:\n" +
				"    [Integer] = 0000000000000001\n" +
				"    [Null Object] (Type=0)\n" +
				"    [Package] Contains 1 Elements:\n" +
				"      [Integer] = 0000000000000005\n"},
		{aml.String("a\"b\\\x01"), "  [String] Length 05 = \"a\\\"b\\\\\\x01\"\n"},
		{nil, "No object was returned\n"},
	}
	for _, tt := range tests {
		if got := Text(tt.v); got != tt.want {
			t.Errorf("Text(%s) =\n%q\nwant\n%q", aml.ObjectString(tt.v), got, tt.want)
		}
	}
}

func TestJSON(t *testing.T) {
	v := &aml.Package{Elements: []aml.Object{aml.Integer(0x1234), aml.String("aAcd"), aml.Buffer{0xde, 0xad}, nil}}
	b, err := MarshalJSONLine(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"Package","value":[{"type":"Integer","value":"0x1234"},{"type":"String","value":"aAcd"},{"type":"Buffer","value":"dead"},{"type":"Uninitialized"}]}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
	if b, _ := MarshalJSONLine(nil); string(b) != `{"type":"None"}` {
		t.Errorf("JSON(nil) = %s", b)
	}
}
