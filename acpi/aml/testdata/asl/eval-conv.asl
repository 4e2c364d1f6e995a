// Implicit conversions, references and stores, checked against ACPICA's
// acpiexec (see TestEvalConversions in asl_test.go).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "EVALCONV", 1)
{
    Name (STRN, "text")
    Name (INTN, 0x10)
    Name (BUFN, Buffer (0x04) { 0x01, 0x02, 0x03, 0x04 })
    Name (PKGN, Package (0x02) { 0x01, "two" })
    Method (SETA, 1, NotSerialized) { Arg0 = 0x07 }
    Method (C001, 0, NotSerialized) { Return (("1F" + One)) }
    Method (C002, 0, NotSerialized) { Return ((Buffer (0x02) { 0x01, 0x02 } + Zero)) }
    Method (C003, 0, NotSerialized) { Return ((Buffer (0x02) { 0x01, 0x02 } == Buffer (0x02) { 0x01, 0x02 })) }
    Method (C004, 0, NotSerialized) { Return (("abc" < "abd")) }
    Method (C005, 0, NotSerialized) { Return ((Buffer (0x01) { 0x02 } > Buffer (0x01) { 0x01 })) }
    Method (C006, 0, NotSerialized) { Return (Concatenate (0x01, 0x02)) }
    Method (C007, 0, NotSerialized) { Return (Concatenate ("a", 0x01)) }
    Method (C008, 0, NotSerialized)
    {
        Local0 = Buffer (0x02) { 0x00, 0x00 }
        Local0 [One] = 0x01FF
        Return (Local0)
    }
    Method (C009, 0, NotSerialized)
    {
        Local1 = Zero
        SETA (RefOf (Local1))
        Return (Local1)
    }
    Method (C010, 0, NotSerialized)
    {
        INTN = "0x20"
        Return (INTN)
    }
    Method (C011, 0, NotSerialized) { Return ((ObjectType (INTN) | (ObjectType (BUFN) << 0x04) | (ObjectType (PKGN) << 0x08))) }
    Method (C012, 0, NotSerialized) { Return (SizeOf (DerefOf (PKGN [One]))) }
    Method (C013, 0, NotSerialized) { Return (DerefOf (BUFN [0x02])) }
    Method (C014, 0, NotSerialized) { Return (ToBuffer ("AB")) }
    Method (C015, 0, NotSerialized) { Return (ToDecimalString (0x7B)) }
    Method (C016, 0, NotSerialized) { Return (ToHexString (Buffer (0x02) { 0x0A, 0xFF })) }
    Method (C017, 0, NotSerialized) { Return (ToDecimalString (Buffer (0x02) { 0x0A, 0xFF })) }
    Method (C018, 0, NotSerialized) { Return (Mid (Buffer (0x04) { 0x01, 0x02, 0x03, 0x04 }, One, 0x02)) }
    Method (C019, 0, NotSerialized) { Return (Match (Package (0x04) { 0x05, "x", 0x0A, 0x0F }, MGT, 0x06, MLT, 0x0F, Zero)) }
    Method (C020, 0, NotSerialized) { Return (Match (Package (0x02) { 0x05, 0x06 }, MEQ, 0x09, MTR, Zero, Zero)) }
    Method (C021, 0, NotSerialized) { Return ((0x0C / 0x05)) }
    Method (C022, 0, NotSerialized) { Return (NAnd (0xF0, 0x3C)) }
    Method (C023, 0, NotSerialized) { Return (NOr (0xF0, 0x0F)) }
    Method (C024, 0, NotSerialized) { Return (FromBCD (0x1234)) }
    Method (C025, 0, NotSerialized) { Return (ToBCD (0x04D2)) }
    Method (C026, 0, NotSerialized)
    {
        Local0 = 0x03
        Local1 = Zero
        While (Local0)
        {
            Local0--
            Local1 += 0x02
        }
        Return (Local1)
    }
    Method (C027, 0, NotSerialized) { Return (ToInteger (Buffer (0x03) { 0x01, 0x02, 0x03 })) }
    Method (C028, 0, NotSerialized) { Return (ToString ("abc", 0x02)) }
    Method (C029, 0, NotSerialized)
    {
        STRN = 0x05
        Return (STRN)
    }
    Method (C030, 0, NotSerialized)
    {
        BUFN = 0x0605
        Return (BUFN)
    }
    Method (C031, 0, NotSerialized)
    {
        BUFN = "AB"
        Return (BUFN)
    }
    Method (C032, 0, NotSerialized)
    {
        PKGN = 0x05
        Return (PKGN)
    }
}
