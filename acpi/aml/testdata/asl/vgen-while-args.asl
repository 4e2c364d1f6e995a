// ADDR computed by a helper method with arguments, locals and a While
// loop: SUMN (0x1000, 0x10) adds 0x1000 sixteen times.
// Expect: paddr 0x00010028.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "WHILE", 1)
{
    Method (SUMN, 2, NotSerialized)
    {
        Local0 = Zero
        Local1 = Zero
        While (Local1 < Arg1)
        {
            Local0 += Arg0
            Local1++
        }
        Return (Local0)
    }
    Method (PAIR, 2, NotSerialized)
    {
        Local0 = Package (0x02) {}
        Local0 [Zero] = Arg0
        Local0 [One] = Arg1
        Return (Local0)
    }
    Device (\_SB.VGEN)
    {
        Name (_HID, "VMGENCTR")
        Method (ADDR, 0, NotSerialized)
        {
            Local7 = (SUMN (0x1000, 0x10) + 0x28)
            Return (PAIR (Local7, (Local7 >> 0x20)))
        }
    }
}
