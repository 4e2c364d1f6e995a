package acpi

import "github.com/vmgenid/vmgenid/acpi/aml"

// AMLBlocks returns the definition blocks among tables, DSDT first, ready
// for aml.Load: AML body, table name, header size as base offset and the
// header revision (the DSDT's sets the integer width).
func AMLBlocks(tables []*Table) []aml.Block {
	defs := DefinitionBlocks(tables)
	blocks := make([]aml.Block, 0, len(defs))
	for _, t := range defs {
		blocks = append(blocks, aml.Block{Table: t.Name, AML: t.AML(), Base: HeaderSize, Revision: t.Revision})
	}
	return blocks
}
