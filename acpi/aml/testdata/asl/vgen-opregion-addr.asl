// The address is kept in memory: a SystemMemory OperationRegion at
// physical 0x000F0000 (8 bytes) with DWord fields ADRL/ADRH, and ADDR a
// Method returning Package {ADRL, ADRH} (names, read when evaluated).
// Expect: paddr = the two little-endian dwords at physical 0xF0000 and
// 0xF0004 (tests put 0xBFFFF028 and 0x00000000 there).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "OPREGION", 1)
{
    Scope (\_SB)
    {
        OperationRegion (VGMR, SystemMemory, 0x000F0000, 0x08)
        Field (VGMR, DWordAcc, NoLock, Preserve)
        {
            ADRL,   32,
            ADRH,   32
        }
        Device (VGEN)
        {
            Name (_HID, "VMGENCTR")
            Name (_CID, "VM_Gen_Counter")
            Method (ADDR, 0, NotSerialized)
            {
                Return (Package (0x02) { ADRL, ADRH })
            }
        }
    }
}
