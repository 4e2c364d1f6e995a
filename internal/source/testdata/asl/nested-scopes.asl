// The device deep inside nested scopes, found through Scope() opened on
// an existing path and a Device declared with a multi-segment name; its
// _HID is an EisaId and only _CID marks it.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "NESTED", 1)
{
    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A08"))
            Device (ISA0)
            {
                Name (_ADR, 0x001F0000)
            }
        }
    }
    Scope (\_SB.PCI0.ISA0)
    {
        Device (GEN1)
        {
            Name (_HID, EisaId ("PNP0C02"))
            Name (_CID, "vm_gen_counter")
            Method (ADDR, 0, Serialized)
            {
                Name (BUF, Package (0x02) { 0x00, 0x00 })
                BUF [Zero] = 0x3000
                Return (BUF)
            }
        }
    }
    Device (\_SB.PCI0.ISA0.GEN1.GEN2)
    {
        Name (_HID, "VMGENCTR")
        Name (ADDR, Package (0x02) { 0x3100, Zero })
    }
}
