// Invalid ADDR values, one device each (all match on _HID):
// BAD3: 3 elements; BADS: a String element; BADW: an element > 0xFFFFFFFF;
// BADZ: address 0; BADI: an Integer, not a Package; BADA: misaligned
// (0x1004, not 8-byte aligned); BADP: crosses a 4 KiB page (0x1FF8).
DefinitionBlock ("", "DSDT", 2, "VMGTST", "BADADDR", 1)
{
    Scope (\_SB)
    {
        Device (BAD3)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package () { 0x1000, Zero, Zero })
        }
        Device (BADS)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package () { "0x1000", Zero })
        }
        Device (BADW)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package () { 0x0000000100001000, Zero })
        }
        Device (BADZ)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package () { Zero, Zero })
        }
        Device (BADI)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, 0x1000)
        }
        Device (BADA)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package () { 0x1004, Zero })
        }
        Device (BADP)
        {
            Name (_HID, "VMGENCTR")
            Name (ADDR, Package () { 0x1FF8, Zero })
        }
    }
}
