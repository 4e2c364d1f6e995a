/*
 * ACPICA's error recovery mis-nests the rest of a table (acpica-tools
 * 20200925; real firmware: lhw-0AE384DFB520's SSDT3, where Device NHDA and
 * the three objects after it land under \_SB.PCI0.GPP0.PEGP).
 * RPCX's address names an undefined object, so ACPICA drops RPCX ("Could
 * not resolve symbol [\UNDF] ... Ignoring error and continuing table
 * load") and PRBN is left a field without a region. PCIM's address names
 * \UNDF too and shifts PRBN: the ShiftLeft fails
 * (AE_AML_UNINITIALIZED_NODE) and ACPICA leaves Device PEGP's scope open:
 * acpiexec lists NHDA, NHDA._ADR and LAST under PEGP. The AML says
 * otherwise: PEGP's PkgLength ends before NHDA (iasl -d prints NHDA and
 * LAST at the root), and so does this package.
 */
DefinitionBlock ("", "DSDT", 2, "VMGTST", "MISNEST", 1)
{
    External (\UNDF, IntObj)
    OperationRegion (RPCX, SystemMemory, UNDF, 0x10)
    Field (RPCX, DWordAcc, NoLock, Preserve)
    {
        PRBN,   8
    }

    Device (PEGP)
    {
        Name (_ADR, Zero)
        OperationRegion (PCIM, SystemMemory, (\UNDF + (PRBN << 0x14)), 0x10)
        Field (PCIM, DWordAcc, NoLock, Preserve)
        {
            NVID,   16
        }
    }

    Device (NHDA)
    {
        Name (_ADR, One)
    }

    Name (LAST, One)
}
