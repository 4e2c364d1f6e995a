// An address above 4 GiB: a QWord Name split into the two dwords with And
// and ShiftRight.
// Expect: paddr 0x1FFFFF028 (ADDR = Package {0xFFFFF028, 0x1}).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "HIGHADDR", 1)
{
    Name (VGIA, 0x00000001FFFFF000)
    Device (\_SB.VGEN)
    {
        Name (_HID, "QEMUVGID")
        Method (ADDR, 0, NotSerialized)
        {
            Local0 = (VGIA + 0x28)
            Local1 = Package (0x02) {}
            Local1 [Zero] = (Local0 & 0xFFFFFFFF)
            Local1 [One] = (Local0 >> 0x20)
            Return (Local1)
        }
    }
}
