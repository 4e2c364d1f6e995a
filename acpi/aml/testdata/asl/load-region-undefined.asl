/*
 * ACPICA parses an OperationRegion's address operands as the table loads
 * and refuses the region when they name an object that does not exist
 * (acpiexec: "Could not resolve symbol [\UNDF], AE_NOT_FOUND ... Ignoring
 * error and continuing table load"). A region naming an object defined
 * before it loads. acpiexec -b namespace lists FLD1 (a field's region is
 * looked up when it is read), DEFD, RGN2 (Region), FLD2 and LAST; no RGN1.
 */
DefinitionBlock ("", "DSDT", 2, "VMGNID", "RGNUNDF", 1)
{
    External (\UNDF, IntObj)
    OperationRegion (RGN1, SystemMemory, \UNDF, 0x10)
    Field (RGN1, DWordAcc, NoLock, Preserve) { FLD1, 32 }
    Name (DEFD, 0x1000)
    OperationRegion (RGN2, SystemMemory, Add (DEFD, 0x10), 0x10)
    Field (RGN2, DWordAcc, NoLock, Preserve) { FLD2, 32 }
    Name (LAST, One)
}
