package acpiinspect

import "strings"

// rule allows one kind of disagreement with acpiexec, saying why.
type rule struct {
	reason string
	// artefact marks differences that come from acpiexec itself, not from
	// the tables: they do not make a namespace count as differing.
	artefact bool
	match    func(d difference, warnings []error) bool
}

// knownDifferences is the one place where a disagreement with acpiexec is
// allowed, each with its reason. TestACPIExecDifferential fails on any
// other.
var knownDifferences = []rule{
	{
		reason:   "acpiexec's own test object \\_TI_ (and its method) is not in the tables",
		artefact: true,
		match: func(d difference, _ []error) bool {
			return d.kind == "acpiexec only" && strings.HasPrefix(d.path, `\_TI_`)
		},
	},
	{
		reason:   "ACPICA predefines \\_SB_ and \\_TZ_ as Devices (an ACPI 1.0 legacy); here they are the Scopes ACPI 2.0+ defines; their contents are compared object by object",
		artefact: true,
		match: func(d difference, _ []error) bool {
			return d.kind == "type" && (d.path == `\_SB_` || d.path == `\_TZ_`) && d.ours == "Scope" && d.acpica == "Device"
		},
	},
	{
		reason:   "acpiexec's debugger returns values through a fixed-size buffer: large packages (a _PRT of 128 entries) fail with AE_BUFFER_OVERFLOW there",
		artefact: true,
		match: func(d difference, _ []error) bool {
			return d.kind == "acpiexec fails" && d.acpica == "error: AE_BUFFER_OVERFLOW"
		},
	},
	{
		reason: "acpica-tools 20200925 refuses an expression as a Package element (AE_SUPPORT, \"Expressions within package elements are not supported\"); our own test tables use them and we evaluate them",
		match: func(d difference, _ []error) bool {
			return d.machine.corpus == "ours" && d.kind == "acpiexec fails" && d.acpica == "error: AE_SUPPORT"
		},
	},
	{
		reason:   "acpiexec -to 1 abandons a While loop after one second of wall time (AML Sleep really sleeps there); this evaluator runs the loop to its end",
		artefact: true,
		match: func(d difference, _ []error) bool {
			return d.kind == "acpiexec fails" && d.acpica == "error: AE_AML_LOOP_TIMEOUT"
		},
	},
	{
		reason:   "acpiexec waited forever (Wait on an Event nothing signals, timeout 0xFFFF) and was restarted by the watchdog; this evaluator returns at once",
		artefact: true,
		match: func(d difference, _ []error) bool {
			return d.kind == "acpiexec fails" && d.acpica == "error: acpiexec hangs"
		},
	},
	{
		reason: "a method returning a Scope or Device (\\_SB as _PCL): acpiexec's debugger cannot return that object (AE_TYPE); here it is a Reference",
		match: func(d difference, _ []error) bool {
			return d.kind == "acpiexec fails" && d.acpica == "error: AE_TYPE" && strings.HasPrefix(d.ours, "[Object Reference]")
		},
	},
	{
		reason: "this evaluator's step budget (aml.DefaultMaxSteps) ends a long loop that ACPICA runs to its end",
		match: func(d difference, _ []error) bool {
			return d.kind == "we fail" && strings.Contains(d.ours, "step limit reached")
		},
	},
	{
		reason: "ACPICA's error recovery mis-nests the rest of a table: when a region's address both names an undefined object and fails to evaluate (a field of a region ACPICA dropped), it leaves the enclosing Device's scope open and puts the objects after it inside (lhw-0AE384DFB520's SSDT3: NHDA, NTPC, NXHC, NPLD under \\_SB.PCI0.GPP0.PEGP, and acpiexec cannot find them where they are). The AML says otherwise: the Device's PkgLength ends before them and iasl -d prints them beside it; load-misnest.asl reproduces it in 30 lines",
		match: func(d difference, _ []error) bool {
			m, ok := misnested[d.machine.name]
			if !ok {
				return false
			}
			var rest string
			switch {
			case d.kind == "acpiexec only":
				rest, ok = strings.CutPrefix(d.path, m.device+".")
			case d.kind == "ours only" || d.kind == "acpiexec fails" && d.acpica == "error: AE_NOT_FOUND":
				rest, ok = strings.CutPrefix(d.path, parentPrefix(m.device))
			}
			first, _, _ := strings.Cut(rest, ".")
			return ok && strings.Contains(" "+m.moved+" ", " "+first+" ")
		},
	},
	{
		reason: "acpiexec simulates SMBus and GenericSerialBus devices: every read returns status 0, a length byte and the test data 0xA0, 0xA1, … (aeregion.c: \"ASLTS depends on these fill values\"); here such regions read as zeros (ZeroRegions), so what firmware computes from them differs (a battery read over I2C; listed in serialBusData)",
		match: func(d difference, _ []error) bool {
			return serialBusData[d.machine.name+" "+d.kind+" "+d.path]
		},
	},
	{
		reason: "open: listed one by one in openDifferences, each with what is known of its cause; to be fixed, not kept",
		match: func(d difference, _ []error) bool {
			return openDifferences[d.machine.name+" "+d.kind+" "+d.path] != ""
		},
	},
	{
		reason: "acpiexec abandoned an earlier method of the same machine midway (-to 1 loop timeout, in wall time), leaving its state different from ours from then on",
		match: func(d difference, _ []error) bool {
			return d.afterTimeout && (d.kind == "value" || d.kind == "we fail" || d.kind == "acpiexec fails")
		},
	},
}

