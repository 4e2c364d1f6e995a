DefinitionBlock ("", "DSDT", 2, "VMGNID", "LAZYBODY", 1)
{
    Method (PKG1, 1) { Return (Arg0) }
    Scope (\_SB) {
        Device (BAT0) {
            Method (_BST) {
                Name (PKG1, Package (4) { 1, 2, 3, 4 })
                Store (0x55, Index (PKG1, 1))
                Return (PKG1)
            }
        }
    }
    Name (MLVL, Zero)
    If (LEqual (MLVL, Zero)) {
        Method (MIF1, 1) { Return (Add (Arg0, 1)) }
        Store (MIF1 (0x41), MLVL)
    }
    Method (CIF1) { Return (MIF1 (0x10)) }
}
