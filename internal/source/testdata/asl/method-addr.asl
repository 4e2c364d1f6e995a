// QEMU's shape: ADDR is a Method building its Package at run time from a
// Name the firmware patched; _STA is a Method too.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "METHOD", 1)
{
    Name (VGIA, 0x0FFFF000)
    Scope (\_SB)
    {
        Device (VGEN)
        {
            Name (_HID, "QEMUVGID")
            Name (_CID, "VM_Gen_Counter")
            Method (_STA, 0, NotSerialized)
            {
                Local0 = 0x0F
                If ((VGIA == Zero))
                {
                    Local0 = Zero
                }
                Return (Local0)
            }
            Method (ADDR, 0, NotSerialized)
            {
                Local0 = Package (0x02) {}
                Local0 [Zero] = (VGIA + 0x28)
                Local0 [One] = Zero
                Return (Local0)
            }
        }
    }
}
