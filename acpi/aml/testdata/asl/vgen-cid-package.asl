// _HID matches nothing; _CID is a Package of a string and an EisaId, and
// only the string matches (case-insensitively: "vm_gen_counter").
// Expect: \_SB.GENC matches through _CID, paddr 0x0009F028.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "CIDPKG", 1)
{
    Device (\_SB.GENC)
    {
        Name (_HID, "ABCD0001")
        Name (_CID, Package (0x02) { "vm_gen_counter", EisaId ("PNP0C02") })
        Name (ADDR, Package (0x02) { 0x0009F028, Zero })
    }
    // A device with an EisaId-only _CID package: never a match.
    Device (\_SB.OTHR)
    {
        Name (_HID, EisaId ("PNP0C01"))
        Name (_CID, Package (0x01) { EisaId ("PNP0C02") })
        Name (ADDR, Package (0x02) { 0x0008F028, Zero })
    }
}
