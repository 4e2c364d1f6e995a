package aml

import "testing"

func TestDisplayPath(t *testing.T) {
	tests := map[string]string{
		`\`:               `\`,
		`\_SB_`:           `\_SB`,
		`\_SB_.VGEN`:      `\_SB.VGEN`,
		`\_SB_.PCI0.ISA_`: `\_SB.PCI0.ISA`,
		`\_SB_.PCI0.S08_`: `\_SB.PCI0.S08`,
		`\____`:           `\_`,
		`\___.AB__`:       `\_.AB`,
		`\_SB_.____.A___`: `\_SB._.A`,
	}
	for in, want := range tests {
		if got := DisplayPath(in); got != want {
			t.Errorf("DisplayPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIDStringAndTypeName(t *testing.T) {
	tests := []struct {
		v      Object
		id     string
		ok     bool
		typeIs string
	}{
		{String("VM_Gen_Counter"), "VM_Gen_Counter", true, "a String"},
		{String("QEMUVGID\x00"), "QEMUVGID", true, "a String"},
		{Integer(0x060AD041), "PNP0A06", true, "an Integer"},
		{Buffer{1, 2}, "", false, "a Buffer"},
		{&Package{}, "", false, "a Package"},
		{nil, "", false, "an uninitialized object"},
	}
	for _, tt := range tests {
		id, ok := IDString(tt.v)
		if id != tt.id || ok != tt.ok {
			t.Errorf("IDString(%s) = %q, %v; want %q, %v", ObjectString(tt.v), id, ok, tt.id, tt.ok)
		}
		if got := TypeName(tt.v); got != tt.typeIs {
			t.Errorf("TypeName(%s) = %q, want %q", ObjectString(tt.v), got, tt.typeIs)
		}
	}
}
