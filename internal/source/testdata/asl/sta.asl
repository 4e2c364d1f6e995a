// _STA absent, a Name, a Method; not present (skipped); a parent that is
// not present but functioning (its children are still enumerated); a
// parent that is neither (its children are not).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "STA", 1)
{
    Scope (\_SB)
    {
        Device (NSTA)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package (0x02) { 0x6000, Zero })
        }
        Device (NMST)
        {
            Name (_HID, "VMGENCTR")
            Name (_STA, 0x0F)
            Name (ADDR, Package (0x02) { 0x6100, Zero })
        }
        Device (GONE)
        {
            Name (_HID, "VMGENCTR")
            Method (_STA, 0, NotSerialized)
            {
                Return (Zero)
            }
            Name (ADDR, Package (0x02) { 0x6200, Zero })
        }
        Device (FUNC)
        {
            Name (_HID, "ACME0001")
            Name (_STA, 0x08)
            Device (KID1)
            {
                Name (_HID, "VMGENCTR")
                Method (_STA, 0, NotSerialized)
                {
                    If ((0x08 == 0x08))
                    {
                        Return (0x0F)
                    }
                    Return (Zero)
                }
                Name (ADDR, Package (0x02) { 0x6300, Zero })
            }
        }
        Device (DEAD)
        {
            Name (_HID, "ACME0001")
            Name (_STA, Zero)
            Device (KID2)
            {
                Name (_HID, "VMGENCTR")
                Name (ADDR, Package (0x02) { 0x6400, Zero })
            }
        }
    }
}
