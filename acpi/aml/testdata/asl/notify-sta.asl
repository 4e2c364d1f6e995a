/*
 * Discovery cases: which GPE/GED methods notify a device (directly, through
 * a call, by a relative name), and how an enclosing device's _STA hides or
 * keeps its children. See testdata/README.md.
 */
DefinitionBlock ("", "DSDT", 2, "VMGNID", "NOTIFY", 1)
{
    Device (\VGEN) { Name (_HID, "OTHER001") }      // what a relative VGEN in \_GPE finds

    Scope (\_SB)
    {
        Device (VGEN) { Name (_HID, "VMGENCTR") }
        Device (HIDE)                                // neither present nor functioning
        {
            Name (_STA, Zero)
            Device (VGEH) { Name (_HID, "VMGENCTR") }
        }
        Device (FUNC)                                // functioning, not present: children enumerated
        {
            Name (_STA, 0x08)
            Device (VGEF) { Name (_HID, "VMGENCTR") }
        }
        Device (BADS)                                // _STA is not an Integer: taken as present
        {
            Method (_STA, 0, NotSerialized) { Return ("x") }
            Device (VGEB)
            {
                Name (_HID, "VMGENCTR")
                Name (_STA, 0x0B)
            }
        }
        Method (NTFY, 0, NotSerialized) { Notify (VGEN, 0x80) }
        Device (GED0)
        {
            Name (_HID, "ACPI0013")
            Method (_EVT, 1, Serialized)
            {
                If ((Arg0 == 0x05)) { Notify (\_SB.VGEN, 0x80) }
            }
        }
    }

    Scope (\_GPE)
    {
        Method (_E05, 0, NotSerialized) { Notify (\_SB.VGEN, 0x80) }
        Method (_L1A, 0, NotSerialized) { \_SB.NTFY () }     // through a call
        Method (_E07, 0, NotSerialized) { Notify (VGEN, 0x80) } // relative: \VGEN
        Method (_E08, 0, NotSerialized) { Notify (\_SB.HIDE, 0x80) }
        Method (_Q10, 0, NotSerialized) { Notify (\_SB.VGEN, 0x80) } // not a GPE name
    }
}
