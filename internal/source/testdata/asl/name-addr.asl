// Firecracker's shape: ADDR is a Name holding the Package.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "NAME", 1)
{
    Device (_SB.VGEN)
    {
        Name (_HID, "FCVMGID")
        Name (_CID, "VM_Gen_Counter")
        Name (ADDR, Package (0x02) { 0x000DFFF0, 0x00000000 })
    }
}
