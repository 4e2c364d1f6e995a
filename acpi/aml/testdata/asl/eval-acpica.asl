// Interpreter disagreements with ACPICA found on real firmware, each
// checked against acpiexec (see TestEvalACPICA).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "EVALACPI", 1)
{
    // A4xx: an OperationRegion declared in a method, its address from Arg0.
    Method (RDRG, 1, Serialized)
    {
        OperationRegion (MRGN, SystemMemory, Arg0, 0x08)
        Field (MRGN, DWordAcc, NoLock, Preserve) { MFL0, 32, MFL1, 32 }
        Return (MFL0)
    }
    Method (A401, 0, NotSerialized) { Return (RDRG (0x000F0000)) }
    Method (A402, 0, Serialized)
    {
        Local0 = 0x000F0000
        OperationRegion (LRGN, SystemMemory, Local0, 0x04)
        Field (LRGN, ByteAcc, NoLock, Preserve) { LFL0, 8 }
        Local0 = 0x00100000 // later changes of the Local do not move the region
        Return (LFL0)
    }
    // A6xx: ObjectType of an element the Package declared but did not set.
    Name (PKG6, Package (0x03) { One })
    Method (A601, 0, NotSerialized) { Return (ObjectType (Index (PKG6, 0x02))) }
    Method (A602, 0, NotSerialized) { Return (ObjectType (Index (PKG6, Zero))) }
    // A7xx: CopyObject replaces the object whatever its type; Store through
    // Index of a String replaces one character.
    Name (INT7, 0x10)
    Name (STR7, "abcd")
    Name (BUF7, Buffer (0x02) { 0x00, 0x00 })
    Method (A701, 0, NotSerialized)
    {
        CopyObject ("xyz", INT7)
        Return (INT7)
    }
    Method (A702, 0, NotSerialized)
    {
        Store (0x5A, Index (STR7, One))
        Return (STR7)
    }
    Method (A703, 0, NotSerialized)
    {
        Local0 = "wxyz"
        Local0 [0x03] = "Q"
        Return (Local0)
    }
    Method (A704, 0, NotSerialized)
    {
        BUF7 [Zero] = "A"
        Return (BUF7)
    }
    // Options.ZeroRegions: writes to a region that cannot be read go to a
    // shadow read back later, as in acpiexec's simulated regions.
    OperationRegion (PIO0, SystemIO, 0x80, 0x04)
    Field (PIO0, ByteAcc, NoLock, Preserve) { PB00, 8, PB01, 4, PB02, 4 }
    Field (PIO0, WordAcc, NoLock, Preserve) { PW00, 16 }
    Method (Z001, 0, NotSerialized)
    {
        PB01 = 0x0A
        PB02 = 0x05
        Return (PW00)
    }
    Method (Z002, 0, NotSerialized) { Return (PB00) }
    // An IndexField goes through its index and data registers, as in
    // ACPICA: after PIRB = 0x1F the data register holds 0x1F, and reading
    // PIRA (index 0) reads it.
    OperationRegion (PIX0, SystemIO, 0x0C00, 0x02)
    Field (PIX0, ByteAcc, NoLock, Preserve) { PIDX, 8, PDAT, 8 }
    IndexField (PIDX, PDAT, ByteAcc, NoLock, Preserve) { PIRA, 8, PIRB, 8 }
    Method (I001, 0, NotSerialized)
    {
        PIRB = 0x1F
        Return (Package (0x03) { PIRA, PIDX, PDAT })
    }
    // Return of a call to a method that returns nothing returns nothing;
    // using that nothing as a value is an error (AE_AML_NO_RETURN_VALUE).
    Method (N000, 0, NotSerialized) { }
    Method (R001, 0, NotSerialized) { Return (N000 ()) }
    // SizeOf of a reference is the size of what it refers to.
    Name (BUFS, Buffer (0x05) {})
    Method (SZ01, 1, NotSerialized) { Return (SizeOf (Arg0)) }
    Method (S001, 0, NotSerialized) { Return (SZ01 (RefOf (BUFS))) }
    Method (A705, 0, NotSerialized)
    {
        Local0 = 0x20
        CopyObject (Buffer (0x01) { 0x07 }, Local0)
        Return (Local0)
    }
}
