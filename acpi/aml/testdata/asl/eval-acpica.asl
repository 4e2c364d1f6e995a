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
    // A8xx: names as Package elements. In a method they are resolved when
    // the Package op runs (a method-local Name is gone once the method
    // returns); a name that resolves to nothing is an empty element.
    Method (A801, 0, NotSerialized)
    {
        Name (LID8, 0x88)
        Name (LPK8, Package (0x01) { "x" })
        Return (Package (0x02) { LID8, LPK8 })
    }
    External (\_SB.UND8, DeviceObj)
    Name (PKG8, Package (0x02) { \_SB.UND8, One })
    Method (A802, 0, NotSerialized) { Return (PKG8) }
    // A method returning RefOf of a Name returns, to the OS, that Name's
    // value (ACPICA's AcpiEvaluateObject, AcpiNsResolveReferences).
    Name (PK83, Package (0x02) { One, 0x02 })
    Method (A803, 0, NotSerialized) { Return (RefOf (PK83)) }
    Method (A804, 0, NotSerialized)
    {
        Local0 = RefOf (PK83)
        Return (DerefOf (Local0) [One])
    }
    // A9xx: a Buffer or Package stored to a Local, an Arg or a Package
    // element is a copy (ACPICA copies an object held elsewhere): writing
    // through the Local leaves the Name as it was.
    Name (BUF9, Buffer (0x02) { 0x10, 0x20 })
    Name (PKG9, Package (0x02) { One, 0x02 })
    Method (A901, 0, NotSerialized)
    {
        Local0 = BUF9
        CreateByteField (Local0, Zero, BYT0)
        BYT0 = 0x55
        Return (Concatenate (BUF9, Local0))
    }
    Method (A902, 0, NotSerialized)
    {
        Local0 = PKG9
        Local0 [Zero] = 0x33
        Return (PKG9)
    }
    Method (A903, 1, NotSerialized)
    {
        Arg0 = BUF9
        Arg0 [One] = 0x66
        Local1 = Package (0x01) { Zero }
        Local1 [Zero] = BUF9
        Local2 = DerefOf (Local1 [Zero])
        Local2 [Zero] = 0x77
        Return (Concatenate (BUF9, Concatenate (Arg0, DerefOf (Local1 [Zero]))))
    }
    Method (A904, 0, NotSerialized) { Return (A903 (Zero)) }
    // A Buffer stored to a Buffer Name of length zero takes the source's
    // length (ACPICA's AcpiExStoreBufferToBuffer); a longer one keeps its
    // own (a _GTF filling Buffer (Arg0 * 7) {} with Arg0 = 0).
    Method (A911, 1, Serialized)
    {
        Local0 = (Arg0 * 0x07)
        Name (ZBUF, Buffer (Local0) {})
        ZBUF = Buffer (0x03) { 0x01, 0x02, 0x03 }
        Return (ZBUF)
    }
    Method (A912, 0, NotSerialized) { Return (A911 (Zero)) }
    Method (A913, 0, NotSerialized) { Return (A911 (One)) }
    // A String or Buffer stored to a field is written as its bytes (ACPICA's
    // AcpiExWriteDataToField), not converted to an Integer first.
    Name (FBUF, Buffer (0x04) {})
    Method (A921, 0, NotSerialized)
    {
        CreateField (FBUF, Zero, 0x20, FLD9)
        FLD9 = "12"
        Return (FBUF)
    }
    // A store to a Buffer Name writes into its buffer: a buffer field
    // created on it before the store still writes to the Name.
    Name (ATIB, Buffer (0x04) { 0xFF, 0xFF, 0xFF, 0xFF })
    Method (A931, 0, NotSerialized)
    {
        CreateWordField (ATIB, Zero, M157)
        ATIB = Zero
        M157 = 0x12
        Return (ATIB)
    }
    // An OperationRegion's operands are evaluated as the table loads (in
    // ACPICA the table runs like a method): BAS4 runs then, once, and the
    // region keeps the address ADR4 had then.
    Name (CNT4, Zero)
    Method (BAS4, 0, NotSerialized)
    {
        CNT4++
        Return (0x000F0004)
    }
    OperationRegion (RG41, SystemMemory, BAS4 (), 0x04)
    Field (RG41, DWordAcc, NoLock, Preserve) { FL41, 32 }
    Name (ADR4, 0x000F0000)
    OperationRegion (RG42, SystemMemory, ADR4, 0x04)
    Field (RG42, DWordAcc, NoLock, Preserve) { FL42, 32 }
    Method (A941, 0, NotSerialized) { Return (CNT4) }
    Method (A942, 0, NotSerialized)
    {
        ADR4 = 0x00200000
        Local0 = FL41
        Return (Package (0x02) { CNT4, FL42 })
    }
}
