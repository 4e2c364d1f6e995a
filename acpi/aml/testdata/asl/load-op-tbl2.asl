/* Loaded by load-op.asl (its TBL2 holds this table compiled). */
DefinitionBlock ("", "SSDT", 2, "VMGTST", "LOADTBL2", 1)
{
    Method (\LDMT, 0, NotSerialized)
    {
        Return (0x77)
    }
}
