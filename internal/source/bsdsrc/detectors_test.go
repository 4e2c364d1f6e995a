package bsdsrc

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/internal/sysctl"
)

func TestDetectors(t *testing.T) {
	m := sysctl.NewMap(map[string][]byte{NetBSDEpochNode: u32(4)})
	dets, notes := Detectors("netbsd", m, time.Second, "")
	if len(dets) != 1 || len(notes) != 0 || dets[0].Name() != NetBSDEpochNode {
		t.Errorf("netbsd: %v, %v", dets, notes)
	}
	dets, notes = Detectors("netbsd", sysctl.NewMap(nil), time.Second, "")
	if len(dets) != 0 || len(notes) != 1 || !strings.Contains(notes[0].Error(), "not watching kern.entropy.epoch") {
		t.Errorf("netbsd without the node: %v, %v", dets, notes)
	}

	path := filepath.Join(shortTempDir(t), "devd.pipe")
	dets, notes = Detectors("freebsd", m, time.Second, path)
	if len(dets) != 0 || len(notes) != 1 || !strings.Contains(notes[0].Error(), "not listening to devd") {
		t.Errorf("freebsd without devd: %v, %v", dets, notes)
	}
	newDevdServer(t, path)
	dets, notes = Detectors("freebsd", m, time.Second, path)
	if len(dets) != 1 || len(notes) != 0 || dets[0].Name() != "devd" {
		t.Errorf("freebsd: %v, %v", dets, notes)
	}
	for _, d := range dets {
		d.(*DevdDetector).Close()
	}

	if dets, notes := Detectors("linux", m, time.Second, path); len(dets)+len(notes) != 0 {
		t.Errorf("linux: %v, %v", dets, notes)
	}
}
