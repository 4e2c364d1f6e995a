/*
 * The namespace rules of ACPICA's loader:
 * - External declarations create no namespace nodes; iasl emits
 *   External (\_SB.METH.EXT1) before Method (\_SB.METH), which must not
 *   keep the Method out.
 * - Scope () on an undefined path is refused with its contents; so is an
 *   object whose path goes through an undefined scope.
 * - A Device or Name defined twice is refused the second time (its
 *   contents too), never merged.
 * acpiexec -b namespace lists \_SB_.METH (Method), \_SB_.DUPD (Device)
 * with AAAA only, \_SB_.DUPN = 1, \_SB_.LAST, and nothing else here.
 */
DefinitionBlock ("", "DSDT", 2, "VMGNID", "NSRULES", 1)
{
    External (\_SB.METH.EXT1, IntObj)
    External (\_SB.NOPE, DeviceObj)
    External (\XMTH, MethodObj)
    Method (\_SB.METH) { Return (0x1234) }
    Scope (\NOPE) {
        Name (INSD, One)
    }
    Name (\_SB.NOPE.BAR, One)
    Device (\_SB.DUPD) { Name (AAAA, One) }
    Device (\_SB.DUPD) { Name (BBBB, One) }
    Name (\_SB.DUPN, One)
    Name (\_SB.DUPN, 2)
    Name (\_SB.LAST, 3)
}
