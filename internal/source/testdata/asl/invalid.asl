// Every way ADDR can be wrong, and the two addresses that are only
// warnings (misaligned, crossing a 4 KiB page).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "INVALID", 1)
{
    Scope (\_SB)
    {
        Device (PKG3)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package (0x03) { 0x8000, Zero, Zero })
        }
        Device (PKG1)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package (0x01) { 0x8000 })
        }
        Device (STRE)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package (0x02) { "0x8000", Zero })
        }
        Device (WIDE)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package (0x02) { 0x0000000100008000, Zero })
        }
        Device (INTG)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, 0x8000)
        }
        Device (NONE)
        {
            Name (_HID, "VMGENCTR")
        }
        Device (ZADR)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package (0x02) { Zero, Zero })
        }
        Device (MISA)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package (0x02) { 0x8004, Zero })
        }
        Device (CROS)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package (0x02) { 0x8FF8, Zero })
        }
        Device (LOOP)
        {
            Name (_HID, "VMGENCTR")
            Method (ADDR, 0, NotSerialized)
            {
                While (One)
                {
                }
                Return (Package (0x02) { 0x8000, Zero })
            }
        }
    }
}
