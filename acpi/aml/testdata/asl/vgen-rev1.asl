// A revision-1 DSDT: integers are 32 bits, so Ones is 0xFFFFFFFF and
// arithmetic wraps at 32 bits.
// Expect: paddr 0x00001028 ((0xFFFFFFFF + 0x1029) wraps to 0x1028).
DefinitionBlock ("", "DSDT", 1, "VMGTST", "REV1", 1)
{
    Device (\_SB.VGEN)
    {
        Name (_HID, "VMGENCTR")
        Method (ADDR, 0, NotSerialized)
        {
            Return (Package (0x02) { (Ones + 0x1029), Zero })
        }
    }
}
