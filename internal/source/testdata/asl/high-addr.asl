// An ID above 4 GiB: the high half of ADDR is used.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "HIGH", 1)
{
    Device (\_SB.VGEN)
    {
        Name (_HID, "QEMUVGID")
        Name (ADDR, Package (0x02) { 0xFFFFF028, 0x01 })
    }
}
