/*
 * ConcatenateResTemplate, as ACPICA's AcpiExConcatTemplate: both
 * templates' descriptors without their end tags, then one end tag with
 * checksum 0; an empty Buffer is a lone end tag; a template with no end
 * tag is an error. Real firmware builds many a _CRS this way (an I2C
 * device's SerialBus descriptor joined to its Interrupt), refused here
 * before. The expected values are acpiexec's (20200925).
 */
DefinitionBlock ("", "DSDT", 2, "VMGEN", "CONCATRS", 0x00000001)
{
    Name (RBUF, ResourceTemplate ()
    {
        I2cSerialBusV2 (0x0015, ControllerInitiated, 0x00061A80,
            AddressingMode7Bit, "\\_SB.I2C0", 0x00, ResourceConsumer, , Exclusive, )
    })
    Name (SBUF, ResourceTemplate ()
    {
        Interrupt (ResourceConsumer, Level, ActiveLow, Exclusive, ,, )
        {
            0x0000003D,
        }
    })
    Method (C001, 0, NotSerialized)
    {
        Return (ConcatenateResTemplate (RBUF, SBUF))
    }
    // The result also goes to the target.
    Method (C002, 0, NotSerialized)
    {
        Local0 = ResourceTemplate ()
        {
            IO (Decode16, 0x0060, 0x0060, 0x01, 0x01)
        }
        ConcatenateResTemplate (Local0, ResourceTemplate ()
        {
            IRQNoFlags () {1}
        }, Local1)
        Return (Local1)
    }
    // An empty Buffer is taken as a lone end tag.
    Method (C003, 0, NotSerialized)
    {
        Local0 = Buffer (Zero) {}
        Return (ConcatenateResTemplate (Local0, SBUF))
    }
    // A template whose end tag carries a checksum: the result's is 0.
    Method (C004, 0, NotSerialized)
    {
        Local0 = Buffer (0x05) { 0x22, 0x02, 0x00, 0x79, 0x5A }
        Return (ConcatenateResTemplate (Local0, Local0))
    }
    // No end tag: an error in ACPICA (AE_AML_NO_RESOURCE_END_TAG).
    Method (C005, 0, NotSerialized)
    {
        Local0 = Buffer (0x03) { 0x22, 0x02, 0x00 }
        Return (ConcatenateResTemplate (Local0, SBUF))
    }
}
