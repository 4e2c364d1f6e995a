/*
 * Fields wider than a page: real firmware has 4192- and 4160-byte buffer
 * fields (lhw-524B6B1AD490 \ASMB, 33536 bits; lhw-D143AED9806A
 * \_SB.C02E), which ACPICA reads. A field is read in one MemoryReader call,
 * bounded at 64 KiB (physmem.MaxReadLen): WIDE reads, HUGE (64 KiB + 8
 * bits) is refused (ErrTooLarge) whatever the region holds.
 * acpiexec: RWID a 4192-byte Buffer of zeros; RHUG AE_BUFFER_OVERFLOW (its
 * debugger's buffer).
 */
DefinitionBlock ("", "DSDT", 2, "VMGTST", "FLDWIDE", 1)
{
    OperationRegion (WREG, SystemMemory, 0x00100000, 0x00011000)
    Field (WREG, AnyAcc, NoLock, Preserve)
    {
        WIDE,   33536
    }

    Field (WREG, AnyAcc, NoLock, Preserve)
    {
        HUGE,   524296
    }

    Method (RWID, 0, NotSerialized)
    {
        Return (WIDE)
    }

    Method (RHUG, 0, NotSerialized)
    {
        Return (HUGE)
    }
}
