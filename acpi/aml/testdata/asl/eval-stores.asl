/*
 * Stores that must copy or go through a reference, as in ACPICA
 * (AcpiDsStoreObjectToLocal, AcpiExStoreObjectToIndex), found on real
 * firmware: a _CRS that fills a resource template taken from a Name into
 * Local0 must leave the Name as it was (S001, as \_SB.PCI0.LPC0.LNKx._CRS
 * then _PRS do), and so must a Package taken into a Local (S002) or stored
 * into a Package element (S003). A store to an Arg holding RefOf (Name)
 * stores into the Name, without conversion (S004, S005); a Buffer passed
 * as an argument is the caller's object (S006). A store to a Buffer Name
 * writes into the Buffer it holds, so that a buffer field created on it
 * before still writes to it (S007, as an AMD ATIF method's ATIB = Zero then
 * M157 = 0x12); an empty Buffer takes the size of what is stored (S008).
 * The target of an explicit conversion (ToBuffer, ToHexString, ToInteger,
 * ToString) takes the result as it is, the Name changing type (S009-S012,
 * as a method's ToBuffer (CHVD, TAD0) into Name (TAD0, "")).
 */
DefinitionBlock ("", "DSDT", 2, "VMGEN", "STORES", 0x00000001)
{
    Name (IPRS, ResourceTemplate ()
    {
        IRQ (Level, ActiveLow, Shared, ) {3,4,5,7,10,11,12,14,15}
    })
    Method (CRS1, 0, NotSerialized)
    {
        Local0 = IPRS
        CreateWordField (Local0, One, IRQ0)
        IRQ0 = 0x0400
        Return (Local0)
    }
    Method (S001, 0, NotSerialized)
    {
        Local2 = Package (0x02) {}
        Local2 [Zero] = CRS1 ()
        Local2 [One] = IPRS
        Return (Local2)
    }
    Name (PKG2, Package (0x02) { One, 0x02 })
    Method (S002, 0, NotSerialized)
    {
        Local0 = PKG2
        Local0 [Zero] = 0x55
        Local2 = Package (0x02) {}
        Local2 [Zero] = DerefOf (Local0 [Zero])
        Local2 [One] = DerefOf (PKG2 [Zero])
        Return (Local2)
    }
    Name (BUF3, Buffer (0x02) { 0x01, 0x02 })
    Name (PKG3, Package (0x01) { Zero })
    Method (S003, 0, NotSerialized)
    {
        PKG3 [Zero] = BUF3
        BUF3 [Zero] = 0x11
        Local2 = Package (0x02) {}
        Local2 [Zero] = DerefOf (PKG3 [Zero])
        Local2 [One] = BUF3
        Return (Local2)
    }
    Name (INT4, 0x05)
    Name (STR5, "ab")
    Method (SETR, 1, NotSerialized) { Arg0 = 0x77 }
    Method (S004, 0, NotSerialized)
    {
        SETR (RefOf (INT4))
        Return (INT4)
    }
    Method (S005, 0, NotSerialized)
    {
        SETR (RefOf (STR5))
        Return (STR5)
    }
    Name (BUF6, Buffer (0x02) { 0x01, 0x02 })
    Method (SETB, 1, NotSerialized) { Arg0 [Zero] = 0x66 }
    Method (S006, 0, NotSerialized)
    {
        SETB (BUF6)
        Return (BUF6)
    }
    Name (ATIB, Buffer (0x08) {})
    Method (S007, 0, NotSerialized)
    {
        CreateWordField (ATIB, Zero, M157)
        ATIB = Zero
        M157 = 0x12
        Return (ATIB)
    }
    Name (BUF8, Buffer (Zero) {})
    Method (S008, 0, NotSerialized)
    {
        BUF8 = Buffer (0x03) { 0x01, 0x02, 0x03 }
        Return (BUF8)
    }
    Name (STR9, "")
    Name (INTA, 0x10)
    Name (STRB, "ab")
    Name (BUFC, Buffer (0x02) { 0x01, 0x02 })
    Method (S009, 0, NotSerialized)
    {
        ToBuffer (Buffer (0x03) { 0x01, 0x02, 0x03 }, STR9)
        Return (STR9)
    }
    Method (S010, 0, NotSerialized)
    {
        ToHexString (0x1234, INTA)
        Return (INTA)
    }
    Method (S011, 0, NotSerialized)
    {
        ToInteger ("0x55", STRB)
        Return (STRB)
    }
    Method (S012, 0, NotSerialized)
    {
        ToString (Buffer (0x03) { 0x41, 0x42, 0x00 }, Ones, BUFC)
        Return (BUFC)
    }
}
