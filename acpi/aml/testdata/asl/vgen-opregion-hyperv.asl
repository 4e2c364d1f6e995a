// Hyper-V style: the region sits inside the device, ADDR declares a local
// Name and fills it from the fields; _CID is Hyper-V's own ID.
// Expect: paddr from physical 0x000F0010 (low) and 0x000F0014 (high).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "HYPERV", 1)
{
    Device (\_SB.VMOD)
    {
        Name (_HID, "ACPI0004")
    }
    Device (\_SB.VMOD.GENC)
    {
        Name (_HID, "Hyper_V_Gen_Counter_V1")
        Name (_CID, "Hyper_V_Gen_Counter_V1")
        OperationRegion (GENR, SystemMemory, 0x000F0010, 0x08)
        Field (GENR, AnyAcc, NoLock, Preserve)
        {
            ADRL,   32,
            ADRH,   32
        }
        Method (ADDR, 0, Serialized)
        {
            Name (LPKG, Package (0x02) { 0x00, 0x00 })
            LPKG [Zero] = ADRL
            Index (LPKG, One) = ADRH
            Return (LPKG)
        }
    }
}
