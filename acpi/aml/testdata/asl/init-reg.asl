// What acpiexec -di runs before its first command, which sets state that
// evaluations read: _REG and _STA methods (see initLikeACPIExec in
// internal/acpiinspect). Each Name says what acpiexec leaves in it.
DefinitionBlock ("", "DSDT", 2, "VMGTST", "INITREG", 1)
{
    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A08"))
            Name (_CID, EisaId ("PNP0A03"))
            // PCI_Config: acpiexec's own handler is installed before the
            // tables load and -di skips the default spaces' _REG: stays 0.
            Device (RP01)
            {
                Name (_ADR, 0x001C0000)
                OperationRegion (PXCS, PCI_Config, Zero, 0x10)
                Field (PXCS, AnyAcc, NoLock, Preserve) { VDID, 32 }
                Name (RPAV, Zero)
                Method (_REG, 2, NotSerialized)
                {
                    If (((Arg0 == 0x02) && (Arg1 == One))) { RPAV = One }
                }
            }
            // An EC without an EC region: its "orphan" _REG runs: 1.
            Device (EC0)
            {
                Name (_HID, EisaId ("PNP0C09"))
                Name (OKEC, Zero)
                Method (_REG, 2, NotSerialized)
                {
                    If ((Arg0 == 0x03)) { OKEC = Arg1 }
                }
            }
            // An EC with two EC regions: _REG once per region: 2.
            Device (EC1)
            {
                Name (_HID, EisaId ("PNP0C09"))
                OperationRegion (ECR1, EmbeddedControl, Zero, 0x10)
                OperationRegion (ECR2, EmbeddedControl, 0x10, 0x10)
                Name (ECN1, Zero)
                Method (_REG, 2, NotSerialized)
                {
                    If ((Arg0 == 0x03)) { ECN1++ }
                }
            }
            // An EC whose _STA says absent: no _REG: 0.
            Device (EC2)
            {
                Name (_HID, EisaId ("PNP0C09"))
                Name (_STA, Zero)
                OperationRegion (ECR3, EmbeddedControl, Zero, 0x10)
                Name (ECN2, Zero)
                Method (_REG, 2, NotSerialized)
                {
                    If ((Arg0 == 0x03)) { ECN2 = One }
                }
            }
            // A _STA with a side effect: acpiexec evaluates every
            // device's _STA once (AcpiGetDevices): 0.
            Device (GPP7)
            {
                Name (_ADR, 0x00080001)
                Name (DBUS, 0xEEEE)
                Method (_STA, 0, NotSerialized)
                {
                    DBUS = Zero
                    Return (0x0F)
                }
            }
        }
        // SMBus: _REG when acpiexec installs its handler: 4.
        Device (SMB0)
        {
            Name (_HID, "TEST0001")
            OperationRegion (SMBR, SMBus, Zero, 0x0100)
            Name (SMBV, Zero)
            Method (_REG, 2, NotSerialized) { SMBV = Arg0 }
        }
        // SystemMemory and SystemIO regions never get a _REG: 0.
        Device (SYSM)
        {
            OperationRegion (MEMR, SystemMemory, 0x1000, 0x10)
            OperationRegion (IOR0, SystemIO, 0x80, 0x04)
            Name (MEMV, Zero)
            Method (_REG, 2, NotSerialized) { MEMV = One }
        }
        // Below a device whose _STA says absent, no _STA runs: 0xEE.
        Device (GONE)
        {
            Name (_STA, Zero)
            Device (CHLD)
            {
                Name (CHDV, 0xEE)
                Method (_STA, 0, NotSerialized)
                {
                    CHDV = Zero
                    Return (0x0F)
                }
            }
        }
    }
    // An EC region outside any EC device gets no _REG: 0.
    Scope (\)
    {
        OperationRegion (ECR4, EmbeddedControl, Zero, 0x10)
        Name (ECN4, Zero)
        Method (_REG, 2, NotSerialized) { ECN4 = One }
    }
}
