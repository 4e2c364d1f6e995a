// With ext-ssdt.asl: the DSDT defines \_SB.PCI0 and a method VGBA that the
// SSDT calls through an External declaration.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "EXTDSDT", 1)
{
    Device (\_SB.PCI0)
    {
        Name (_HID, EisaId ("PNP0A03"))
    }
    Method (\VGBA, 1, NotSerialized)
    {
        Return ((0x5FFFF000 + Arg0))
    }
}
