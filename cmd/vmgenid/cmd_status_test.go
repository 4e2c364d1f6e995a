package main

import (
	"path/filepath"
	"testing"

	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/source/bsdsrc"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// freebsdDriver is a FreeBSD vmgenc(4) driver on recorded sysctl values.
func freebsdDriver(source.Options) (source.Source, string, bool) {
	return bsdsrc.NewFreeBSD(sysctl.NewMap(map[string][]byte{
		"dev.vmgenc.0.guid":     testID(3),
		"dev.vmgenc.0.%pnpinfo": []byte("_HID=QEMUVGID _UID=0 _CID=VM_GEN_COUNTER\x00"),
	})), "", true
}

// A device the kernel's driver reads through sysctl needs no physical
// address: FreeBSD's vmgenc(4) never exports one, yet status reads its ID.
func TestStatusSysctlDevice(t *testing.T) {
	none := filepath.Join("testdata", "none")
	env := &cmdEnv{global: globalFlags{acpiTables: none, deviceTree: none, mem: none, platforms: []source.Platform{freebsdDriver}}}
	rep, ok := buildStatus(env)
	if !ok || len(rep.Devices) != 1 {
		t.Fatalf("status %+v, ok %v; want one device read", rep, ok)
	}
	d := rep.Devices[0]
	if d.Origin != "sysctl" || d.PAddr != "" || d.ReadError != "" || d.GUID != "aabbccdd-eeff-0011-2233-445566778803" {
		t.Errorf("device %+v; want the ID read through sysctl, no address", d)
	}
}
