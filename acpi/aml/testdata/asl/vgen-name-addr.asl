// ADDR as a Name (Firecracker style) in \_SB; no _STA.
// Expect: one device \_SB.VGEN, _HID "VMGENCTR", paddr 0x7FFFF028.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "NAMEADDR", 1)
{
    Device (\_SB.VGEN)
    {
        Name (_HID, "VMGENCTR")
        Name (_CID, "VM_Gen_Counter")
        Name (_DDN, "VM_Gen_Counter")
        Name (ADDR, Package (0x02) { 0x7FFFF028, 0x00000000 })
    }
}