// misnested names, per machine, the Device whose scope ACPICA's error
// recovery leaves open and the objects after it that it moves inside.
var misnested = map[string]struct{ device, moved string }{
	"lhw-0AE384DFB520": {`\_SB_.PCI0.GPP0.PEGP`, "NHDA NTPC NXHC NPLD"},
	"asl/load-misnest": {`\PEGP`, "NHDA LAST"},
}

// parentPrefix is what the paths of a node's siblings start with: `\A.B.`
// for `\A.B.C`, `\` for `\C`.
func parentPrefix(path string) string {
	return path[:strings.LastIndexAny(path, `.\`)+1]
}

// allowedBy returns the rule allowing d, or nil.
func allowedBy(d difference, warnings []error) *rule {
	for i := range knownDifferences {
		if knownDifferences[i].match(d, warnings) {
			return &knownDifferences[i]
		}
	}
	return nil
}

// openDifferences are the disagreements with acpiexec not yet fixed nor
// explained by a rule of knownDifferences, keyed "machine kind path", with
// what is known of each. Each is a defect to fix; the list only keeps the
// differential test guarding against new ones meanwhile.
var openDifferences = map[string]string{}

// serialBusData are the differences that come from acpiexec's simulated
// SMBus/GenericSerialBus data (see knownDifferences), keyed as
// openDifferences is: lhw-7AF027A015B2's battery reads its fuel gauge over
// I2C (\_SB_.I2C1, GenericSerialBus fields BQ08, FG00, SOCR, …), and TPWR
// returns what BATC read.
var serialBusData = map[string]bool{
	"lhw-7AF027A015B2 value \\_SB_.I2C1.BATC.INTC": true,
	"lhw-7AF027A015B2 value \\_SB_.I2C1.BATC.INTF": true,
	"lhw-7AF027A015B2 value \\_SB_.I2C1.BATC.NPWR": true,
	"lhw-7AF027A015B2 value \\_SB_.I2C1.BATC.PMAX": true,
	"lhw-7AF027A015B2 value \\_SB_.I2C1.BATC.PSOC": true,
	"lhw-7AF027A015B2 value \\_SB_.I2C1.BATC.PSRC": true,
	"lhw-7AF027A015B2 value \\_SB_.I2C1.BATC._BIX": true,
	"lhw-7AF027A015B2 value \\_SB_.I2C1.BATC._BST": true,
	"lhw-7AF027A015B2 value \\_SB_.TPWR.PMAX":      true,
	"lhw-7AF027A015B2 value \\_SB_.TPWR.PSOC":      true,
	"lhw-7AF027A015B2 value \\_SB_.TPWR.PSRC":      true,
	"lhw-7AF027A015B2 value \\_SB_.TPWR._BST":      true,
}
