// The device deep in the namespace: \_SB.PCI0.ISA0.VGEN, with its ADDR
// method reading a Name two scopes up (\_SB.PCI0.VBAS) by upward search.
// Expect: \_SB_.PCI0.ISA0.VGEN, _HID "VMGENCTR", paddr 0x000E0028.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "NESTED", 1)
{
    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A08"))
            Name (_CID, EisaId ("PNP0A03"))
            Name (VBAS, 0x000E0000)
            Device (ISA0)
            {
                Name (_ADR, 0x00010000)
                Device (VGEN)
                {
                    Name (_HID, "VMGENCTR")
                    Method (ADDR, 0, NotSerialized)
                    {
                        Return (Package (0x02) { (VBAS + 0x28), Zero })
                    }
                }
            }
        }
    }
}
