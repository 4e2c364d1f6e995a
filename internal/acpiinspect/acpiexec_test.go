package acpiinspect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/acpi/aml"
)

// The differential test: every machine of the linuxhw corpus (corpusDir) and
// every committed table of ours is loaded through this package and through ACPICA's
// acpiexec (one run per machine, fed a command script on stdin); the
// namespaces are compared, then every Name and every Method without
// arguments is evaluated through both, regions reading as zeros.
// Differences allowed are those of knownDifferences (acpiexec_diffs_test.go),
// each with its reason; any other fails the test.

// corpusDir is the linuxhw corpus (real machines' DSDT and SSDTs), too
// large to commit, so it is looked for beside the repository.
const corpusDir = "../../../shared/corpus/linuxhw"

// machine is one set of tables loaded together, in load order.
type machine struct {
	corpus string // "linuxhw" or "ours"
	name   string
	files  []string
}

// machines lists the linuxhw corpus (DSDT, then SSDTs in numeric order)
// and our committed tables.
func machines(t *testing.T) []machine {
	ms := ourTables(t)
	dirs, _ := filepath.Glob(filepath.Join(corpusDir, "lhw-*"))
	if len(dirs) == 0 {
		// The corpus lives outside the repository, so whether it is
		// there is the machine's business: our committed tables are
		// still compared, and the log says the corpus was not.
		t.Logf("NO LINUXHW CORPUS in %s: comparing our committed tables only", corpusDir)
	}
	for _, d := range dirs {
		ms = append(ms, machine{corpus: "linuxhw", name: filepath.Base(d), files: tableFiles(t, d)})
	}
	return ms
}

// ourTables lists our committed tables: each compiled ASL variant (a pair
// NAME-dsdt, NAME-ssdt together, in that order), the fixtures, the
// discovery test tables.
func ourTables(t *testing.T) []machine {
	var ms []machine
	asl, _ := filepath.Glob("../../acpi/aml/testdata/asl/*.aml")
	for _, f := range asl {
		name := strings.TrimSuffix(filepath.Base(f), ".aml")
		files := []string{f}
		if pair, ok := strings.CutSuffix(name, "-ssdt"); ok {
			files = []string{filepath.Join(filepath.Dir(f), pair+"-dsdt.aml"), f}
		} else if strings.HasSuffix(name, "-dsdt") {
			continue // loaded with its SSDT
		}
		ms = append(ms, machine{corpus: "ours", name: "asl/" + name, files: files})
	}
	for _, pattern := range []string{"../../acpi/aml/testdata/fixtures/*", "../../internal/source/testdata/tables/*"} {
		dirs, _ := filepath.Glob(pattern)
		for _, d := range dirs {
			if fi, err := os.Stat(d); err == nil && fi.IsDir() {
				ms = append(ms, machine{corpus: "ours", name: filepath.Base(filepath.Dir(d)) + "/" + filepath.Base(d), files: tableFiles(t, d)})
			}
		}
	}
	return ms
}

// tableFiles lists a directory's DSDT and SSDTs in load order.
func tableFiles(t *testing.T, dir string) []string {
	tables, _, err := acpi.ReadDir(dir)
	if err != nil && tables == nil {
		t.Fatal(err)
	}
	var files []string
	for _, tb := range acpi.DefinitionBlocks(tables) {
		files = append(files, filepath.Join(dir, tb.Name))
	}
	return files
}

// loadFiles loads tables through this package's loader, as Load does for a
// directory, with \_OSI answering true to the names in osi.
func loadFiles(files []string, osi []string) (*aml.Namespace, error) {
	var tables []*acpi.Table
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		tb, err := acpi.Parse(filepath.Base(f), data)
		if err != nil {
			var ce *acpi.ChecksumError
			if !errors.As(err, &ce) {
				return nil, err
			}
		}
		tables = append(tables, tb)
	}
	blocks := make([]aml.Block, 0, len(tables))
	for _, tb := range tables { // in the order given, as acpiexec loads them
		blocks = append(blocks, aml.Block{Table: tb.Name, AML: tb.AML(), Base: acpi.HeaderSize, Revision: tb.Revision})
	}
	ns, err := aml.Load(blocks, aml.Options{ZeroRegions: true, OSI: osi})
	if ns == nil {
		return nil, err
	}
	initLikeACPIExec(ns)
	return ns, nil
}

