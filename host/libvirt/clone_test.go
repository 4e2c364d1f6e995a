package libvirt

import (
	"bytes"
	"crypto/rand"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"libvirt.org/go/libvirtxml"
)

// A domain as "virsh save-image-dumpxml" shows it, with one of each kind of
// device the clone plan treats.
const savedXML = `<domain type='qemu'>
  <name>web</name>
  <uuid>f32bdacc-1008-4227-9c53-f0d5eb63d534</uuid>
  <genid>3ea235c5-56e8-4398-a939-31c93c79f1df</genid>
  <memory unit='KiB'>262144</memory>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/vm/web.qcow2'/>
      <backingStore/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/vm/data.img'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/vm/base.img'/>
      <target dev='vdc' bus='virtio'/>
      <readonly/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/srv/iso/debian.iso'/>
      <target dev='sda' bus='sata'/>
    </disk>
    <serial type='file'>
      <source path='/var/log/vm/web.console'/>
      <target type='isa-serial' port='0'/>
    </serial>
    <console type='file'>
      <source path='/var/log/vm/web.console'/>
      <target type='serial' port='0'/>
    </console>
    <interface type='network'>
      <mac address='52:54:00:12:34:56'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <interface type='user'>
      <mac address='52:54:00:ab:cd:ef'/>
      <model type='e1000'/>
    </interface>
    <channel type='unix'>
      <source mode='bind' path='/run/vm/agent.sock'/>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
  </devices>
</domain>`

func parseDomain(t *testing.T, xml string) *libvirtxml.Domain {
	t.Helper()
	var d libvirtxml.Domain
	if err := d.Unmarshal(xml); err != nil {
		t.Fatal(err)
	}
	return &d
}

func TestPlanClone(t *testing.T) {
	src := parseDomain(t, savedXML)
	p, err := planClone(src, "web-1", "11111111-2222-3333-4444-555555555555", newMACPool(src, rand.Reader))
	if err != nil {
		t.Fatal(err)
	}
	wantOverlays := []overlay{
		{path: "/var/lib/vm/web-1.qcow2", backing: "/var/lib/vm/web.qcow2", format: "qcow2"},
		{path: "/var/lib/vm/web-1-data.img.qcow2", backing: "/var/lib/vm/data.img", format: "raw"},
	}
	if !slices.Equal(p.overlays, wantOverlays) {
		t.Errorf("overlays %+v, want %+v", p.overlays, wantOverlays)
	}
	wantFiles := []string{"/var/log/vm/web-1.console", "/run/vm/web-1-agent.sock"}
	if !slices.Equal(p.files, wantFiles) {
		t.Errorf("files %q, want %q", p.files, wantFiles)
	}
	got := parseDomain(t, p.xml)
	if got.Name != "web-1" || got.UUID != "11111111-2222-3333-4444-555555555555" || got.GenID == nil {
		t.Errorf("clone name %q, uuid %q, genid %v", got.Name, got.UUID, got.GenID)
	}
	disks := got.Devices.Disks
	for i, want := range []struct{ file, format string }{
		{"/var/lib/vm/web-1.qcow2", "qcow2"},
		{"/var/lib/vm/web-1-data.img.qcow2", "qcow2"},
		{"/var/lib/vm/base.img", "raw"}, // read-only: shared
		{"/srv/iso/debian.iso", "raw"},  // cdrom: shared
	} {
		if disks[i].Source.File.File != want.file || disks[i].Driver.Type != want.format {
			t.Errorf("disk %d: %s (%s), want %s (%s)", i, disks[i].Source.File.File, disks[i].Driver.Type, want.file, want.format)
		}
	}
	if disks[0].BackingStore != nil {
		t.Error("the overlay kept the original's <backingStore>: libvirt must read the chain from the overlay")
	}
	if s, c := got.Devices.Serials[0].Source.File.Path, got.Devices.Consoles[0].Source.File.Path; s != wantFiles[0] || c != wantFiles[0] {
		t.Errorf("serial %s, console %s: want both %s", s, c, wantFiles[0])
	}
	if s := got.Devices.Channels[0].Source.UNIX.Path; s != wantFiles[1] {
		t.Errorf("channel socket %s, want %s", s, wantFiles[1])
	}
	// The source definition is left as it was.
	if src.Name != "web" || src.Devices.Disks[0].Source.File.File != "/var/lib/vm/web.qcow2" {
		t.Error("planClone changed the saved definition")
	}
}

