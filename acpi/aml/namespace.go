package aml

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Kind is the type of a namespace node.
type Kind uint8

// Node kinds.
const (
	KindScope         Kind = iota // a Scope, or a predefined scope (\_SB, \_GPE, …)
	KindDevice                    // Device
	KindName                      // Name: a named data object
	KindMethod                    // Method
	KindRegion                    // OperationRegion or DataTableRegion
	KindField                     // a field unit of Field, IndexField or BankField
	KindProcessor                 // Processor (a scope)
	KindPowerResource             // PowerResource (a scope)
	KindThermalZone               // ThermalZone (a scope)
	KindMutex                     // Mutex
	KindEvent                     // Event
	KindBufferField               // CreateDWordField and friends
	KindAlias                     // Alias
)

var kindNames = [...]string{
	KindScope: "Scope", KindDevice: "Device", KindName: "Name", KindMethod: "Method",
	KindRegion: "OperationRegion", KindField: "Field", KindProcessor: "Processor",
	KindPowerResource: "PowerResource", KindThermalZone: "ThermalZone", KindMutex: "Mutex",
	KindEvent: "Event", KindBufferField: "BufferField", KindAlias: "Alias",
}

// String returns the ASL keyword for the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// isScope reports whether nodes of this kind hold other named objects.
func (k Kind) isScope() bool {
	switch k {
	case KindScope, KindDevice, KindProcessor, KindPowerResource, KindThermalZone:
		return true
	}
	return false
}

// Node is one object in the ACPI namespace. A namespace has thousands
// (most of them field units), so a node is kept at 64 bytes: the children
// live in a side struct only nodes that have some get, and one field holds
// what each kind carries.
type Node struct {
	name   string // 4-character NameSeg; `\` for the root
	parent *Node
	sub    *subtree   // the children; nil until the first
	blk    *blockInfo // the table that defined it; nil for predefined objects
	offset int32      // offset of its definition in that table
	kind   Kind
	temp   bool // created by a running method; removed when it returns
	// value is a Name's value (nil until set); for a Method, Region,
	// Field, BufferField or Alias, its *packedMethod, *regionInfo,
	// *packedField, *bufferField or *aliasInfo, read through the accessors
	// of those names.
	value Object
}

// subtree holds the children of a node.
type subtree struct {
	children []*Node
	// byName indexes the children of a scope with many: their positions
	// in children, sorted by NameSeg (segKey).
	byName []int32
}

func (n *Node) region() *regionInfo  { ri, _ := n.value.(*regionInfo); return ri }
func (n *Node) bfield() *bufferField { bf, _ := n.value.(*bufferField); return bf }
func (n *Node) alias() *aliasInfo    { ai, _ := n.value.(*aliasInfo); return ai }

// methodInfo is a Method as the interpreter reads it (Node.method).
type methodInfo struct {
	// builtin, if set, implements the method in Go (\_OSI).
	builtin    func(in *interp, args []Object) (Object, error)
	start, end int // body bounds in the node's blk.aml
	args       int
	flags      byte
}

// packedMethod is what a Method's node holds: its methodInfo in 12 bytes
// without pointers, which the allocator keeps in 16 (a namespace has
// hundreds of methods). The body bounds fit 32 bits, as a node's offset
// does, and its table is the node's own (blk).
type packedMethod struct {
	start, end int32
	flags      byte // MethodFlags: the argument count in bits 0-2
	builtin    byte // index in builtins; 0 for a method in AML
}

// builtins are the methods implemented in Go, by packedMethod.builtin.
var builtins = [...]func(in *interp, args []Object) (Object, error){builtinNone: nil, builtinOSIIndex: builtinOSI}

const (
	builtinNone = iota
	builtinOSIIndex
)

// method returns a Method's definition; the zero methodInfo for other
// kinds.
func (n *Node) method() methodInfo {
	pm, ok := n.value.(*packedMethod)
	if !ok {
		return methodInfo{}
	}
	return methodInfo{builtin: builtins[pm.builtin], start: int(pm.start), end: int(pm.end), args: int(pm.flags & 7), flags: pm.flags}
}

type regionInfo struct {
	space    byte
	blk      *blockInfo
	scope    *Node
	offTerm  *term
	lenTerm  *term
	resolved bool
	base     uint64
	length   uint64
}

