/*
 * A Scope or Device declared inside a method, as ACPICA runs it: the
 * objects in its body are created when it executes, in that scope (names
 * in the body resolve from it; Args and Locals stay the method's), and
 * removed when the method returns. Real firmware declares a helper method
 * this way from a GPE handler (Scope (\_GPE) inside _L62), refused here
 * before. The expected values are acpiexec's (20200925).
 */
DefinitionBlock ("", "DSDT", 2, "VMGEN", "SCOPELOC", 0x00000001)
{
    Device (DEV0)
    {
        Name (VAL0, 0x11)
    }
    Name (VAL0, 0x22)
    Method (S001, 1, NotSerialized)
    {
        Scope (\DEV0)
        {
            Name (TMP0, 0x05)
            Method (HLP0, 0, NotSerialized)
            {
                Return ((VAL0 + TMP0))
            }
        }
        Return ((\DEV0.HLP0 () + Arg0))
    }
    Method (S002, 0, NotSerialized)
    {
        Local0 = S001 (0x0100)
        Local0 += S001 (0x1000)
        Return (Local0)
    }
    Method (S003, 0, NotSerialized)
    {
        Device (TDEV)
        {
            Name (TVAL, 0x07)
        }
        Return (\S003.TDEV.TVAL)
    }
}