// initLikeACPIExec runs the methods acpiexec runs between loading the
// tables and reading its first command, in its order, so that both sides
// start from the same state (acpiexec 20200925 with -di; the names are
// ACPICA's functions):
//
//   - AeInstallLateHandlers installs an EmbeddedControl handler at each
//     present PNP0C09 device (AcpiGetDevices: _HID, then _CID if _HID does
//     not match, then _STA) and runs _REG (3, 1) for the EC regions below it,
//     or, for an EC without one, the EC's own _REG (the "orphan" _REG);
//   - it then installs SystemIO and SystemMemory handlers at the first
//     present PNP0A08 device (no _REG: those spaces never get one), then
//     handlers at the root for SMBus, CMOS, PciBarTarget, IPMI, GPIO,
//     GenericSerialBus, PCC, FFixedHW and the user spaces 0x80 and 0xE4,
//     each running _REG (space, 1) of the parent of every region of that
//     space in namespace order;
//   - AeMiscellaneousTests walks every device with AcpiGetDevices (NULL):
//     _STA of each, not entering a device that is neither present nor
//     functioning. Linux also evaluates every device's _STA as it scans the
//     bus.
//
// With -di no _INI runs and AcpiEvInitializeOpRegions does not either, so
// no _REG (PCI_Config, 1) is run (Linux would run those). The methods'
// own failures are ACPICA's to report, as there.
func initLikeACPIExec(ns *aml.Namespace) {
	connected := map[*aml.Node]bool{} // AOPOBJ_REG_CONNECTED
	regRun := func(under *aml.Node, space byte) {
		var walk func(n *aml.Node)
		walk = func(n *aml.Node) {
			for _, c := range n.Children() {
				if sp, ok := ns.RegionSpace(c); ok && sp == space && !connected[c] {
					if reg := c.Parent().Child("_REG"); reg != nil && reg.Kind() == aml.KindMethod && reg.ArgCount() == 2 {
						if _, err := ns.Evaluate(reg, aml.Integer(space), aml.Integer(1)); err == nil {
							connected[c] = true
						}
					}
				}
				walk(c)
			}
		}
		walk(under)
	}
	walkDevices(ns, "PNP0C09", func(ec *aml.Node) bool {
		regRun(ec, 3)
		orphan := true
		var walk func(n *aml.Node)
		walk = func(n *aml.Node) {
			for _, c := range n.Children() {
				if sp, ok := ns.RegionSpace(c); ok && sp == 3 {
					orphan = false
				}
				walk(c)
			}
		}
		walk(ec)
		if reg := ec.Child("_REG"); orphan && reg != nil && reg.Kind() == aml.KindMethod && reg.ArgCount() == 2 {
			ns.Evaluate(reg, aml.Integer(3), aml.Integer(1))
		}
		return false
	})
	walkDevices(ns, "PNP0A08", func(*aml.Node) bool { return true })
	for _, sp := range []byte{4, 5, 6, 7, 8, 9, 0x0A, 0x7F, 0x80, 0xE4} {
		regRun(ns.Root(), sp)
	}
	walkDevices(ns, "", func(*aml.Node) bool { return false })
}

