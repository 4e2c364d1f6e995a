// Operator coverage for the evaluator: each method Tnnn returns a value the
// test compares (see TestEvalOps in asl_test.go).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "EVALOPS", 1)
{
    Name (BYT, 0x12)
    Name (WRD, 0x1234)
    Name (DWD, 0x12345678)
    Name (QWD, 0x123456789ABCDEF0)
    Name (STR, "hello")
    Name (BUF, Buffer (0x06) { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 })
    Name (BIG, Buffer (0x10) { 0xAA })
    Name (PKG, Package (0x03) { 0x0A, "b", Package (0x01) { 0x0C } })
    Name (CNT, Zero)
    CreateDWordField (BUF, 0x02, BFDW)
    CreateBitField (BUF, 0x08, BFB8)
    Alias (DWD, ALDW)
    Mutex (MTX0, 0x00)
    Event (EVT0)

    Scope (\_SB)
    {
        Name (DWD, 0xDEADBEEF)   // shadows \DWD for code in \_SB
        Method (SDWD, 0, NotSerialized) { Return (DWD) }
        Method (RDWD, 0, NotSerialized) { Return (\DWD) }
        Device (DEV0)
        {
            Method (UPDW, 0, NotSerialized) { Return (^^DWD) }
        }
        Processor (CPU0, 0x00, 0x00000410, 0x06)
        {
            Name (PVAL, 0x77)
        }
        PowerResource (PRS0, 0x00, 0x0000)
        {
            Method (_STA, 0, NotSerialized) { Return (One) }
            Method (_ON, 0, NotSerialized) { }
            Method (_OFF, 0, NotSerialized) { }
        }
        ThermalZone (TZ00)
        {
            Method (_TMP, 0, NotSerialized) { Return (0x0BB8) }
        }
    }

    Method (T001, 0, NotSerialized) { Return (Ones) }
    Method (T002, 0, NotSerialized) { Return ((BYT + WRD + DWD)) }
    Method (T003, 0, NotSerialized) { Return ((QWD - One)) }
    Method (T004, 0, NotSerialized) { Return (((DWD & 0xFFFF0000) | 0x0F)) }
    Method (T005, 0, NotSerialized) { Return (((One << 0x24) + (0x100 >> 0x04))) }
    Method (T006, 0, NotSerialized)
    {
        Local0 = Zero
        If (((0x05 == 0x05) && !(0x05 == 0x06)))
        {
            Local0 |= One
        }
        If (((0x03 < 0x04) || (0x03 > 0x04)))
        {
            Local0 |= 0x02
        }
        If ((0x03 > 0x04))
        {
            Local0 |= 0x04
        }
        ElseIf ((0x03 != 0x03))
        {
            Local0 |= 0x08
        }
        Else
        {
            Local0 |= 0x10
        }
        If ((0x04 >= 0x04)) { Local0 |= 0x20 }
        If ((0x04 <= 0x03)) { Local0 |= 0x40 }
        Return (Local0)
    }
    Method (T007, 0, NotSerialized) { Return (DerefOf (PKG [0x02])) }
    Method (T008, 0, NotSerialized) { Return (DerefOf (DerefOf (PKG [0x02]) [Zero])) }
    Method (T009, 0, NotSerialized) { Return (DerefOf (BUF [0x03])) }
    Method (T010, 0, NotSerialized)
    {
        // While with Break and Continue; Increment/Decrement.
        Local0 = Zero
        Local1 = Zero
        While (One)
        {
            Local0++
            If ((Local0 > 0x0A)) { Break }
            If ((Local0 & One)) { Continue }
            Local1 += Local0
        }
        Local1--
        Return (Local1)
    }
    Method (T011, 3, NotSerialized) { Return (((Arg0 * Arg1) + Arg2)) }
    Method (T012, 0, NotSerialized) { Return (T011 (0x03, 0x04, 0x05)) }
    Method (T013, 0, Serialized)
    {
        Name (LOC, Package (0x02) { 0x01, 0x02 })
        LOC [One] = 0x22
        Return (LOC)
    }
    Method (T014, 0, NotSerialized) { Return (SizeOf (STR) + SizeOf (BUF) + SizeOf (PKG)) }
    Method (T015, 0, NotSerialized) { Return (Concatenate (STR, " world")) }
    Method (T016, 0, NotSerialized) { Return (Concatenate (Buffer (0x02) { 0x01, 0x02 }, Buffer (0x01) { 0x03 })) }
    Method (T017, 0, NotSerialized) { Return (BFDW) }
    Method (T018, 0, NotSerialized)
    {
        BFDW = 0xA1B2C3D4
        Return (BUF)
    }
    Method (T019, 0, NotSerialized) { Return (ALDW) }
    Method (T020, 0, NotSerialized)
    {
        Local0 = Acquire (MTX0, 0xFFFF)
        Release (MTX0)
        Notify (\_SB.DEV0, 0x80)
        Sleep (0x0A)
        Stall (0x0A)
        Signal (EVT0)
        Return (Local0)
    }
    Method (T021, 0, NotSerialized) { Return (ToInteger ("0x1F")) }
    Method (T022, 0, NotSerialized) { Return (ToHexString (0xAB)) }
    Method (T023, 0, NotSerialized) { Return ((0x17 % 0x05)) }
    Method (T024, 0, NotSerialized)
    {
        Divide (0x17, 0x05, Local1, Local0)
        Return (((Local0 << 0x08) | Local1))
    }
    Method (T025, 0, NotSerialized) { Return ((~Zero ^ 0xFF)) }
    Method (T026, 0, NotSerialized) { Return ((FindSetLeftBit (0x80) + FindSetRightBit (0x80))) }
    Method (T027, 0, NotSerialized) { Return (Mid ("abcdef", 0x02, 0x03)) }
    Method (T028, 0, NotSerialized)
    {
        If (CondRefOf (\_SB.NOPE, Local0)) { Return (One) }
        If (CondRefOf (\_SB.DEV0, Local1)) { Return (0x02) }
        Return (0x03)
    }
    Method (T029, 0, NotSerialized) { Return ((ObjectType (STR) + (ObjectType (\_SB.DEV0) << 0x04))) }
    Method (T030, 0, NotSerialized) { Return (\_SB.SDWD ()) }
    Method (T031, 0, NotSerialized) { Return (\_SB.RDWD ()) }
    Method (T032, 0, NotSerialized) { Return (\_SB.DEV0.UPDW ()) }
    Method (T033, 0, NotSerialized) { Return (\_SB.CPU0.PVAL) }
    Method (T034, 0, NotSerialized)
    {
        Local0 = Package (0x100) {}
        Local0 [0xFF] = 0x99
        Return (SizeOf (Local0))
    }
    Method (T035, 1, NotSerialized)
    {
        Local0 = Package (Arg0) {}
        Return (SizeOf (Local0))
    }
    Method (T036, 0, NotSerialized) { Return (T035 (0x07)) }
    Method (T037, 0, NotSerialized)
    {
        Local0 = RefOf (CNT)
        CNT = 0x05
        Return (DerefOf (Local0))
    }
    Method (T038, 0, NotSerialized) { Return (("abc" == "abc")) }
    Method (T039, 0, NotSerialized) { Return (BIG) }
    Method (T040, 0, NotSerialized)
    {
        CNT++
        Return (CNT)
    }
    Method (T041, 1, NotSerialized)
    {
        CreateWordField (Arg0, One, WFLD)
        WFLD = 0xBEEF
        Return (Arg0)
    }
    Method (T042, 0, NotSerialized) { Return (T041 (Buffer (0x04) { 0x00 })) }
    Method (T043, 0, NotSerialized) { Return (ToBuffer (0x0102)) }
    Method (T044, 0, NotSerialized) { Return (ToString (Buffer (0x04) { 0x41, 0x42, 0x00, 0x43 }, Ones)) }
    Method (T045, 0, NotSerialized) { Return (\_SB.TZ00._TMP ()) }
    Method (T046, 0, NotSerialized) { Return (Package (0x02) { BYT, \_SB.DEV0 }) }
    Method (T047, 0, NotSerialized) { Return (BFB8) }
    Method (T048, 0, NotSerialized) { }
    Method (T049, 0, NotSerialized) { Return ((T048 () + 0x05)) }
    Method (T050, 0, NotSerialized) { Return (EisaId ("PNP0A03")) }
}
