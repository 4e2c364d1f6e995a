package guest

import (
	"testing"

	"libvirt.org/go/libvirtxml"
)

// TestDomainXML: the domain asks for what the guest needs (a generation ID
// libvirt picks, ACPI, -cpu max under TCG, the console in a file) and
// escapes paths.
func TestDomainXML(t *testing.T) {
	img := &Image{Kernel: "/k/vmlinuz", Initramfs: "/w/init&rd.cpio.gz"}
	var d libvirtxml.Domain
	if err := d.Unmarshal(DomainXML(img, "vm<1>", "/w/vm.console", "/w/vm.qcow2")); err != nil {
		t.Fatal(err)
	}
	if d.Type != "qemu" || d.Name != "vm<1>" || d.GenID == nil || d.GenID.Value != "" {
		t.Errorf("type %q, name %q, genid %+v: want qemu, vm<1>, an empty <genid/>", d.Type, d.Name, d.GenID)
	}
	if d.Features == nil || d.Features.ACPI == nil {
		t.Error("no <acpi/>: libvirt would start QEMU with -no-acpi and the guest would find no device")
	}
	if d.CPU == nil || d.CPU.Mode != "maximum" {
		t.Errorf("cpu %+v, want mode maximum", d.CPU)
	}
	if d.OS.Initrd != img.Initramfs || d.OS.Cmdline != KernelCommandLine {
		t.Errorf("initrd %q, cmdline %q", d.OS.Initrd, d.OS.Cmdline)
	}
	if s := d.Devices.Serials; len(s) != 1 || s[0].Source.File == nil || s[0].Source.File.Path != "/w/vm.console" {
		t.Errorf("serials %+v, want one to /w/vm.console", s)
	}
	if disks := d.Devices.Disks; len(disks) != 1 || disks[0].Driver.Type != "qcow2" || disks[0].Source.File.File != "/w/vm.qcow2" {
		t.Errorf("disks %+v, want the qcow2 file", disks)
	}
}