// walkDevices is ACPICA's AcpiGetDevices: every Device in namespace order
// whose _HID or _CID is id (any device if id is empty) and whose _STA says
// present or functioning is passed to fn, which returns true to stop. A
// device whose _HID, _CID or _STA fails, or that is neither present nor
// functioning, is not entered.
func walkDevices(ns *aml.Namespace, id string, fn func(*aml.Node) bool) {
	// matches is AcpiNsGetDeviceCallback's filter: ok false means do not
	// enter the device.
	matches := func(dev *aml.Node) (match, ok bool) {
		if id == "" {
			return true, true
		}
		h := dev.Child("_HID")
		if h == nil {
			return false, true
		}
		v, err := ns.Evaluate(h)
		hid, isID := aml.IDString(v)
		if err != nil || !isID {
			return false, false
		}
		if hid == id {
			return true, true
		}
		c := dev.Child("_CID")
		if c == nil {
			return false, true
		}
		v, err = ns.Evaluate(c)
		if err != nil {
			return false, false
		}
		cids := []aml.Object{v}
		if p, isPkg := v.(*aml.Package); isPkg {
			cids = p.Elements
		}
		for _, e := range cids {
			cid, isID := aml.IDString(e)
			if !isID {
				return false, false
			}
			if cid == id {
				return true, true
			}
		}
		return false, true
	}
	stopped := false
	var walk func(n *aml.Node)
	walk = func(n *aml.Node) {
		for _, c := range n.Children() {
			if stopped {
				return
			}
			if c.Kind() == aml.KindDevice {
				match, ok := matches(c)
				if !ok {
					continue
				}
				if match {
					sta := uint64(aml.STADefault)
					if s := c.Child("_STA"); s != nil {
						v, err := ns.Evaluate(s)
						i, isInt := v.(aml.Integer)
						if err != nil || !isInt {
							continue
						}
						sta = uint64(i)
					}
					if sta&0x9 == 0 { // neither present (bit 0) nor functioning (bit 3)
						continue
					}
					if fn(c) {
						stopped = true
						return
					}
				}
			}
			walk(c)
		}
	}
	walk(ns.Root())
}

// acpiexecOSI asks acpiexec (its debugger's "osi" command, with table
// loaded) which interface names its \_OSI answers true to. What \_OSI
// answers is host policy (aml.Options.OSI; by default Linux's), and
// acpiexec is bare ACPICA, optional features off, with changes of its own
// ("Windows 2006" removed, "AnotherTestString" added): our side is asked
// the same question with this set.
func acpiexecOSI(bin, table string) ([]string, error) {
	abs, err := filepath.Abs(table)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "acpiexec")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(bin, "-di", abs)
	cmd.Dir = dir // acpiexec may leave files behind
	cmd.Stdin = strings.NewReader("osi\nquit\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("acpiexec osi: %v\n%s", err, out)
	}
	var names []string
	listing := false
	for _, l := range strings.Split(string(out), "\n") {
		switch {
		case l == "- osi":
			listing = true
		case strings.HasPrefix(l, "- "):
			listing = false
		case listing && l != "":
			names = append(names, l)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("acpiexec listed no _OSI interface names:\n%s", out)
	}
	return names, nil
}

// acpiexecRun is what acpiexec printed for one machine.
type acpiexecRun struct {
	namespace []string          // "path type", in listing order
	results   map[string]string // path -> normalized result, or "error: STATUS"
	restarts  map[string]bool   // paths where a fresh acpiexec took over
}

// stallLimit is how long acpiexec may print nothing before it is taken
// to wait forever (Wait on an Event nothing signals, with timeout 0xFFFF:
// this evaluator returns at once). It is a watchdog on the reference
// tool, not a bound on this package's speed.
const stallLimit = 30 * time.Second

// runACPIExec loads files into acpiexec and runs "namespace" then
// "evaluate PATH" for each of eval. An acpiexec that hangs is killed, the
// object it was evaluating recorded as "error: acpiexec hangs", and a fresh
// one goes on from the next object (recorded in restarts: the comparison
// reloads our namespace there too, so that both start from the same state).
func runACPIExec(ctx context.Context, bin string, files []string, eval []string) (acpiexecRun, error) {
	r := acpiexecRun{results: map[string]string{}, restarts: map[string]bool{}}
	for start, first := 0, true; first || start < len(eval); first = false {
		out, hungAt, err := runACPIExecOnce(ctx, bin, files, first, eval[start:])
		if err != nil {
			return r, err
		}
		parseACPIExec(out, &r)
		if hungAt < 0 {
			break
		}
		r.results[eval[start+hungAt]] = "error: acpiexec hangs"
		start += hungAt + 1
		if start < len(eval) {
			r.restarts[eval[start]] = true
		}
	}
	if len(r.namespace) == 0 {
		return r, fmt.Errorf("acpiexec listed no namespace for %v", files)
	}
	return r, nil
}

