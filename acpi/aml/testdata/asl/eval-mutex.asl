/*
 * Mutex ownership and SyncLevel order, as ACPICA (acpiexec 20200925) runs
 * them on one thread: see TestEvalMutex for acpiexec's results.
 */
DefinitionBlock ("", "DSDT", 2, "VMGEN", "MUTEX", 0x00000001)
{
    Mutex (MTXA, 0)
    Mutex (MTXB, 0)
    Mutex (MTX2, 2)
    Mutex (MTX5, 5)
    Mutex (MTXC, 12)
    Name (CNT0, 0)

    // Recursive Acquire by the owner, released as often
    Method (M001, 0, NotSerialized)
    {
        Acquire (MTXA, 0xFFFF)
        Acquire (MTXA, 0xFFFF)
        Release (MTXA)
        Release (MTXA)
        Return (One)
    }

    // Release of a mutex never acquired
    Method (M002, 0, NotSerialized)
    {
        CNT0 = 0x22
        Release (MTXA)
        CNT0 = 0x23
        Return (0x02)
    }

    // One Release too many
    Method (M003, 0, NotSerialized)
    {
        Acquire (MTXA, 0xFFFF)
        Acquire (MTXA, 0xFFFF)
        Release (MTXA)
        Release (MTXA)
        Release (MTXA)
        Return (0x03)
    }

    // Acquire below the current SyncLevel
    Method (M004, 0, NotSerialized)
    {
        Acquire (MTX5, 0xFFFF)
        Acquire (MTX2, 0xFFFF)
        Return (0x04)
    }

    // Release of a lower-level mutex while a higher one is held
    Method (M005, 0, NotSerialized)
    {
        Acquire (MTX2, 0xFFFF)
        Acquire (MTX5, 0xFFFF)
        Release (MTX2)
        Return (0x05)
    }

    // Acquire without Release: held until the evaluation ends
    Method (M006, 0, NotSerialized)
    {
        Acquire (MTXB, 0xFFFF)
        Return (0x06)
    }

    // So a later evaluation does not hold it
    Method (M007, 0, NotSerialized)
    {
        Release (MTXB)
        Return (0x07)
    }

    // A callee acquires, the caller releases: one thread, allowed
    Method (HACQ, 0, NotSerialized)
    {
        Acquire (MTXA, 0xFFFF)
    }

    Method (M008, 0, NotSerialized)
    {
        HACQ ()
        Release (MTXA)
        Return (0x08)
    }

    // A Serialized method's SyncLevel below the current one
    Method (SER9, 0, Serialized, 9)
    {
        Return (0x99)
    }

    Method (M009, 0, NotSerialized)
    {
        Acquire (MTXC, 0xFFFF)
        Local0 = SER9 ()
        Release (MTXC)
        Return (Local0)
    }

    // A Serialized method (SyncLevel 3) acquiring a level-2 mutex: its
    // SyncLevel is the thread's, called or evaluated itself
    Method (SERA, 0, Serialized, 3)
    {
        Acquire (MTX2, 0xFFFF)
        Release (MTX2)
        Return (0x0A)
    }

    Method (M010, 0, NotSerialized)
    {
        Return (SERA ())
    }

    // The global lock
    Method (M011, 0, NotSerialized)
    {
        Acquire (\_GL, 0xFFFF)
        Release (\_GL)
        Return (0x11)
    }

    Method (M012, 0, NotSerialized)
    {
        Release (\_GL)
        Return (0x12)
    }

    // Two mutexes of one level released in either order; Acquire's value
    Method (M013, 0, NotSerialized)
    {
        Local0 = Acquire (MTXA, 0xFFFF)
        Acquire (MTXB, 0xFFFF)
        Release (MTXA)
        Release (MTXB)
        Return (Local0 + 0x13)
    }

    // After a Serialized call returns, the SyncLevel is back
    Method (M014, 0, NotSerialized)
    {
        Local0 = SER9 ()
        Acquire (MTX2, 0xFFFF)
        Release (MTX2)
        Return (Local0)
    }
}
