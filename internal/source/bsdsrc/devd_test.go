package bsdsrc

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// vmgenEvent is the message FreeBSD's vmgenc(4) sends through
// acpi_UserNotify("VMGenerationCounter", handle, 0) and devctl_notify.
const vmgenEvent = "!system=ACPI subsystem=VMGenerationCounter type=\\_SB_.VGEN notify=0x00\n"

func TestParseFields(t *testing.T) {
	tests := []struct {
		in      string
		want    []Field
		wantErr string
	}{
		{"", nil, ""},
		{"a=1 b=2", []Field{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}, ""},
		{"  a=  ", []Field{{Key: "a"}}, ""},
		{`k="v w" z=1`, []Field{{Key: "k", Value: "v w"}, {Key: "z", Value: "1"}}, ""},
		{`k="a\"b\\c"`, []Field{{Key: "k", Value: `a"b\c`}}, ""},
		{`handle=\_SB_.VGEN`, []Field{{Key: "handle", Value: `\_SB_.VGEN`}}, ""},
		{"uhub0 at bus=0 on usbus0", []Field{{Key: "uhub0", Bare: true}, {Key: "at", Bare: true}, {Key: "bus", Value: "0"}, {Key: "on", Bare: true}, {Key: "usbus0", Bare: true}}, ""},
		{"a=b=c", []Field{{Key: "a", Value: "b=c"}}, ""},
		{`k="open`, nil, "offset 2: quote never closed"},
		{`k="x"y`, nil, "offset 5: text right after a closing quote"},
		{`k="x\`, nil, "offset 4: backslash at the end"},
		{"=v", nil, "offset 0: '=' without a key"},
		{"a\"b=1", nil, "offset 1: unexpected byte 0x22 in a key"},
		{"k=a\x01", nil, "offset 3: control byte 0x01 in a value"},
		{"k=\"a\x00\"", nil, "offset 4: control byte 0x00 in a quoted value"},
		{strings.Repeat("a=1 ", maxFields+1), nil, "more than 64 fields"},
		{strings.Repeat("x", maxFieldsLen+1), nil, "more than the 8192 allowed"},
	}
	for _, tt := range tests {
		got, err := ParseFields(tt.in)
		if tt.wantErr != "" {
			var fe *FieldsError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseFields(%.40q) = %v, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseFields(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDevdEvent(t *testing.T) {
	ev, err := ParseDevdEvent(vmgenEvent)
	if err != nil {
		t.Fatal(err)
	}
	if !ev.IsVMGenChange() || ev.Kind != '!' {
		t.Errorf("%+v is not a VM generation change", ev)
	}
	if v, _ := ev.Get("type"); v != `\_SB_.VGEN` {
		t.Errorf("type = %q", v)
	}
	if v, _ := ev.Get("notify"); v != "0x00" {
		t.Errorf("notify = %q", v)
	}
	others := []string{
		"!system=ACPI subsystem=ACAD type=\\_SB_.AC notify=0x01\n",
		"!system=IFNET subsystem=em0 type=LINK_UP\n",
		"+uhub0 at bus=0 on usbus0\n",
		"-vmgenc0 at handle=\\_SB_.VGEN on acpi0\n",
		"?at handle=\\_SB_.VGEN on acpi0\n",
		"!system=ACPI subsystem=VMGenerationCounterX type=x\n",
	}
	for _, msg := range others {
		ev, err := ParseDevdEvent(msg)
		if err != nil {
			t.Errorf("ParseDevdEvent(%q): %v", msg, err)
			continue
		}
		if ev.IsVMGenChange() {
			t.Errorf("ParseDevdEvent(%q) counts as a VM generation change", msg)
		}
	}
	bad := map[string]string{
		"":                  "empty message",
		"\n":                "empty message",
		"xsystem=ACPI":      `unknown event type 'x' at offset 0`,
		"!subsystem=x":      "without system=",
		`!system="ACPI`:     "offset 8: quote never closed",
		"!system=A\x7f":     "offset 9: control byte 0x7f",
		"!system=ACPI k=\"": "quote never closed",
	}
	for msg, want := range bad {
		_, err := ParseDevdEvent(msg)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDevdEvent(%q) = %v; want error %q", msg, err, want)
		}
	}
}

func FuzzParseDevdEvent(f *testing.F) {
	f.Add(vmgenEvent)
	f.Add("+uhub0 at bus=0 sernum=\"\" on usbus0\n")
	f.Add(`!system=DEVFS subsystem=CDEV type=CREATE cdev="a\"b"`)
	f.Add("?at handle=\\_SB_.VGEN on acpi0")
	f.Add(`!system="`)
	f.Fuzz(func(t *testing.T, msg string) {
		ev, err := ParseDevdEvent(msg)
		if err != nil {
			if ev.Kind != 0 || ev.Fields != nil {
				t.Fatalf("error %v with a non-empty event %+v", err, ev)
			}
			return
		}
		if len(ev.Fields) > maxFields {
			t.Fatalf("%d fields", len(ev.Fields))
		}
		for _, fl := range ev.Fields {
			if fl.Key == "" && !fl.Bare {
				t.Fatalf("empty key in %+v", ev.Fields)
			}
			if fl.Bare && fl.Value != "" {
				t.Fatalf("bare field with a value: %+v", fl)
			}
		}
		if ev.IsVMGenChange() {
			if s, _ := ev.Get("subsystem"); s != "VMGenerationCounter" {
				t.Fatalf("VM generation change with subsystem %q", s)
			}
		}
	})
}