// breakpointsPerEval is how many AML BreakPoints one evaluation may stop
// at before the next evaluation is refused.
const breakpointsPerEval = 4

// runACPIExecOnce runs one acpiexec. hungAt is the index in eval of the
// evaluation it hung in, or -1.
func runACPIExecOnce(ctx context.Context, bin string, files []string, namespace bool, eval []string) (out []byte, hungAt int, err error) {
	var script strings.Builder
	if namespace {
		script.WriteString("namespace\n")
	}
	for _, p := range eval {
		// "go" resumes a method stopped at a BreakPoint opcode (acpiexec's
		// debugger stops there and refuses further evaluations: "Only one
		// debugger execution is allowed"); with nothing stopped it does
		// nothing. A method may stop more than once (lhw-5A86CF3EECC0's
		// \FPTS twice).
		script.WriteString("evaluate " + p + "\n" + strings.Repeat("go\n", breakpointsPerEval))
	}
	script.WriteString("quit\n")
	// stdbuf: unbuffered output, so that a hang is seen where it happens.
	// -di: no _INI/_STA at load (this package runs none); -dr: no repair
	// of predefined names' values (the raw AML value is compared); -to 1:
	// While loops give up after a second (AE_AML_LOOP_TIMEOUT) instead of 30.
	args := []string{"-o0", "-e0", bin, "-di", "-dr", "-to", "1"}
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		args = append(args, abs)
	}
	cmd := exec.CommandContext(ctx, "stdbuf", args...)
	dir, err := os.MkdirTemp("", "acpiexec")
	if err != nil {
		return nil, -1, err
	}
	defer os.RemoveAll(dir)
	cmd.Dir = dir // acpiexec may leave files behind
	cmd.Stdin = strings.NewReader(script.String())
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, -1, err
	}
	defer pr.Close()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		pw.Close()
		return nil, -1, fmt.Errorf("acpiexec: %w", err)
	}
	pw.Close()
	lines := make(chan []byte)
	go func() {
		defer close(lines)
		br := bufio.NewReaderSize(pr, 1<<16)
		for {
			l, err := br.ReadBytes('\n')
			if len(l) > 0 {
				lines <- l
			}
			if err != nil {
				return
			}
		}
	}()
	var buf bytes.Buffer
	started := -1 // evaluations begun
	timer := time.NewTimer(stallLimit)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				cmd.Wait() // its exit status says nothing the output does not
				return buf.Bytes(), -1, nil
			}
			buf.Write(l)
			if bytes.HasPrefix(l, []byte("- evaluate ")) {
				started++
			}
			timer.Reset(stallLimit)
		case <-timer.C:
			cmd.Process.Kill()
			for range lines {
			}
			cmd.Wait()
			if started < 0 {
				return nil, -1, fmt.Errorf("acpiexec %v printed nothing for %v while loading", files, stallLimit)
			}
			return buf.Bytes(), started, nil
		}
	}
}

// acpiexecJobs is how many acpiexec runs go on at once. They mostly wait
// (AML Sleep and Stall really sleep in acpiexec), so more than the cores.
const acpiexecJobs = 16

// prepared is one machine loaded here, with acpiexec's view on the way.
type prepared struct {
	m    machine
	osi  []string // what \_OSI answers true to, acpiexec's set
	ns   *aml.Namespace
	objs []Object
	eval []string // Names and Methods without arguments, in listing order
	done chan struct{}
	ref  acpiexecRun
	err  error
}

// rerunning serialises the second runs of prepared.again.
var rerunning sync.Mutex

// again loads p's machine afresh and runs acpiexec on it once more, with no
// other second run at the same time.
func (p *prepared) again(ctx context.Context, bin string) (*prepared, error) {
	rerunning.Lock()
	defer rerunning.Unlock()
	ns, err := loadFiles(p.m.files, p.osi)
	if err != nil {
		return nil, err
	}
	q := &prepared{m: p.m, osi: p.osi, ns: ns, objs: Objects(ns), eval: p.eval, done: p.done}
	if q.ref, err = runACPIExec(ctx, bin, p.m.files, p.eval); err != nil {
		return nil, err
	}
	return q, nil
}

