// Modelled on the shape of Hyper-V's UEFI DSDT (Microsoft mu_msvm): a
// SystemMemory region of firmware parameters at 0xFFFFFF00 (ByteAcc
// fields; GCAL/GCAH at offsets 0x10/0x14 hold the generation counter's
// address), \_SB.GENC with _HID "MSFT1002" and a three-string _CID
// Package, ADDR filling a method-local Name with Store/Index, and
// module-level If blocks on the parameters (SCFG > 0 declares \_SB.UAR1).
// Expect: \_SB.GENC matches through _CID; paddr = the two dwords at physical
// 0xFFFFFF10 / 0xFFFFFF14 (tests put 0x3FFF0000 and 0 there, and SCFG = 1 at
// 0xFFFFFF20).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "HYPERVUE", 1)
{
    OperationRegion (BIOS, SystemMemory, 0xFFFFFF00, 0xFF)
    Field (BIOS, ByteAcc, NoLock, Preserve)
    {
        MG2B,   32,
        MG2L,   32,
        HMIB,   32,
        HMIL,   32,
        GCAL,   32,
        GCAH,   32,
        PCNT,   32,
        NVDA,   32,
        SCFG,   8,
        TCFG,   8
    }
    Name (\_S5, Package (0x02) { Zero, Zero })
    Device (\_SB.VMOD)
    {
        Name (_HID, "ACPI0004")
        Name (_UID, Zero)
    }
    If (LGreater (SCFG, Zero))
    {
        Device (\_SB.UAR1)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, One)
        }
    }
    If (LGreater (TCFG, Zero))
    {
        Device (\_SB.VMOD.TPM2)
        {
            Name (_HID, "MSFT1001")
        }
    }
    Device (\_SB.GENC)
    {
        Name (_HID, "MSFT1002")
        Name (_CID, Package (0x03) { "VM_Gen_Counter", "VMGENCTR", "Hyper_V_Gen_Counter_V1" })
        Name (_UID, Zero)
        Name (_DDN, "VM_Gen_Counter")
        Method (ADDR, 0, NotSerialized)
        {
            Name (LPKG, Package (0x02) { Zero, Zero })
            Store (GCAL, Index (LPKG, Zero))
            Store (GCAH, Index (LPKG, One))
            Return (LPKG)
        }
    }
    Scope (\_GPE)
    {
        Method (_E00, 0, NotSerialized)
        {
            Notify (\_SB.GENC, 0x80)
        }
    }
}
