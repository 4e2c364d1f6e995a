/* Loaded by load-op.asl (its TBL1 holds this table compiled). */
DefinitionBlock ("", "SSDT", 2, "VMGTST", "LOADTBL1", 1)
{
    Name (\LDED, 0x1234)
    Scope (\_SB)
    {
        Device (LDDV)
        {
            Name (_ADR, 0x05)
        }
    }
}
