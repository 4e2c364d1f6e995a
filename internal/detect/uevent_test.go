package detect

import (
	"strings"
	"testing"
)

func TestParseUevent(t *testing.T) {
	const vmgenid = "change@/devices/LNXSYSTM:00/LNXSYBUS:00/QEMUVGID:00\x00ACTION=change\x00" +
		"DEVPATH=/devices/LNXSYSTM:00/LNXSYBUS:00/QEMUVGID:00\x00SUBSYSTEM=acpi\x00NEW_VMGENID=1\x00SEQNUM=1234\x00"
	u, err := ParseUevent([]byte(vmgenid))
	if err != nil {
		t.Fatal(err)
	}
	if u.Action != "change" || u.DevPath != "/devices/LNXSYSTM:00/LNXSYBUS:00/QEMUVGID:00" || !u.IsNewVMGenID() || u.Env["SEQNUM"] != "1234" {
		t.Errorf("ParseUevent = %+v", u)
	}
	other, err := ParseUevent([]byte("add@/devices/virtual/net/lo\x00ACTION=add\x00SUBSYSTEM=net"))
	if err != nil || other.IsNewVMGenID() || other.Env["SUBSYSTEM"] != "net" {
		t.Errorf("ParseUevent(net) = %+v, %v", other, err)
	}
	bad := []struct{ in, want string }{
		{"", "want ACTION@DEVPATH"},
		{"change", "want ACTION@DEVPATH"},
		{"@/devices", "want ACTION@DEVPATH"},
		{"change@", "want ACTION@DEVPATH"},
		{"change@/d\x00NOEQUALS\x00", "offset 10: variable \"NOEQUALS\""},
		{"change@/d\x00=x\x00", "want KEY=VALUE"},
		{"libudev\x00\xfe\xed\xca\xfe", "udev message"},
		{"change@/d\x00" + strings.Repeat("A=1\x00", 300), "more than 256 variables"},
		{strings.Repeat("x", maxUeventSize+1), "more than 8192"},
	}
	for _, tt := range bad {
		if _, err := ParseUevent([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseUevent(%.20q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func FuzzParseUevent(f *testing.F) {
	f.Add([]byte("change@/devices/LNXSYSTM:00/QEMUVGID:00\x00ACTION=change\x00NEW_VMGENID=1\x00"))
	f.Add([]byte("add@/devices/virtual/net/lo\x00ACTION=add\x00SUBSYSTEM=net"))
	f.Add([]byte("libudev\x00\xfe\xed\xca\xfe"))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := ParseUevent(b)
		if err != nil {
			return
		}
		if u.Action == "" || u.DevPath == "" {
			t.Errorf("accepted an empty action or path: %+v", u)
		}
		if len(u.Env) > maxUeventVars {
			t.Errorf("%d variables", len(u.Env))
		}
	})
}
