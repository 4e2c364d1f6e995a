// ADDR as a Method (QEMU style) building its package with Index stores.
// Expect: \_SB.VGEN, _HID "QEMUVGID", _STA 0x0F, paddr 0x3FFFF028.
DefinitionBlock ("", "SSDT", 2, "VMGTST", "METHADDR", 1)
{
    Name (VGIA, 0x3FFFF000)
    Scope (\_SB)
    {
        Device (VGEN)
        {
            Name (_HID, "QEMUVGID")
            Name (_CID, "VM_Gen_Counter")
            Method (_STA, 0, NotSerialized)
            {
                Local0 = 0x0F
                If (VGIA == Zero)
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