// Each clone's interfaces get new MAC addresses as virt-clone gives them
// (libvirt's prefix 52:54:00, random rest), none the saved domain's or
// another clone's; the rest of each interface is kept.
func TestPlanCloneMACs(t *testing.T) {
	src := parseDomain(t, savedXML)
	macs := newMACPool(src, rand.Reader)
	seen := map[string]string{"52:54:00:12:34:56": "web", "52:54:00:ab:cd:ef": "web"}
	libvirtMAC := regexp.MustCompile(`^52:54:00(:[0-9a-f]{2}){3}$`)
	for _, name := range []string{"web-1", "web-2", "web-3"} {
		p, err := planClone(src, name, "11111111-2222-3333-4444-555555555555", macs)
		if err != nil {
			t.Fatal(err)
		}
		ifs := parseDomain(t, p.xml).Devices.Interfaces
		if len(ifs) != 2 || ifs[0].Source.Network.Network != "default" || ifs[0].Model.Type != "virtio" || ifs[1].Source.User == nil || ifs[1].Model.Type != "e1000" {
			t.Fatalf("%s: interfaces not kept as they were: %s", name, p.xml)
		}
		for _, n := range ifs {
			mac := n.MAC.Address
			if !libvirtMAC.MatchString(mac) {
				t.Errorf("%s: MAC %s, want 52:54:00 and three lower-case hex bytes", name, mac)
			}
			if other, dup := seen[mac]; dup {
				t.Errorf("%s: MAC %s is %s's too", name, mac, other)
			}
			seen[mac] = name
		}
	}
	if src.Devices.Interfaces[0].MAC.Address != "52:54:00:12:34:56" {
		t.Error("planClone changed the saved definition's MAC")
	}

	// A random source that repeats an address taken (the saved domain's,
	// then the first one handed out) is asked again; one that only
	// repeats is an error, not a loop.
	random := bytes.NewReader([]byte{0x12, 0x34, 0x56, 0x01, 0x02, 0x03, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06})
	pool := newMACPool(src, random)
	for _, want := range []string{"52:54:00:01:02:03", "52:54:00:04:05:06"} {
		if got, err := pool.next(); got != want || err != nil {
			t.Errorf("next = %s, %v; want %s", got, err, want)
		}
	}
	pool = newMACPool(src, bytes.NewReader(bytes.Repeat([]byte{0x12, 0x34, 0x56}, 1000)))
	if mac, err := pool.next(); err == nil {
		t.Errorf("a source repeating the saved MAC gave %s", mac)
	}
	if _, err := newMACPool(src, bytes.NewReader(nil)).next(); err == nil {
		t.Error("an empty random source gave no error")
	}
}

func TestPlanCloneRefuses(t *testing.T) {
	tests := []struct {
		name, devices, extra, want string
	}{
		{"block disk", `<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/sdb'/><target dev='vdb'/></disk>`, "",
			"disk vdb is writable and not a plain file"},
		{"shareable", `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/d.img'/><target dev='vdb'/><shareable/></disk>`, "",
			"disk vdb is <shareable/>"},
		{"unknown format", `<disk type='file' device='disk'><source file='/d.img'/><target dev='vdb'/></disk>`, "",
			`disk vdb has disk format ""`},
		{"hostdev", `<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='1' slot='0' function='0'/></source></hostdev>`, "",
			"host device(s) passed through"},
		{"host tty", `<serial type='dev'><source path='/dev/ttyS1'/><target port='0'/></serial>`, "",
			"serial port 0 is the host device /dev/ttyS1"},
		{"tcp listener", `<serial type='tcp'><source mode='bind' host='0.0.0.0' service='4555'/><target port='0'/></serial>`, "",
			"listens on TCP 0.0.0.0:4555"},
		{"writable filesystem", `<filesystem type='mount'><source dir='/srv/share'/><target dir='share'/></filesystem>`, "",
			"filesystem 1"},
		{"nvram", "", `<os><type arch='x86_64' machine='q35'>hvm</type><nvram>/var/lib/libvirt/qemu/nvram/web_VARS.fd</nvram></os>`,
			"UEFI variable store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os := `<os><type arch='x86_64' machine='q35'>hvm</type></os>`
			if tc.extra != "" {
				os = tc.extra
			}
			xml := `<domain type='qemu'><name>web</name><genid/>` + os + `<devices>` + tc.devices + `</devices></domain>`
			_, err := planClone(parseDomain(t, xml), "web-1", "11111111-2222-3333-4444-555555555555", newMACPool(parseDomain(t, xml), rand.Reader))
			var unsafe *UnsafeCloneError
			if !errors.As(err, &unsafe) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want an *UnsafeCloneError mentioning %q", err, tc.want)
			}
		})
	}
}

func TestPlanCloneNoGenID(t *testing.T) {
	_, err := planClone(parseDomain(t, `<domain type='qemu'><name>web</name></domain>`), "web-1", "11111111-2222-3333-4444-555555555555", newMACPool(&libvirtxml.Domain{}, rand.Reader))
	var noGenID *NoGenIDError
	if !errors.As(err, &noGenID) || !strings.Contains(err.Error(), "add <genid/>") {
		t.Errorf("err = %v, want a *NoGenIDError saying how to add <genid/>", err)
	}
}

func TestDomainGenID(t *testing.T) {
	id, err := domainGenID("web", savedXML)
	if err != nil || id.GUID() != "3ea235c5-56e8-4398-a939-31c93c79f1df" {
		t.Errorf("domainGenID = %s, %v", id.GUID(), err)
	}
	_, err = domainGenID("web", `<domain type='qemu'><name>web</name></domain>`)
	if !errors.As(err, new(*NoGenIDError)) {
		t.Errorf("no <genid>: err = %v, want *NoGenIDError", err)
	}
	_, err = domainGenID("web", `<domain type='qemu'><name>web</name><genid>nonsense</genid></domain>`)
	if err == nil || !strings.Contains(err.Error(), "<genid>") {
		t.Errorf("bad <genid>: err = %v", err)
	}
}

func TestBeside(t *testing.T) {
	for _, tc := range []struct{ path, from, to, want string }{
		{"/v/web.console", "web", "web-1", "/v/web-1.console"},
		{"/v/serial.log", "web", "web-1", "/v/web-1-serial.log"},
		{"rel.log", "web", "c-2", "c-2-rel.log"},
	} {
		if got := beside(tc.path, tc.from, tc.to); got != tc.want {
			t.Errorf("beside(%q, %q, %q) = %q, want %q", tc.path, tc.from, tc.to, got, tc.want)
		}
	}
}
