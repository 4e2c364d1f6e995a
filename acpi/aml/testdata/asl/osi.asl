/*
 * _OSI is the host's answer, not the AML's: firmware asks it and takes a
 * different path for each answer. Linux installs the optional feature
 * "Processor Aggregator Device"; bare ACPICA (acpiexec) leaves it off, and
 * acpiexec also removes "Windows 2006" and adds "AnotherTestString" to
 * exercise its interface list. The same table evaluated with each set
 * (aml.Options.OSI) gives each host's answers, at module level and in
 * methods.
 */
DefinitionBlock ("", "DSDT", 2, "VMGTST", "OSI", 1)
{
    Name (MPAD, Zero)
    If (_OSI ("Processor Aggregator Device"))
    {
        MPAD = One
    }

    Method (OPAD, 0, NotSerialized)
    {
        Return (_OSI ("Processor Aggregator Device"))
    }

    Method (OW06, 0, NotSerialized)
    {
        Return (_OSI ("Windows 2006"))
    }

    Method (OW15, 0, NotSerialized)
    {
        Return (_OSI ("Windows 2015"))
    }

    Method (OLNX, 0, NotSerialized)
    {
        Return (_OSI ("Linux"))
    }

    Method (OATS, 0, NotSerialized)
    {
        Return (_OSI ("AnotherTestString"))
    }

    Scope (_SB)
    {
        Device (PAGD)
        {
            Name (_HID, "ACPI000C")
            Method (_STA, 0, NotSerialized)
            {
                If (\_OSI ("Processor Aggregator Device"))
                {
                    Return (0x0F)
                }

                Return (Zero)
            }
        }
    }
}
