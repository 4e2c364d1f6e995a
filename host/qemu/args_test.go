package qemu

import (
	"slices"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/genid"
)

func TestCloneArgs(t *testing.T) {
	guid, err := genid.ParseGUID("aabbccdd-eeff-0011-2233-445566778899")
	if err != nil {
		t.Fatal(err)
	}
	const g = "aabbccdd-eeff-0011-2233-445566778899"
	tail := []string{"-qmp", "unix:/run/c0.qmp,server=on,wait=off", "-incoming", "exec:cat '/tmp/my vm.state'"}
	tests := []struct {
		name string
		in   []string
		want []string
		err  string
	}{
		{
			name: "replace guid, qmp and incoming",
			in:   []string{"-m", "256", "-device", "vmgenid,id=vgid0,guid=11111111-2222-3333-4444-555555555555", "-qmp", "unix:/old.qmp,server=on,wait=off", "-incoming", "defer", "-nographic"},
			want: append([]string{"-m", "256", "-device", "vmgenid,id=vgid0,guid=" + g, "-nographic"}, tail...),
		},
		{
			name: "add guid, double-dash option, driver= form",
			in:   []string{"--device", "driver=vmgenid,id=v"},
			want: append([]string{"--device", "driver=vmgenid,id=v,guid=" + g}, tail...),
		},
		{
			name: "escaped commas survive",
			in:   []string{"-device", "vmgenid,id=a,,b", "-device", "virtio-rng-pci"},
			want: append([]string{"-device", "vmgenid,id=a,,b,guid=" + g, "-device", "virtio-rng-pci"}, tail...),
		},
		{name: "no vmgenid", in: []string{"-device", "virtio-rng-pci"}, err: "no -device vmgenid"},
		{name: "two vmgenid", in: []string{"-device", "vmgenid", "-device", "vmgenid"}, err: "more than one"},
		{name: "daemonize", in: []string{"-device", "vmgenid", "-daemonize"}, err: "daemonize"},
		{name: "dangling qmp", in: []string{"-device", "vmgenid", "-qmp"}, err: "no value"},
		{name: "dangling device", in: []string{"-device"}, err: "no value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CloneArgs(tc.in, guid, "/run/c0.qmp", "/tmp/my vm.state")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("CloneArgs error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("CloneArgs =\n%q\nwant\n%q", got, tc.want)
			}
			if v, ok := GUIDOption(got); !ok || v != g {
				t.Errorf("GUIDOption = %q, %v; want %q", v, ok, g)
			}
		})
	}
}

func TestCloneArgsLongSocket(t *testing.T) {
	_, err := CloneArgs([]string{"-device", "vmgenid"}, genid.ID{1}, "/"+strings.Repeat("d", 200), "f")
	if err == nil || !strings.Contains(err.Error(), "Unix socket") {
		t.Fatalf("error = %v, want the socket length", err)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/a":       "'/tmp/a'",
		"/tmp/it's $x": `'/tmp/it'\''s $x'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