// fieldInfo is a field unit as the interpreter reads it (Node.field).
type fieldInfo struct {
	*fieldList // shared by the units of one Field
	bitOffset  uint64
	bitWidth   uint64
	access     byte // AccessType: 0 Any, 1 Byte, 2 Word, 3 DWord, 4 QWord, 5 Buffer
}

// packedField is what a field unit's node holds: its fieldInfo in 16
// bytes (a namespace can have thousands of units). The bit offset fits
// 32 bits, as in ACPICA (fieldTerm refuses more), and the width is a
// PkgLength, at most 2^28, leaving 4 bits for the access type.
type packedField struct {
	list        *fieldList
	bitOffset   uint32
	widthAccess uint32 // bit width << 4 | access type
}

func packField(list *fieldList, u fieldUnit) *packedField {
	return &packedField{list: list, bitOffset: u.bitOffset, widthAccess: u.bitWidth<<4 | uint32(u.access&0x0F)}
}

// field returns a field unit's definition; the zero fieldInfo for other
// kinds.
func (n *Node) field() fieldInfo {
	pf, ok := n.value.(*packedField)
	if !ok {
		return fieldInfo{}
	}
	return fieldInfo{fieldList: pf.list, bitOffset: uint64(pf.bitOffset), bitWidth: uint64(pf.widthAccess >> 4), access: byte(pf.widthAccess & 0x0F)}
}

// fieldList is what the units of one Field, IndexField or BankField share.
type fieldList struct {
	kind   uint16 // opField, opIndexField or opBankField
	blk    *blockInfo
	scope  *Node
	region namePath
	data   namePath // IndexField: the data register (region is the index); BankField: the bank register
	// BankField: the bank's value (a TermArg), evaluated on first access.
	bankTerm *term
	bank     uint64
	bankSet  bool
}

type bufferField struct {
	blk      *blockInfo
	scope    *Node
	op       uint16
	srcTerm  *term
	idxTerm  *term
	bitsTerm *term // CreateField only
	// Once bound: the buffer and the bits within it.
	bound    bool
	buf      Buffer
	bitOff   uint64
	bitWidth uint64
}

type aliasInfo struct {
	scope  *Node
	target namePath
}

// Name returns the node's 4-character name (`\` for the root).
func (n *Node) Name() string { return n.name }

// Kind returns the node's kind.
func (n *Node) Kind() Kind { return n.kind }

// Table returns the name of the table whose AML defined the node; empty for
// predefined scopes.
func (n *Node) Table() string {
	if n.blk == nil {
		return ""
	}
	return n.blk.table
}

// Offset returns the offset of the node's definition in its table.
func (n *Node) Offset() int { return int(n.offset) }

// Parent returns the enclosing node; nil for the root.
func (n *Node) Parent() *Node { return n.parent }

// Children returns the nodes directly inside this one, in definition order.
// The slice must not be modified.
func (n *Node) Children() []*Node {
	if n.sub == nil {
		return nil
	}
	return n.sub.children
}

// Child returns the child with the given name (padded with '_' to four
// characters, as ASL does: "_SB" finds "_SB_"), or nil.
func (n *Node) Child(name string) *Node {
	seg, ok := padSeg(name)
	if !ok {
		return nil
	}
	return n.child(seg)
}

// ArgCount returns the number of arguments a Method takes; 0 for other
// kinds.
func (n *Node) ArgCount() int {
	if n.kind == KindMethod {
		return n.method().args
	}
	return 0
}