// prepare loads m here, \_OSI answering from osi, and starts acpiexec on
// it (sem bounds the runs).
func prepare(ctx context.Context, bin string, osi []string, m machine, sem chan struct{}, wg *sync.WaitGroup) *prepared {
	p := &prepared{m: m, osi: osi, done: make(chan struct{})}
	p.ns, p.err = loadFiles(m.files, osi)
	if p.err != nil {
		close(p.done)
		return p
	}
	p.objs = Objects(p.ns)
	for _, o := range p.objs {
		switch o.Type {
		case "Integer", "String", "Buffer", "Package":
			p.eval = append(p.eval, o.Path)
		case "Method":
			if o.Node.ArgCount() == 0 {
				p.eval = append(p.eval, o.Path)
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(p.done)
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			p.err = ctx.Err()
			return
		}
		defer func() { <-sem }()
		p.ref, p.err = runACPIExec(ctx, bin, m.files, p.eval)
	}()
	return p
}

var (
	nsLine      = regexp.MustCompile(`^\s*(\d+)\s+(\S{4})\s+(\S+)`)
	evalStart   = regexp.MustCompile(`^- evaluate (\S+)`)
	evalFailed  = regexp.MustCompile(`^Evaluation of (\S+) failed with status (\S+)`)
	evalNothing = regexp.MustCompile(`^No object was returned from evaluation of (\S+)`)
	evalValue   = regexp.MustCompile(`^Evaluation of (\S+) returned object`)
	pointer     = regexp.MustCompile(`\b0x[0-9a-f]{6,}\b`)
	refType     = regexp.MustCompile(`(\[Object Reference\] = <Node> Name \S+) .*`)
	valueLine   = regexp.MustCompile(`^\s+(\[|[0-9A-F]{4}: )`)
)

// parseACPIExec adds what one acpiexec run printed to r.
func parseACPIExec(out []byte, r *acpiexecRun) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	inNS := false
	var stack []string
	var cur string   // path being evaluated
	var val []string // its value lines
	inValue := false
	// valueDone: what follows the value is acpiexec's own check of a _PLD
	// buffer ("Converted _PLD buffer does not compare. New:" and a
	// second dump, then the decoded fields), not part of the value.
	valueDone := false
	flush := func() {
		if cur != "" && inValue {
			r.results[cur] = normalize(strings.Join(val, "\n"))
		}
		cur, val, inValue, valueDone = "", nil, false, false
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "ACPI Namespace (from Namespace Root)"):
			inNS = true
			continue
		case strings.HasPrefix(line, "Namespace node count"):
			inNS = false
			continue
		}
		if inNS {
			if m := nsLine.FindStringSubmatch(line); m != nil {
				d := 0
				fmt.Sscan(m[1], &d)
				if d > len(stack) {
					d = len(stack)
				}
				stack = append(stack[:d], m[2])
				r.namespace = append(r.namespace, `\`+strings.Join(stack, ".")+" "+m[3])
			}
			continue
		}
		if m := evalStart.FindStringSubmatch(line); m != nil {
			flush()
			cur = m[1]
			continue
		}
		if cur == "" {
			continue
		}
		switch {
		case evalFailed.MatchString(line):
			r.results[cur] = "error: " + evalFailed.FindStringSubmatch(line)[2]
		case evalNothing.MatchString(line):
			r.results[cur] = normalize(Text(nil))
		case evalValue.MatchString(line):
			inValue = true
		case strings.HasPrefix(line, "Converted _PLD buffer"):
			valueDone = true
		case inValue && !valueDone && valueLine.MatchString(line): // not the decoded _PLD acpiexec adds
			val = append(val, line)
		}
	}
	flush()
}

// normalize makes acpiexec's and our text comparable: object addresses
// dropped, runs of blanks made one, and the type of the object a reference
// names dropped (the namespace pass compares types; ACPICA types the
// predefined \_SB_ as a Device).
func normalize(s string) string {
	s = pointer.ReplaceAllString(s, "")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			lines = append(lines, refType.ReplaceAllString(strings.Join(f, " "), "$1"))
		}
	}
	return strings.Join(lines, "\n")
}

// difference is one disagreement with acpiexec.
type difference struct {
	machine machine
	kind    string // "ours only", "acpiexec only", "type", "value", "we fail", "acpiexec fails"
	path    string
	ours    string
	acpica  string
	// afterTimeout: acpiexec abandoned an earlier method of this machine
	// midway (loop timeout), so its state may differ from ours since.
	afterTimeout bool
}

func (d difference) String() string {
	return fmt.Sprintf("%s %s: %s %s: ours %q, acpiexec %q", d.machine.corpus, d.machine.name, d.kind, d.path, clip(d.ours), clip(d.acpica))
}

// clip shortens a value for a report line.
func clip(s string) string {
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}

// counts tallies one corpus.
type counts struct {
	machines, identical                     int
	agree, differ, unsupported, allowedEval int
	acpiexecCannot                          int
	allowedNS                               int
}

func TestACPIExecDifferential(t *testing.T) {
	bin, err := exec.LookPath("acpiexec")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("acpiexec not found: CI must install Debian's acpica-tools")
		}
		t.Skip("needs acpiexec (Debian's acpica-tools)")
	}
	ms := machines(t)
	osi, err := acpiexecOSI(bin, ms[0].files[0])
	if err != nil {
		t.Fatal(err)
	}
	if pattern := os.Getenv("ACPIEXEC_MACHINES"); pattern != "" {
		// Working on one machine's differences should not cost a run
		// of acpiexec on every other.
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Fatalf("ACPIEXEC_MACHINES: %v", err)
		}
		kept := ms[:0]
		for _, m := range ms {
			if re.MatchString(m.corpus + "/" + m.name) {
				kept = append(kept, m)
			}
		}
		ms = kept
		t.Logf("ACPIEXEC_MACHINES=%q: comparing %d machines", pattern, len(ms))
	}
	var (
		mu     sync.Mutex
		tally  = map[string]*counts{}
		report []string
	)
	for _, m := range ms {
		if tally[m.corpus] == nil {
			tally[m.corpus] = &counts{}
		}
	}
	// Every acpiexec is started before the comparisons; those a -run
	// filter leaves unused are stopped when the test ends.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	sem := make(chan struct{}, acpiexecJobs)
	preps := make([]*prepared, len(ms))
	for i, m := range ms {
		preps[i] = prepare(ctx, bin, osi, m, sem, &wg)
	}
	t.Run("machines", func(t *testing.T) {
		for _, p := range preps {
			m := p.m
			t.Run(m.corpus+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				<-p.done
				if p.err != nil {
					t.Fatal(p.err)
				}
				c, unexpected, allowed := compareMachine(p)
				if len(unexpected) > 0 {
					// acpiexec's answers depend on time: its loop
					// timeout (-to 1) and AML Sleeps are wall-clock,
					// and 16 runs share the cores with the rest of the
					// suite. A difference counts when a second run,
					// alone on the machine, repeats it; ours are
					// deterministic, so a real defect always does.
					if q, err := p.again(ctx, bin); err != nil {
						t.Errorf("acpiexec again on %s: %v", m.name, err)
					} else {
						c, unexpected, allowed = compareMachine(q)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				tc := tally[m.corpus]
				tc.machines++
				tc.agree += c.agree
				tc.differ += c.differ
				tc.unsupported += c.unsupported
				tc.allowedEval += c.allowedEval
				tc.allowedNS += c.allowedNS
				tc.acpiexecCannot += c.acpiexecCannot
				if c.identical == 1 {
					tc.identical++
				}
				for _, d := range unexpected {
					t.Errorf("%v", d)
				}
				for _, d := range allowed {
					report = append(report, d.String())
				}
			})
		}
	})
	names := make([]string, 0, len(tally))
	for k := range tally {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		c := tally[k]
		t.Logf("%s: %d machines, namespaces identical %d, differing %d (%d allowed differences); evaluation: agree %d, differ %d (%d allowed), unsupported here %d, acpiexec cannot %d",
			k, c.machines, c.identical, c.machines-c.identical, c.allowedNS, c.agree, c.differ, c.allowedEval, c.unsupported, c.acpiexecCannot)
	}
	if path := os.Getenv("ACPIEXEC_DIFFS"); path != "" {
		sort.Strings(report)
		if err := os.WriteFile(path, []byte(strings.Join(report, "\n")+"\n"), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// compareMachine compares one machine's namespace and evaluations. It
// returns the tallies, the differences no rule allows and those one does.
func compareMachine(p *prepared) (c counts, unexpected, allowed []difference) {
	m, ns, objs, eval, ref, osi := p.m, p.ns, p.objs, p.eval, p.ref, p.osi
	warnings := ns.Warnings()
	// add records d and counts 1 unless it is an artefact of acpiexec.
	add := func(d difference) int {
		if rule := allowedBy(d, warnings); rule != nil {
			if rule.artefact {
				return 0
			}
			allowed = append(allowed, d)
			if d.kind == "value" || d.kind == "we fail" || d.kind == "acpiexec fails" {
				c.allowedEval++
			} else {
				c.allowedNS++
			}
			return 1
		}
		unexpected = append(unexpected, d)
		return 1
	}

	// Namespaces, as sets of "path type".
	theirs := map[string]string{}
	for _, l := range ref.namespace {
		p, typ, _ := strings.Cut(l, " ")
		theirs[p] = typ
	}
	ours := map[string]string{}
	for _, o := range objs {
		ours[o.Path] = o.Type
	}
	nsDiffs := 0
	for _, o := range objs {
		typ, ok := theirs[o.Path]
		switch {
		case !ok:
			nsDiffs += add(difference{machine: m, kind: "ours only", path: o.Path, ours: o.Type})
		case typ != o.Type:
			nsDiffs += add(difference{machine: m, kind: "type", path: o.Path, ours: o.Type, acpica: typ})
		}
	}
	for _, l := range ref.namespace {
		p, typ, _ := strings.Cut(l, " ")
		if _, ok := ours[p]; !ok {
			nsDiffs += add(difference{machine: m, kind: "acpiexec only", path: p, acpica: typ})
		}
	}
	if nsDiffs == 0 {
		c.identical = 1
	}

	// evalDiff counts an evaluation that differs, unless acpiexec could
	// not evaluate it for its own reasons.
	afterTimeout := false
	evalDiff := func(d difference) {
		d.afterTimeout = afterTimeout
		if r := allowedBy(d, warnings); r != nil && r.artefact {
			c.acpiexecCannot++
			return
		}
		c.differ++
		add(d)
	}

	// Evaluations, in the same order on both sides: state carries over.
	for _, p := range eval {
		if ref.restarts[p] {
			var err error
			if ns, err = loadFiles(m.files, osi); err != nil {
				panic(err) // it loaded before
			}
		}
		theirs, ok := ref.results[p]
		if !ok {
			theirs = "error: no result parsed"
		}
		if ref.restarts[p] {
			afterTimeout = false // both start afresh
		}
		v, err := Eval(ns, p)
		switch {
		case err != nil && errors.Is(err, aml.ErrUnsupported):
			c.unsupported++
		case err != nil && strings.HasPrefix(theirs, "error: "):
			c.agree++
		case err != nil:
			evalDiff(difference{machine: m, kind: "we fail", path: p, ours: err.Error(), acpica: theirs})
		case strings.HasPrefix(theirs, "error: "):
			evalDiff(difference{machine: m, kind: "acpiexec fails", path: p, ours: normalize(Text(v)), acpica: theirs})
			if theirs == "error: AE_AML_LOOP_TIMEOUT" {
				afterTimeout = true
			}
		case normalize(Text(v)) == theirs:
			c.agree++
		default:
			evalDiff(difference{machine: m, kind: "value", path: p, ours: normalize(Text(v)), acpica: theirs})
		}
	}
	return c, unexpected, allowed
}
