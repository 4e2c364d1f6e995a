/*
 * VMClock discovery variants, compiled with the Intel ACPI compiler
 * (Debian package acpica-tools):
 *   iasl -f -p ../variants/DSDT variants.asl && mv ../variants/DSDT.aml ../variants/DSDT
 * -f because iasl rejects the real-world _HID values "VMCLOCK" and
 * "VMGENCTR" as malformed, and _CRS as an Integer is deliberately wrong.
 * Each device tests one way firmware may describe the VMClock page; see
 * discover_test.go.
 */
DefinitionBlock ("", "DSDT", 2, "VMGTST", "VMCLOCK", 0x00000001)
{
    /* QEMU style: the generic ID as _HID, a DWordMemory descriptor. */
    Device (\_SB.QCLK)
    {
        Name (_HID, "VMCLOCK")
        Name (_CRS, ResourceTemplate ()
        {
            DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadOnly,
                0x00000000, 0xFEED0000, 0xFEED0FFF, 0x00000000, 0x00001000)
        })
    }

    /* _CID in a Package next to another ID, Memory32Fixed from a Method. */
    Device (\_SB.PCLK)
    {
        Name (_HID, EisaId ("PNP0C02"))
        Name (_CID, Package (0x02) { EisaId ("PNP0C01"), "VMCLOCK" })
        Method (_CRS, 0, NotSerialized)
        {
            Return (ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) { 7 }
                Memory32Fixed (ReadOnly, 0xFEE00000, 0x00001000)
            })
        }
    }

    /* A QWordMemory behind a translation offset. */
    Device (\_SB.TCLK)
    {
        Name (_HID, "AMZNC10C")
        Name (_CRS, ResourceTemplate ()
        {
            QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadOnly,
                0x0, 0x0000000000002000, 0x0000000000002FFF, 0x0000000100000000, 0x0000000000001000)
        })
    }

    /* Absent according to _STA. */
    Device (\_SB.ACLK)
    {
        Name (_HID, "AMZNC10C")
        Method (_STA, 0, NotSerialized) { Return (Zero) }
        Name (_CRS, ResourceTemplate ()
        {
            Memory32Fixed (ReadOnly, 0xFEF00000, 0x00001000)
        })
    }

    /* No _CRS at all. */
    Device (\_SB.NCLK)
    {
        Name (_HID, "AMZNC10C")
    }

    /* A _CRS without memory. */
    Device (\_SB.ICLK)
    {
        Name (_HID, "AMZNC10C")
        Name (_CRS, ResourceTemplate ()
        {
            IO (Decode16, 0x0510, 0x0510, 0x01, 0x08)
        })
    }

    /* A region that ends before vm_generation_counter. */
    Device (\_SB.SCLK)
    {
        Name (_HID, "AMZNC10C")
        Name (_CRS, ResourceTemplate ()
        {
            Memory32Fixed (ReadOnly, 0xFED00000, 0x00000068)
        })
    }

    /* _CRS is not a Buffer. */
    Device (\_SB.BCLK)
    {
        Name (_HID, "AMZNC10C")
        Name (_CRS, 0x1234)
    }

    /*
     * Inside a device that is neither present nor functioning: hidden
     * from enumeration whatever its own _STA says.
     */
    Device (\_SB.HIDN)
    {
        Name (_HID, "PNP0A05")
        Name (_STA, Zero)
        Device (HCLK)
        {
            Name (_HID, "AMZNC10C")
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadOnly, 0xFEF10000, 0x00001000)
            })
        }
    }

    /* A VM generation ID device, which is not a VMClock. */
    Device (\_SB.VGEN)
    {
        Name (_HID, "VMGENCTR")
        Name (_CID, "VM_Gen_Counter")
        Name (_CRS, ResourceTemplate ()
        {
            Memory32Fixed (ReadOnly, 0xFEC00000, 0x00001000)
        })
    }
}
