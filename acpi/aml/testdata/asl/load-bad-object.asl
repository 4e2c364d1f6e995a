/*
 * An object whose initializer fails at load (a Buffer or a Package
 * whose size divides by zero) costs that object only: ACPICA creates the
 * Name without a value and loads the rest of the table, so the VM
 * generation ID device after it is found, ADDR = {0x7FFF0000, 0}. The
 * Name keeps its type: acpiexec lists B___ as a Buffer and P___ as a
 * Package, "[Length not yet evaluated]"; evaluating them fails.
 */
DefinitionBlock ("", "DSDT", 2, "VMGNID", "BADOBJ", 1)
{
    Name (X, Zero)
    Name (B, Buffer (Divide (One, X)) {})
    Name (P, Package (Divide (One, X)) {})
    Scope (\_SB) {
        Device (VGEN) {
            Name (_HID, "VMGENCTR")
            Name (_CID, "VM_Gen_Counter")
            Name (ADDR, Package (2) { 0x7FFF0000, Zero })
        }
    }
}
