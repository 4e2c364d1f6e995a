// ADDR's halves kept in a SystemMemory operation region, read through the
// physical-memory file (some firmwares keep the address there).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "OPREGN", 1)
{
    Scope (\_SB)
    {
        Device (VGEN)
        {
            Name (_HID, "VM_Gen_Counter")
            OperationRegion (VGRG, SystemMemory, 0x7000, 0x10)
            Field (VGRG, DWordAcc, NoLock, Preserve)
            {
                ALO,   32,
                AHI,   32
            }
            Method (ADDR, 0, NotSerialized)
            {
                Return (Package (0x02) { ALO, AHI })
            }
        }
    }
}
