/*
 * A Package whose PkgLength runs past its enclosing
 * object. iasl cannot write one, so pkg-overlong.aml is this table
 * compiled with `iasl -f -p pkg-overlong pkg-overlong.asl` and then
 * patched (checksum fixed): the PkgLength of PKGA is 5 bytes longer
 * (0x06 -> 0x0B, into Name (AFTR) inside CPU0), and that of LAST 3 bytes
 * longer than the table (0x04 -> 0x07).
 *
 * acpiexec 20200925 loads it all: PKGA = {0x11, 0x22}, \_SB.CPU0.AFTR =
 * 0x55, \_SB.VGEN.ADDR = {0x7FFF0000, 0}, LAST = {0x66}.
 */
DefinitionBlock ("", "DSDT", 2, "VMGNID", "PKGLONG", 1)
{
    Scope (\_SB) {
        Device (CPU0) {
            Name (PKGA, Package (0x02) { 0x11, 0x22 })
            Name (AFTR, 0x55)
        }
        Device (VGEN) {
            Name (_HID, "VMGENCTR")
            Name (_CID, "VM_Gen_Counter")
            Name (ADDR, Package (2) { 0x7FFF0000, Zero })
        }
    }
    Name (LAST, Package (1) { 0x66 })
}
