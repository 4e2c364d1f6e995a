/* Loaded after rgnat-dsdt: see there. */
DefinitionBlock ("", "SSDT", 2, "VMGTST", "RGNAT", 1)
{
    Scope (_SB)
    {
        OperationRegion (SMIP, SystemMemory, 0x4000, 0x04)
    }
}
