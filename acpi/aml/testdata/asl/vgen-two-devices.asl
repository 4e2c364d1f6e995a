// Two generation ID devices in different scopes and a decoy: numbering is
// namespace order. Expect: acpivmgenid0 = \_SB.VGEA (0x1000),
// acpivmgenid1 = \_SB.PCI0.VGEB (0x2000, _HID FCVMGID); \_SB.DECY is not
// a match (_HID "VMGENCTX").
DefinitionBlock ("", "DSDT", 2, "VMGTST", "TWODEV", 1)
{
    Scope (\_SB)
    {
        Device (VGEA)
        {
            Name (_HID, "vmgenctr")
            Name (ADDR, Package (0x02) { 0x1000, Zero })
        }
        Device (DECY)
        {
            Name (_HID, "VMGENCTX")
            Name (ADDR, Package (0x02) { 0x5000, Zero })
        }
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Device (VGEB)
            {
                Name (_HID, "FCVMGID")
                Name (ADDR, Package (0x02) { 0x2000, Zero })
            }
        }
    }
}
