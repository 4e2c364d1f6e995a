/*
 * A Method declared inside a method, as ACPICA runs it: the Method op
 * creates the method when it executes, in the running method's scope;
 * calls after it (with their arguments) reach it; it is gone when the
 * outer method returns, and the next run declares it again. Real firmware
 * does this (a graphics device's GSCI declaring its helper methods),
 * refused here before. The expected values are acpiexec's (20200925).
 */
DefinitionBlock ("", "DSDT", 2, "VMGEN", "METHLOC", 0x00000001)
{
    Name (CNT0, Zero)
    Method (M001, 0, NotSerialized)
    {
        Method (INNR, 1, NotSerialized)
        {
            CNT0++
            Return ((Arg0 + One))
        }
        Local0 = INNR (0x29)
        Return ((Local0 + INNR (0x0100)))
    }
    // Declared again on each run.
    Method (M002, 0, NotSerialized)
    {
        CNT0 = Zero
        Local0 = M001 ()
        Local0 += M001 ()
        Local1 = Package (0x02) {}
        Local1 [Zero] = Local0
        Local1 [One] = CNT0
        Return (Local1)
    }
}
