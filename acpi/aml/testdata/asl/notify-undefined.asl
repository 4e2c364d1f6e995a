/*
 * A SuperName operand that names nothing: ACPICA fails the method
 * (AE_NOT_FOUND, "Could not resolve symbol"), for Notify (real firmware: a
 * _GPE._L02 and an EC _Q80 notifying a bridge or GPU the tables never
 * define) and for the synchronisation operators alike. The evaluator
 * skipped these operands.
 * acpiexec: N001 1; N002, N003, N004, N005, N006 AE_NOT_FOUND.
 */
DefinitionBlock ("", "DSDT", 2, "VMGTST", "NTFUND", 1)
{
    External (\_SB.PCI0.GPP2, DeviceObj)
    External (\UNMX, MutexObj)
    External (\UNEV, EventObj)
    Device (\_SB.DEV0)
    {
        Name (_ADR, Zero)
    }

    Method (N001, 0, NotSerialized)
    {
        Notify (\_SB.DEV0, 0x80)
        Return (One)
    }

    Method (N002, 0, NotSerialized)
    {
        Notify (\_SB.PCI0.GPP2, 0x02)
        Return (One)
    }

    Method (N003, 0, NotSerialized)
    {
        Acquire (\UNMX, 0xFFFF)
        Return (One)
    }

    Method (N004, 0, NotSerialized)
    {
        Release (\UNMX)
        Return (One)
    }

    Method (N005, 0, NotSerialized)
    {
        Signal (\UNEV)
        Return (One)
    }

    Method (N006, 0, NotSerialized)
    {
        Wait (\UNEV, 0x10)
        Return (One)
    }
}
