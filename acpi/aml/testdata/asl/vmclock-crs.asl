// VMClock devices with the page in the three descriptor kinds:
// \_SB.VCLK QWordMemory 0x1_0000_0000 (above 4 GiB), \_SB.VCL2 DWordMemory
// 0xFEB00000, \_SB.VCL3 Memory32Fixed 0xFEB01000, each 0x1000 bytes; VCL3
// has _STA 0 (not present).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "VMCLOCK", 1)
{
    Device (\_SB.VCLK)
    {
        Name (_HID, "AMZNC10C")
        Name (_CID, "VMCLOCK")
        Method (_STA, 0, NotSerialized) { Return (0x0F) }
        Name (_CRS, ResourceTemplate ()
        {
            IO (Decode16, 0x0510, 0x0510, 0x01, 0x0C, )
            QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadOnly,
                0x0000000000000000, 0x0000000100000000, 0x0000000100000FFF,
                0x0000000000000000, 0x0000000000001000, ,, , AddressRangeMemory, TypeStatic)
        })
    }
    Device (\_SB.VCL2)
    {
        Name (_HID, "AMZNC10C")
        Name (_CID, "VMCLOCK")
        Method (_CRS, 0, Serialized)
        {
            Name (RBUF, ResourceTemplate ()
            {
                DWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadOnly,
                    0x00000000, 0xFEB00000, 0xFEB00FFF, 0x00000000, 0x00001000, ,, , AddressRangeMemory, TypeStatic)
            })
            Return (RBUF)
        }
    }
    Device (\_SB.VCL3)
    {
        Name (_HID, "AMZNC10C")
        Name (_STA, Zero)
        Name (_CRS, ResourceTemplate ()
        {
            Memory32Fixed (ReadOnly, 0xFEB01000, 0x00001000, )
        })
    }
}
