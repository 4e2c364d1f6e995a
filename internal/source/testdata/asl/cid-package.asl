// _CID as a Package mixing EisaId integers and strings, matched
// case-insensitively; a device whose Package holds no VM generation ID is
// not matched.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "CIDPKG", 1)
{
    Scope (\_SB)
    {
        Device (OTHR)
        {
            Name (_HID, "ACME0002")
            Name (_CID, Package (0x02) { EisaId ("PNP0C02"), "ACME0003" })
            Name (ADDR, Package (0x02) { 0x4000, Zero })
        }
        Device (VGEN)
        {
            Name (_HID, "ACME0001")
            Name (_CID, Package (0x03) { EisaId ("PNP0C02"), "vmgenctr", "VM_GEN_COUNTER" })
            Name (ADDR, Package (0x02) { 0x5000, Zero })
        }
        Device (HYPV)
        {
            Name (_HID, "Hyper_V_Gen_Counter_V1")
            Name (ADDR, Package (0x02) { 0x5100, Zero })
        }
    }
}
