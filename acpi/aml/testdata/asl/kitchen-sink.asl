// Everything the namespace builder must declare or skip, followed by a VM
// generation ID device: if any object were mis-skipped, \_SB.VGEN would be
// lost or garbled. Expect: \_SB.VGEN paddr 0x2FFFF028; MDLV = 0x55 (module-level
// code runs while loading, as in ACPICA).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "KITCHEN", 1)
{
    External (\_SB.EXTD, DeviceObj)
    External (\EXTM, MethodObj)
    External (\EXTI, IntObj)
    Name (MDLV, Zero)
    If (MDLV == Zero)
    {
        MDLV = 0x55
    }
    Else
    {
        MDLV = 0x66
    }
    OperationRegion (SIO, SystemIO, 0x0400, 0x10)
    Field (SIO, ByteAcc, NoLock, Preserve)
    {
        IDX0,   8,
        DAT0,   8,
        Offset (0x04),
        AccessAs (DWordAcc, 0x00),
        BIGF,   32,
        ,       3,
        BIT3,   1
    }
    IndexField (IDX0, DAT0, ByteAcc, NoLock, Preserve)
    {
        Offset (0x10),
        IFL0,   8,
        IFL1,   16
    }
    BankField (SIO, IDX0, 0x01, ByteAcc, NoLock, Preserve)
    {
        Offset (0x08),
        BKF0,   8
    }
    OperationRegion (PCFG, PCI_Config, 0x00, 0x100)
    Field (PCFG, DWordAcc, NoLock, Preserve)
    {
        VDID,   32
    }
    OperationRegion (ECRG, EmbeddedControl, 0x00, 0xFF)
    OperationRegion (CMOS, SystemCMOS, 0x00, 0x40)
    DataTableRegion (DTRG, "FACP", "", "")
    Mutex (MUT1, 0x0F)
    Event (EVT1)
    Name (BUF0, Buffer () { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 })
    CreateField (BUF0, 0x04, 0x0C, CFLD)
    CreateQWordField (BUF0, 0x00, CQWD)
    Name (STR0, "a string with \"quotes\" and \\ backslash")
    Name (VPKG, Package (0x02) { Package () { One, "two", Buffer (0x01) { 0x03 } }, \_SB })
    Alias (MUT1, MUTA)
    Scope (\_GPE)
    {
        Method (_L01, 0, NotSerialized)
        {
            Notify (\_SB.PCI0, 0x02)
        }
    }
    Scope (\_SB)
    {
        Method (_OSC, 4, NotSerialized)
        {
            CreateDWordField (Arg3, Zero, CDW1)
            If ((Arg0 == ToUUID ("33db4d5b-1ff7-401c-9657-7441c03dd766")))
            {
                CDW1 &= 0xFFFFFFF0
            }
            Return (Arg3)
        }
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A08"))
            Name (_UID, Zero)
            Method (_DSM, 4, Serialized)
            {
                Local0 = Match (Package () { 1, 2, 3 }, MEQ, 0x02, MTR, Zero, Zero)
                Local1 = ToBCD (0x99)
                Local2 = FromBCD (Local1)
                Local3 = Timer
                Local4 = SizeOf (Arg3)
                Local5 = ObjectType (Arg2)
                Local6 = Concatenate (ToDecimalString (0x0C), "x")
                Local7 = CopyObject (Local6, Local5)
                Fatal (0x01, 0x00000002, 0x03)
                Switch (ToInteger (Arg2))
                {
                    Case (Zero)
                    {
                        Return (Buffer (One) { 0x03 })
                    }
                    Case (Package () { 1, 2 })
                    {
                        Return (One)
                    }
                    Default
                    {
                        BreakPoint
                        Noop
                    }
                }
                Return (Buffer (One) { 0x00 })
            }
        }
        PowerResource (PWR0, 0x00, 0x0000)
        {
            Method (_STA, 0, NotSerialized) { Return (One) }
        }
        ThermalZone (TZ01)
        {
            Method (_TMP, 0, Serialized) { Return (0x0BB8) }
        }
        Processor (CPU1, 0x01, 0x00000000, 0x00) {}
        Device (VGEN)
        {
            Name (_HID, "VMGENCTR")
            Name (_CID, "VM_Gen_Counter")
            Method (_STA, 0, NotSerialized)
            {
                If (CondRefOf (\EXTI))
                {
                    Return (Zero)
                }
                Return (0x0F)
            }
            Method (ADDR, 0, Serialized)
            {
                Local0 = Package (0x02) { Zero, Zero }
                Local0 [Zero] = (0x2FFFF000 | 0x28)
                Return (Local0)
            }
        }
    }
}
