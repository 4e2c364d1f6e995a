// Three matching devices: _STA absent (present), _STA a Method returning
// 0x0F (present), _STA a Name of 0 (not present: skipped).
// Expect: VGN0 paddr 0x1000, VGN1 paddr 0x2000; VGN2 skipped; numbered
// acpivmgenid0 = \_SB.VGN0, acpivmgenid1 = \_SB.VGN1.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "STA", 1)
{
    Scope (\_SB)
    {
        Device (VGN0)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package (0x02) { 0x1000, Zero })
        }
        Device (VGN1)
        {
            Name (_HID, "VMGENCTR")
            Method (_STA, 0, NotSerialized)
            {
                If (LAnd (LNot (LLess (0x10, 0x05)), LOr (Zero, LGreater (0x03, 0x02))))
                {
                    Return (0x0F)
                }
                Else
                {
                    Return (Zero)
                }
            }
            Name (ADDR, Package (0x02) { 0x2000, Zero })
        }
        Device (VGN2)
        {
            Name (_HID, "VMGENCTR")
            Name (_STA, Zero)
            Name (ADDR, Package (0x02) { 0x3000, Zero })
        }
    }
}