// Path returns the absolute namespace path, with trailing underscores of
// each segment kept: `\_SB_.VGEN`.
func (n *Node) Path() string {
	if n.parent == nil {
		return `\`
	}
	var segs []string
	for p := n; p.parent != nil; p = p.parent {
		segs = append(segs, p.name)
	}
	var sb strings.Builder
	sb.WriteByte('\\')
	for i := len(segs) - 1; i >= 0; i-- {
		sb.WriteString(segs[i])
		if i > 0 {
			sb.WriteByte('.')
		}
	}
	return sb.String()
}

// String returns the path and kind, for messages.
func (n *Node) String() string { return n.Path() + " (" + n.kind.String() + ")" }

func (n *Node) child(seg string) *Node {
	if n.sub == nil {
		return nil
	}
	if n.sub.byName != nil {
		k, ok := segKey(seg)
		if !ok {
			return nil
		}
		if i, found := n.sub.indexOf(k); found {
			return n.sub.children[n.sub.byName[i]]
		}
		return nil
	}
	for _, c := range n.sub.children {
		if c.name == seg {
			return c
		}
	}
	return nil
}

func (n *Node) addChild(c *Node) {
	c.parent = n
	if n.sub == nil {
		n.sub = &subtree{}
	}
	s := n.sub
	s.children = append(s.children, c)
	switch {
	case s.byName == nil && len(s.children) > 16:
		s.byName = make([]int32, len(s.children), 2*len(s.children))
		for i := range s.byName {
			s.byName[i] = int32(i)
		}
		slices.SortFunc(s.byName, func(a, b int32) int { return cmp.Compare(nodeKey(s.children[a]), nodeKey(s.children[b])) })
	case s.byName != nil:
		i, _ := s.indexOf(nodeKey(c))
		s.byName = slices.Insert(s.byName, i, int32(len(s.children)-1))
	}
}

// indexOf finds the NameSeg packed in k in s.byName: its position, or
// where it would go.
func (s *subtree) indexOf(k uint32) (int, bool) {
	// By hand rather than slices.BinarySearchFunc: Load runs it for
	// every object it declares, and the closure call per step cost a
	// fifth of its time on tables with big scopes.
	lo, hi := 0, len(s.byName)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if nodeKey(s.children[s.byName[m]]) < k {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(s.byName) && nodeKey(s.children[s.byName[lo]]) == k
}

// segKey packs a 4-character NameSeg into a uint32, the order of
// subtree.byName: a sorted slice of positions is a twentieth of the size of
// a map from the names to the children.
func segKey(seg string) (uint32, bool) {
	if len(seg) != 4 {
		return 0, false
	}
	return uint32(seg[0]) | uint32(seg[1])<<8 | uint32(seg[2])<<16 | uint32(seg[3])<<24, true
}

// nodeKey is segKey of a child's name; every child has a 4-character
// NameSeg (only the root has another name).
func nodeKey(c *Node) uint32 {
	k, _ := segKey(c.name)
	return k
}

func (n *Node) removeChild(c *Node) {
	c.parent = nil
	s := n.sub
	at := slices.Index(s.children, c)
	if at < 0 {
		return
	}
	if s.byName != nil {
		// Before children shifts: indexOf reads the names through it.
		if i, found := s.indexOf(nodeKey(c)); found && s.byName[i] == int32(at) {
			s.byName = slices.Delete(s.byName, i, i+1)
		}
		for i, pos := range s.byName {
			if pos > int32(at) {
				s.byName[i] = pos - 1
			}
		}
	}
	s.children = append(s.children[:at:at], s.children[at+1:]...)
}

// Namespace is an ACPI namespace built by Load. Its methods are safe for
// concurrent use; evaluations run one at a time, because AML may change
// the namespace as it runs (method-local objects come and go, Names are
// stored to). Node accessors (Children, Child) read the tree without that
// lock: do not call them while another goroutine runs Evaluate.
type Namespace struct {
	mu         sync.Mutex
	root       *Node
	opts       Options
	intMask    uint64
	warnings   []error
	nodes      int
	aliasDepth int // followAlias nesting (callers hold mu or run Load)
	// loadTerms is the term arena every interpreter shares while Load
	// runs: they nest strictly, so one arena serves all the blocks.
	loadTerms *termArena
	// loaded holds the tables Load loaded, to refuse a second load.
	loaded map[string]struct{}
	// loading counts tables being loaded by Load, nested.
	loading int
	// osi is Options.OSI as a set: what \_OSI answers true to.
	osi map[string]struct{}
	// shadow holds what AML wrote to regions under Options.ZeroRegions.
	shadow map[shadowKey]byte
}

// maxNodes bounds the namespace size, well above any real firmware's.
const maxNodes = 1 << 17

// predefinedScopes exist in every namespace before any table loads.
var predefinedScopes = []string{"_GPE", "_PR_", "_SB_", "_SI_", "_TZ_"}

func newNamespace(opts Options) *Namespace {
	ns := &Namespace{root: &Node{name: `\`, kind: KindScope}, opts: opts, intMask: ^uint64(0)}
	osi := opts.OSI
	if osi == nil {
		osi = LinuxOSI()
	}
	ns.osi = make(map[string]struct{}, len(osi))
	for _, s := range osi {
		ns.osi[s] = struct{}{}
	}
	for _, s := range predefinedScopes {
		ns.root.addChild(&Node{name: s, kind: KindScope})
	}
	// The predefined objects firmware relies on, as ACPICA provides them.
	ns.root.addChild(&Node{name: "_REV", kind: KindName, value: Integer(2)})
	ns.root.addChild(&Node{name: "_OS_", kind: KindName, value: String("Microsoft Windows NT")})
	ns.root.addChild(&Node{name: "_GL_", kind: KindMutex})
	ns.root.addChild(&Node{name: "_OSI", kind: KindMethod, value: &packedMethod{flags: 1, builtin: builtinOSIIndex}})
	ns.nodes = len(ns.root.Children())
	return ns
}

// LinuxOSI returns the interface names Linux's \_OSI answers true to (as
// of Linux 6.15, without command-line or DMI quirks): the Windows versions
// of ACPICA's default list, "Windows 2000" to "Windows 2022", ACPICA's
// "Extended Address Space Descriptor", and the optional features Linux
// installs (drivers/acpi/osi.c): "Module Device", "Processor Device",
// "Processor Aggregator Device", and its two vendor workarounds. "Linux"
// and "Darwin" are not in it: Linux answers them only on quirked machines.
// ACPICA alone (acpiexec) leaves the optional features off.
func LinuxOSI() []string {
	return []string{
		"Windows 2000", "Windows 2001", "Windows 2001 SP1", "Windows 2001.1",
		"Windows 2001 SP2", "Windows 2001.1 SP1", "Windows 2006", "Windows 2006.1",
		"Windows 2006 SP1", "Windows 2006 SP2", "Windows 2009", "Windows 2012",
		"Windows 2013", "Windows 2015", "Windows 2016", "Windows 2017",
		"Windows 2017.2", "Windows 2018", "Windows 2018.2", "Windows 2019",
		"Windows 2020", "Windows 2021", "Windows 2022",
		"Extended Address Space Descriptor",
		"Module Device", "Processor Device", "Processor Aggregator Device",
		"Linux-Lenovo-NV-HDMI-Audio", "Linux-HPI-Hybrid-Graphics",
	}
}

// builtinOSI answers \_OSI from the namespace's interface set
// (Options.OSI): Ones if the name is in it, else 0. ACPICA faults an
// argument that is not a String (AE_TYPE).
func builtinOSI(in *interp, args []Object) (Object, error) {
	s, ok := args[0].(String)
	if !ok {
		return nil, fmt.Errorf("_OSI argument is a %s, not a String", typeName(args[0]))
	}
	_, yes := in.ns.osi[string(s)]
	return in.logical(yes), nil
}

// Root returns the root node `\`.
func (ns *Namespace) Root() *Node { return ns.root }

// Warnings returns what Load tolerated but did not like: duplicate
// definitions, scopes opened on names that did not exist.
func (ns *Namespace) Warnings() []error { return ns.warnings }

// IntegerWidth returns 32 or 64: the width of integers in this namespace.
func (ns *Namespace) IntegerWidth() int {
	if ns.intMask == 0xFFFFFFFF {
		return 32
	}
	return 64
}

// Devices returns every Device in the namespace, in namespace order (depth
// first, children in definition order).
func (ns *Namespace) Devices() []*Node {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	var out []*Node
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		if depth > maxPathDepth {
			return
		}
		for _, c := range n.Children() {
			if c.kind == KindDevice {
				out = append(out, c)
			}
			walk(c, depth+1)
		}
	}
	walk(ns.root, 0)
	return out
}

// maxPathDepth bounds namespace depth in walks; paths are created from
// bounded AML so this is only a guard against cycles, which cannot occur.
const maxPathDepth = 1 << 12

// Lookup returns the node at an absolute path such as `\_SB.VGEN` (segments
// may omit trailing underscores), or nil. A path without the leading `\` is
// taken relative to the root.
func (ns *Namespace) Lookup(path string) *Node {
	return ns.Resolve(ns.root, path)
}

// Resolve finds name as AML code running in scope would: a single
// segment without prefix is searched for in scope and then in each
// enclosing scope up to the root; `\` starts at the root, each `^` at the
// parent; multi-segment paths are followed without search. Aliases are
// followed. It returns nil if nothing matches or name is malformed.
func (ns *Namespace) Resolve(scope *Node, name string) *Node {
	np, ok := parseTextPath(name)
	if !ok {
		return nil
	}
	if scope == nil {
		scope = ns.root
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	n := ns.resolve(scope, np)
	if n != nil {
		n = followAlias(ns, n)
	}
	return n
}

// namePath is a decoded NameString.
type namePath struct {
	root bool     // starts with `\`
	up   int      // number of `^`
	segs []string // NameSegs; empty for NullName
}

func (p namePath) String() string {
	var sb strings.Builder
	if p.root {
		sb.WriteByte('\\')
	}
	for i := 0; i < p.up; i++ {
		sb.WriteByte('^')
	}
	for i, s := range p.segs {
		if i > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(s)
	}
	return sb.String()
}

// searchable reports whether ACPI's upward search applies to the path.
func (p namePath) searchable() bool { return !p.root && p.up == 0 && len(p.segs) == 1 }

// parseTextPath parses an ASL-style path: `\_SB.VGEN`, `^^FOO`, `ADDR`.
func parseTextPath(s string) (namePath, bool) {
	var p namePath
	if strings.HasPrefix(s, `\`) {
		p.root = true
		s = s[1:]
	} else {
		for strings.HasPrefix(s, "^") {
			p.up++
			s = s[1:]
		}
	}
	if s == "" {
		return p, p.root || p.up > 0
	}
	for _, part := range strings.Split(s, ".") {
		seg, ok := padSeg(part)
		if !ok {
			return p, false
		}
		p.segs = append(p.segs, seg)
	}
	return p, true
}

// padSeg validates a NameSeg written in ASL and pads it to 4 characters.
func padSeg(s string) (string, bool) {
	if len(s) == 0 || len(s) > 4 {
		return "", false
	}
	s = strings.ToUpper(s)
	for i := 0; i < len(s); i++ {
		if !isNameChar(s[i], i == 0) {
			return "", false
		}
	}
	return s + "____"[:4-len(s)], true
}

func isNameChar(c byte, lead bool) bool {
	switch {
	case c >= 'A' && c <= 'Z', c == '_':
		return true
	case c >= '0' && c <= '9':
		return !lead
	}
	return false
}

// resolve applies the name-search rules without following a final alias.
// The caller holds ns.mu (or is Load/Evaluate).
func (ns *Namespace) resolve(scope *Node, p namePath) *Node {
	if scope == nil {
		scope = ns.root
	}
	if p.searchable() {
		for s := scope; s != nil; s = s.parent {
			if c := s.child(p.segs[0]); c != nil {
				return c
			}
		}
		return nil
	}
	n := scope
	if p.root {
		n = ns.root
	}
	for i := 0; i < p.up; i++ {
		if n.parent == nil {
			return nil
		}
		n = n.parent
	}
	for _, seg := range p.segs {
		n = followAlias(ns, n)
		if n == nil {
			return nil
		}
		n = n.child(seg)
		if n == nil {
			return nil
		}
	}
	return n
}

// followAlias returns the object an Alias (chain) refers to, or n itself.
// Chains are bounded, so a cycle yields nil.
func followAlias(ns *Namespace, n *Node) *Node {
	if n == nil || n.kind != KindAlias {
		return n
	}
	// Alias targets are paths that may pass through other aliases:
	// bound the nesting as well as the chain, or a cycle through path
	// segments would recurse forever.
	ns.aliasDepth++
	defer func() { ns.aliasDepth-- }()
	if ns.aliasDepth > maxAliasChain {
		return nil
	}
	for i := 0; n != nil && n.kind == KindAlias; i++ {
		if i > maxAliasChain {
			return nil
		}
		n = ns.resolve(n.alias().scope, n.alias().target)
	}
	return n
}

// maxAliasChain bounds alias chains and nesting.
const maxAliasChain = 16
