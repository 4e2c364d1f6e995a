/*
 * A region in an OEM-defined address space (0x80-0xFF; real firmware:
 * 0x8C, 0x8D, 0x9E for a PMIC and battery driver) has a handler in no
 * general-purpose OS: ACPICA fails its reads and writes (AE_NOT_EXIST, "No
 * handler for Region"), as Linux does, and acpiexec simulates only the
 * spaces ACPI defines. An ACPI-defined space such as SystemCMOS reads as
 * zeros in acpiexec (aml.Options.ZeroRegions).
 * acpiexec: ROEM, WOEM AE_NOT_EXIST; RCMS 0.
 */
DefinitionBlock ("", "DSDT", 2, "VMGTST", "RGNOEM", 1)
{
    OperationRegion (OEMR, 0x9E, Zero, 0x10)
    Field (OEMR, ByteAcc, NoLock, Preserve)
    {
        OEMF,   8
    }

    OperationRegion (CMSR, SystemCMOS, Zero, 0x10)
    Field (CMSR, ByteAcc, NoLock, Preserve)
    {
        CMSF,   8
    }

    Method (ROEM, 0, NotSerialized)
    {
        Return (OEMF)
    }

    Method (WOEM, 0, NotSerialized)
    {
        OEMF = 0x05
        Return (One)
    }

    Method (RCMS, 0, NotSerialized)
    {
        Return (CMSF)
    }
}
