package report

import (
	"fmt"
	"maps"
	"strings"
	"testing"
)

func TestFormatParseRoundTrip(t *testing.T) {
	tests := []struct {
		event string
		kv    []string
	}{
		{"boot", []string{"uuid", "aabbccdd-eeff-0011-2233-445566778899", "paddr", "268431400"}},
		{"fatal", []string{"msg", `vmgenid daemon: exit status 1: "no device"`}},
		{"change", []string{"clonesafe", FormatUints([]uint64{1, 0xffffffffffffffff}), "empty", ""}},
		{"ready", nil},
	}
	for _, tc := range tests {
		s := Format(tc.event, tc.kv...)
		l, ok, err := Parse(s + "\r\n")
		if !ok || err != nil {
			t.Fatalf("Parse(%q) = ok %v, %v", s, ok, err)
		}
		want := map[string]string{}
		for i := 0; i < len(tc.kv); i += 2 {
			want[tc.kv[i]] = tc.kv[i+1]
		}
		if l.Event != tc.event || !maps.Equal(l.Fields, want) {
			t.Errorf("Parse(%q) = %+v, want event %s fields %v", s, l, tc.event, want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ line, err string }{
		{"E2E Boot x=1", "bad event name"},
		{"E2E boot x", "bad field"},
		{"E2E boot x=1 x=2", "given twice"},
		{`E2E boot x="unterminated`, "bad quoted value"},
		{`E2E boot x="a"b`, "text after"},
		{"E2E boot x=a\x01b", "bad value"},
		{"E2E boot " + manyFields(70), "more than"},
		{"E2E boot x=" + strings.Repeat("v", MaxLine), "exceeds"},
	}
	for _, tc := range tests {
		_, ok, err := Parse(tc.line)
		if !ok || err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Parse(%.40q) = ok %v, err %v; want an error containing %q", tc.line, ok, err, tc.err)
		}
	}
	for _, s := range []string{"", "[    3.1] random: crng init done", "E2Eboot x=1", "xE2E boot"} {
		if _, ok, err := Parse(s); ok || err != nil {
			t.Errorf("Parse(%q) = ok %v, err %v; want not a report line", s, ok, err)
		}
	}
}

func TestAccessors(t *testing.T) {
	l, _, err := Parse("E2E change epoch=2 delay=-15 id=aabbccdd-eeff-0011-2233-445566778899 v=00000000000000ff,0000000000000001 bad=zz")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := l.Uint("epoch"); n != 2 || err != nil {
		t.Errorf("Uint(epoch) = %d, %v", n, err)
	}
	if n, err := l.Int("delay"); n != -15 || err != nil {
		t.Errorf("Int(delay) = %d, %v", n, err)
	}
	if id, err := l.GUID("id"); err != nil || id.GUID() != "aabbccdd-eeff-0011-2233-445566778899" {
		t.Errorf("GUID(id) = %s, %v", id.GUID(), err)
	}
	if v, err := l.Uints("v"); err != nil || len(v) != 2 || v[0] != 255 || v[1] != 1 {
		t.Errorf("Uints(v) = %v, %v", v, err)
	}
	for _, key := range []string{"missing", "bad"} {
		if _, err := l.Uint(key); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Uint(%s) error = %v", key, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("E2E boot uuid=aabbccdd-eeff-0011-2233-445566778899 paddr=268431400")
	f.Add(`E2E fatal msg="daemon: exit status 1"`)
	f.Add("E2E change clonesafe=0000000000000001,ffffffffffffffff epoch=2")
	f.Add("[    4.123456] random: crng reseeded due to virtual machine fork")
	f.Fuzz(func(t *testing.T, s string) {
		l, ok, err := Parse(s)
		if !ok || err != nil {
			return
		}
		if len(l.Fields) > MaxFields {
			t.Fatalf("%d fields accepted", len(l.Fields))
		}
		// What Parse accepts, Format writes back into an equivalent line.
		kv := make([]string, 0, 2*len(l.Fields))
		for k, v := range l.Fields {
			kv = append(kv, k, v)
		}
		again, ok, err := Parse(Format(l.Event, kv...))
		if !ok || err != nil && len(Format(l.Event, kv...)) <= MaxLine {
			t.Fatalf("re-parse of %q: ok %v, %v", Format(l.Event, kv...), ok, err)
		}
		if err == nil && (again.Event != l.Event || !maps.Equal(again.Fields, l.Fields)) {
			t.Fatalf("round trip changed %+v into %+v", l, again)
		}
		for k := range l.Fields {
			l.Uint(k)
			l.Int(k)
			l.GUID(k)
			l.Uints(k)
		}
	})
}

func manyFields(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "k%d=v ", i)
	}
	return b.String()
}
