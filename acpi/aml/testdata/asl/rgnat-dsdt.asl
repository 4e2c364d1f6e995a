/*
 * ACPICA evaluates an OperationRegion's address operands when the
 * OperationRegion runs: at load, in table order. A name in them means the
 * object it names at that point: \_SB.SMIP, defined by rgnat-ssdt (loaded
 * after this table), does not move \_SB.IOB2 off \SMIP, nor does the
 * module-level store to \SMIQ after \MEM1 move \MEM1 (real firmware: an
 * SSDT's \_SB.SMIP region, and the DSDT's IOB2 at SMIP, 0xB2). Evaluating
 * them on first use instead found the SSDT's region ("a Reference where
 * an Integer is needed") and the stored value.
 * acpiexec (with rgnat-ssdt): IOB2 at 0x1000, MEM1 at 0x2000.
 */
DefinitionBlock ("", "DSDT", 2, "VMGTST", "RGNAT", 1)
{
    Name (SMIP, 0x1000)
    Name (SMIQ, 0x2000)
    Scope (_SB)
    {
        OperationRegion (IOB2, SystemMemory, SMIP, 0x04)
        Field (IOB2, DWordAcc, NoLock, Preserve)
        {
            FIO2,   32
        }
    }

    OperationRegion (MEM1, SystemMemory, SMIQ, 0x04)
    Field (MEM1, DWordAcc, NoLock, Preserve)
    {
        FME1,   32
    }

    SMIQ = 0x3000
    Method (RIO2, 0, NotSerialized)
    {
        Return (\_SB.FIO2)
    }

    Method (RME1, 0, NotSerialized)
    {
        Return (FME1)
    }
}
