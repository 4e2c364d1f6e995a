/*
 * BankField access under Options.ZeroRegions, as in ACPICA: each access
 * first writes the bank value to the bank register, then goes to the
 * region like a Field unit (found on real firmware: a _PS3 writing a
 * BankField unit, refused here before, left a flag that later methods
 * read). acpiexec's simulated region has no banks: both bank values reach
 * the same bytes.
 */
DefinitionBlock ("", "DSDT", 2, "VMGEN", "BANKFLD", 0x00000001)
{
    OperationRegion (PIO1, SystemIO, 0x0D00, 0x04)
    Field (PIO1, ByteAcc, NoLock, Preserve) { BNKS, 8 }
    OperationRegion (PIO2, SystemIO, 0x0D10, 0x04)
    BankField (PIO2, BNKS, 0x02, ByteAcc, NoLock, Preserve) { BF02, 8 }
    BankField (PIO2, BNKS, 0x03, ByteAcc, NoLock, Preserve) { BF03, 8 }
    Field (PIO2, ByteAcc, NoLock, Preserve) { PF00, 8 }
    Method (B001, 0, NotSerialized)
    {
        Local7 = Package (0x05) {}
        BF02 = 0x5A
        Local7 [Zero] = BNKS
        Local7 [One] = PF00
        BF03 = 0x33
        Local7 [0x02] = BNKS
        Local7 [0x03] = BF02
        Local7 [0x04] = BNKS
        Return (Local7)
    }
    // A BankField declared in a method takes its bank value from the
    // method's frame, when it is declared.
    Method (B002, 1, Serialized)
    {
        BankField (PIO2, BNKS, Arg0, ByteAcc, NoLock, Preserve) { BF04, 8 }
        BF04 = 0x77
        Return (BNKS)
    }
    Method (B003, 0, NotSerialized) { Return (B002 (0x05)) }
}
