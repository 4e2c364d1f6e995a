// Loaded after ext-dsdt.asl: External scope and method from the DSDT.
// Expect: \_SB.PCI0.VGEN, paddr 0x5FFFF028.
DefinitionBlock ("", "SSDT", 2, "VMGTST", "EXTSSDT", 1)
{
    External (\_SB.PCI0, DeviceObj)
    External (\VGBA, MethodObj)
    Scope (\_SB.PCI0)
    {
        Device (VGEN)
        {
            Name (_HID, "VMGENCTR")
            Name (_CID, "VM_Gen_Counter")
            Method (ADDR, 0, NotSerialized)
            {
                Local0 = Package (0x02) { Zero, Zero }
                Local0 [Zero] = VGBA (0x28)
                Return (Local0)
            }
        }
    }
}
