/*
 * Names written as elements of a Package that a method builds are
 * resolved as the Package is built, in the method's scope, as ACPICA does
 * (AcpiDsResolvePackageElement); found on real firmware: a _DSD returning
 * Package {PSID, PSDS} of method-local Names (P001), a _PR0 returning
 * Package {BTPR} of a PowerResource that was never created (P002: an
 * uninitialized element). An element naming a Name shares its object: it
 * follows later stores to the Name (P004, P005), a copy of the package
 * does not (P006).
 */
DefinitionBlock ("", "DSDT", 2, "VMGEN", "PKGELEM", 0x00000001)
{
    External (NOPE, DeviceObj)
    Method (P001, 0, NotSerialized)
    {
        Name (LBUF, Buffer (0x02) { 0x01, 0x02 })
        Name (LPKG, Package (0x01) { "abc" })
        Return (Package (0x02) { LBUF, LPKG })
    }
    Method (P002, 0, NotSerialized)
    {
        Return (Package (0x02) { NOPE, One })
    }
    Device (DEV0)
    {
    }
    Method (P003, 0, NotSerialized)
    {
        Return (Package (0x01) { DEV0 })
    }
    Name (INT4, One)
    Method (P004, 0, NotSerialized)
    {
        Local0 = Package (0x01) { INT4 }
        INT4 = 0x02
        Return (Local0)
    }
    Name (PKG5, Package (0x01) { INT4 })
    Method (P005, 0, NotSerialized)
    {
        INT4 = 0x03
        Return (PKG5)
    }
    Name (INT6, One)
    Method (P006, 0, NotSerialized)
    {
        Local0 = Package (0x01) { INT6 }
        Local1 = Local0
        INT6 = 0x06
        Return (Local1)
    }
}
