package guest

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// DomainXML returns a libvirt domain definition that boots img the way
// QEMUArgs does (TCG, q35, 256 MiB, one CPU, -cpu max, direct kernel boot)
// with a VM generation ID libvirt picks (<genid/>), its serial console
// written to the file console and, when disk is not empty, the qcow2 file
// disk attached (the guest does not use it: it is where internal snapshots
// live). ACPI must be asked for: without <acpi/> libvirt starts QEMU with
// -no-acpi, and the guest finds no generation ID device.
func DomainXML(img *Image, name, console, disk string) string {
	esc := func(s string) string {
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	diskXML := ""
	if disk != "" {
		diskXML = fmt.Sprintf(`
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='%s'/>
      <target dev='vda' bus='virtio'/>
    </disk>`, esc(disk))
	}
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <genid/>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>%s</kernel>
    <initrd>%s</initrd>
    <cmdline>%s</cmdline>
  </os>
  <features><acpi/></features>
  <cpu mode='maximum'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>%s
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
    <serial type='file'>
      <source path='%s'/>
    </serial>
  </devices>
</domain>
`, esc(name), esc(img.Kernel), esc(img.Initramfs), esc(KernelCommandLine), diskXML, esc(console))
}
