package aml

// ACPICAType names n's type as ACPICA's namespace listing (acpiexec's
// "namespace" command) does, so that the two namespaces can be compared
// line by line: a Name by the type of its value (Integer, String, Buffer,
// Package; Untyped if it has none), a field unit by its field (RegionField,
// IndexField, BankField), Region, Power, Thermal, Processor, MethodAlias
// for an Alias of a Method, and otherwise the Kind (Device, Method, …).
func (ns *Namespace) ACPICAType(n *Node) string {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	switch n.kind {
	case KindName:
		if n.value == nil {
			return "Untyped"
		}
		return typeName(n.value)
	case KindField:
		switch n.field().kind {
		case opIndexField:
			return "IndexField"
		case opBankField:
			return "BankField"
		}
		return "RegionField"
	case KindRegion:
		return "Region"
	case KindPowerResource:
		return "Power"
	case KindThermalZone:
		return "Thermal"
	case KindAlias:
		if t := followAlias(ns, n); t != nil && t.kind == KindMethod {
			return "MethodAlias"
		}
	}
	return n.kind.String()
}

// RegionSpace returns the address space of an OperationRegion node (0
// SystemMemory, 1 SystemIO, 2 PCI_Config, 3 EmbeddedControl, …; 0xFF for a
// DataTableRegion); ok is false for other nodes.
func (ns *Namespace) RegionSpace(n *Node) (space byte, ok bool) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if n.kind != KindRegion || n.region() == nil {
		return 0, false
	}
	return n.region().space, true
}
