// Package daemon is the vmgenid daemon's loop: detectors say "maybe
// changed", the daemon checks, and on a real change it mixes the new ID
// into the kernel's entropy pool, asks for a reseed, advances the entropy
// epoch, publishes the state file and notifies subscribers.
//
// # When is something a change?
//
// Several detectors may fire for one change (the poll, the kernel log, a
// GPE counter, a uevent), and some fire for no change at all (QEMU
// notifies after every restore; counters move for other events). The
// daemon therefore never counts signals. Each signal (or burst of signals)
// triggers one check, and the check alone decides, by one rule:
//
//   - When the ID can be read, the ID decides: the epoch advances exactly
//     when the ID read differs from the last ID published. A second
//     detector firing for the same change finds the same ID and does
//     nothing.
//   - When it cannot (no /dev/mem, as on Firecracker, or a failing read),
//     the change counts decide: counts of changes that something
//     authoritative recognised, kept by the detectors that can. The
//     kernel log counts the kernel's own VM fork notices since boot
//     (detect.KernelForks); the VMClock detector counts the moves of the
//     hypervisor's VM generation counter since it started
//     (detect.Changes). The
//     epoch advances once per check in which any count (or a count of
//     lost log records, which might have hidden a notice) has grown, so a
//     guest with VMClock but no vmgenid device advances on the VMClock
//     counter alone.
//   - With neither (no readable ID and no change count: only interrupt
//     counters or uevents), every signal may be a change, and each check
//     advances. That is the safe side: a spurious advance only makes
//     programs reseed.
//
// One count overrides both rules: a count of the kernel's own reseeds
// (detect.KernelReseeds: NetBSD's kern.entropy.epoch, which the kernel
// advances on every VM generation change and on ordinary entropy
// consolidations). A check in which it grew advances, whether the ID reads
// the same or not, and it is never coalesced (below): every advance of the
// kernel's epoch advances the published one, so that a program reseeding
// at the advance draws from the kernel's reseeded generator. A clone whose
// new ID is read before the kernel has reseeded therefore advances twice:
// once for the ID, once for the kernel's reseed.
//
// # One change, several counts
//
// One clone makes every count grow once: the kernel logs a fork notice
// and the hypervisor moves the VMClock counter. The detectors see these
// at different moments (the VMClock page changes before the guest runs;
// the kernel logs when it handles the ACPI notification; a polled page is
// read up to a poll interval later), so the two growths may fall into
// different checks. Growths are therefore coalesced: after an advance, a
// growth within CoalesceWindow (default one second) of a count that did
// not grow for that advance is taken as the same change reported late,
// and does not advance again (except a kernel reseed count's, above). A
// count that grows a second time is always a new change. The limits, both rare:
//
//   - A late report that comes after the window advances once more: a
//     spurious advance, the safe side.
//   - Two real changes within the window, the first seen only by one
//     count and the second only by another, advance once. Counts that see
//     every change (as the kernel log and VMClock do, unless log records
//     are lost, which counts as growth) cannot do that.
//
// The Changes field of the state file is the number of changes seen since
// boot: at least the kernel's fork count when it is known, and one more
// for each change the daemon advances for.
//
// # Restart continuity
//
// At start the daemon continues from the published record (state
// Writer.Last), so a restart never lowers the epoch, and advances it once
// if a change may have happened while it was down: when the ID it reads
// differs from the published one; or, when either ID is unknown, when the
// kernel's fork count differs from the one the published epoch accounts
// for, or the kernel log lost records. That count is kept next to the
// state file (ForksPath), because the state file's Changes also counts
// changes the kernel did not log; without that file the daemon compares
// with Changes. When no comparison is possible it advances: a spurious
// advance only makes programs reseed, a missed one would let two clones
// share random state. A kernel reseed count is compared even when the IDs
// are the same: the kernel's reseeds while the daemon was down advance
// once. Only the kernel's fork count reaches back to boot:
// a VMClock count starts when the daemon does (the VMClock generation
// counter is not kept), so a daemon that decides on VMClock alone
// advances at every restart.
//
// # Who does what
//
// The rules above are the Decider's (decide.go), a pure function of what
// a check observed; the Daemon (this file) does the lifecycle and the
// I/O around it: finding the device, reading the ID and the counts,
// mixing into the kernel's pool, publishing, broadcasting and logging.
// Which detectors run is chosen here too (select.go, from DetectOptions),
// and what a restart needs beyond the state file is kept by continuity.go.
//
// Its caller is the vmgenid daemon command, which only turns flags into
// Config and DetectOptions; internal/metrics watches it through Monitor.
// It writes the state file (internal/state) and the events socket
// (internal/events), and nothing reads it any other way: programs and the
// root package know the daemon only through those two.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/detect"
	"github.com/vmgenid/vmgenid/internal/events"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/state"
)

// Config says where the daemon reads, what it runs and where it publishes.
type Config struct {
	// StatePath is the state file (state.Create takes its lock: a second
	// daemon on the same path fails).
	StatePath string
	// PublicID publishes the ID in the public state file too (see
	// state.Options); by default only the root-only ID file holds it.
	PublicID bool
	// SocketPath is the events socket; empty means no socket.
	SocketPath string
	// Sources are where the ID is read from, in order; the first device
	// whose ID can be read is used. None, or none readable, leaves the
	// daemon on the change counts (see the package doc).
	Sources []source.Source
	// Detectors say "maybe changed". The daemon adds a poll when the ID
	// is readable and PollInterval is positive. Those that are a
	// detect.Counter are the change counts; the first whose count reaches
	// back to boot is also the kernel's count (see the package doc). The
	// daemon runs them and owns them from New on.
	Detectors []detect.Detector
	// CoalesceWindow is how long after an advance a growth of another
	// change count is taken as the same change (see the package doc); 0
	// means DefaultCoalesceWindow, negative means never.
	CoalesceWindow time.Duration
	// PollInterval is how often to read the ID; 0 means no poll. With
	// Detect, the mode chosen sets it.
	PollInterval time.Duration
	// Detect, when set, has New choose the machine's detectors and the
	// mode (select.go), beside Detectors.
	Detect *DetectOptions
	// Mixer feeds the kernel's pool; nil means OSMixer().
	Mixer Mixer
	// LogID puts the ID in the log (vmgenid daemon -v). By default no
	// log line shows it: logs are often readable by others (the
	// journal, a console), and the ID is root's.
	LogID bool
	// Logf prints the daemon's messages (one line each); nil discards.
	Logf func(format string, args ...any)
	// Debugf prints details; nil discards.
	Debugf func(format string, args ...any)
	// Ready is called once Run has started the detectors, after the first
	// publish (systemd readiness); nil means nothing.
	Ready func(status string)
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Monitor is told what the daemon does (monitor.go); nil means
	// nothing.
	Monitor Monitor

	// writeForks replaces the forks file; nil means writeForks. Tests
	// make it wait.
	writeForks func(path string, r forksRecord) error
}

// Mixer feeds a new ID to the kernel's random number generator.
type Mixer interface {
	// Mix adds the bytes to the kernel's pool without crediting entropy:
	// the ID is not secret, but it differs between clones.
	Mix(b []byte) error
	// Reseed asks the kernel to reseed its generator from the pool now.
	// It returns an error wrapping ErrNotPermitted when the daemon lacks
	// the privilege.
	Reseed() error
}

// DefaultCoalesceWindow is how long after an advance the growth of another
// change count is taken as the same change reported late. One change
// reaches the kernel log and a polled VMClock page within a poll interval
// (100 ms) or so; the rest is room for a loaded guest.
const DefaultCoalesceWindow = time.Second

// ErrNotPermitted is wrapped by Mixer errors for missing privileges.
var ErrNotPermitted = errors.New("not permitted")

// Status is a snapshot of what the daemon has published.
type Status struct {
	Record state.Record
	Device string // "acpivmgenid0"; empty when the ID is not readable
	IDMode bool   // the ID is readable and decides
	// Kernel is the kernel's count since boot (forks or reseeds) as of
	// the last check; zero Kind when there is none.
	Kernel detect.Count
	// Counts are the change counts as of the last check, in detector
	// order.
	Counts  []Count
	Checks  uint64 // checks done
	Dropped uint64 // signals dropped because a check was already queued
	// Signals counts the signals queued for a check, and SignalsChecked
	// those whose check has finished. Signals are checked in order, so
	// once SignalsChecked passes the Signals read at some moment, a
	// signal sent after that moment has been checked: tests wait for
	// that instead of sleeping.
	Signals, SignalsChecked uint64
	// Coalesced counts the growths taken as a change already advanced for.
	Coalesced uint64
	// Reads are the reads compared by each detector that signals only on
	// a change (detect.Reader), by name: a test that changed such a source
	// without changing what it detects waits for two more reads and then
	// for SignalsChecked, instead of sleeping.
	Reads map[string]uint64
	// Plan is the detection mode chosen and why; zero when the caller
	// chose the detectors.
	Plan Plan
}

// Count is one change count: the detector's name and its count.
type Count struct {
	Name  string
	Count detect.Count
}

// Daemon is a running vmgenid daemon.
type Daemon struct {
	cfg    Config
	writer *state.Writer
	server *events.Server
	counts []detect.Counter // the change counts
	kernel int              // index in counts of the kernel's count; -1 without one

	// The device read; zero found when none is readable.
	found   source.Found
	idMode  bool
	readBad bool // the last read failed (logged once per streak)
	// reseedDenied is set once the kernel refused a reseed for want of
	// privilege, which is logged once.
	reseedDenied bool
	detector     []detect.Detector

	plan Plan // the mode chosen; zero without Config.Detect

	signals chan detect.Signal
	checkMu sync.Mutex // one check at a time
	decider *Decider   // guarded by checkMu

	// saver writes the fork count the published record accounts for
	// (continuity.go).
	saver *forksSaver
	// ownMixer is the mixer New made (it keeps /dev/urandom open),
	// closed with the daemon; nil when the caller gave one.
	ownMixer io.Closer

	mu         sync.Mutex // guards the fields below (Status reads them)
	rec        state.Record
	lastCounts []detect.Count // by index in counts
	checks     uint64
	signalled  uint64 // signals queued
	sigChecked uint64 // signals whose check has finished
	dropped    uint64
	coalesced  uint64
}

// New takes the state file, finds the ID, publishes the first record
// (continuing from the one already published, see the package doc) and
// opens the events socket. It fails when no detector at all can work: no
// readable ID and no detector given.
func New(cfg Config) (_ *Daemon, err error) {
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Debugf == nil {
		cfg.Debugf = func(string, ...any) {}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var ownMixer io.Closer
	if cfg.Mixer == nil {
		cfg.Mixer = OSMixer()
		ownMixer, _ = cfg.Mixer.(io.Closer)
	}
	d := &Daemon{cfg: cfg, signals: make(chan detect.Signal, 64), kernel: -1, ownMixer: ownMixer}
	defer func() {
		if err != nil {
			d.closeAll()
		}
	}()
	d.detector = append(d.detector, cfg.Detectors...)

	w, err := state.Create(cfg.StatePath, state.Options{PublicID: cfg.PublicID})
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	d.writer = w
	for _, r := range w.Repairs() {
		cfg.Logf("repaired: %s", r)
	}

	id, readErr := d.findDevice()
	if cfg.Detect != nil {
		dets, plan, idPoll := selectDetectors(*cfg.Detect, cfg.Sources, readErr == nil, cfg.Logf, cfg.Debugf)
		d.detector = append(d.detector, dets...)
		d.cfg.PollInterval, cfg.PollInterval = idPoll, idPoll
		d.plan = plan
		cfg.Logf("change detection %s", plan)
	}
	var countNames []string
	for _, det := range d.detector {
		if c, ok := det.(detect.Counter); ok {
			d.counts = append(d.counts, c)
			countNames = append(countNames, c.Name())
		}
	}
	d.decider = NewDecider(countNames, cfg.CoalesceWindow)
	obs := d.observe(id, readErr)
	d.kernel = kernelIndex(obs.Counts)
	if readErr == nil {
		d.idMode = true
		cfg.Logf("%s: reading the ID at %#x (%s); it decides what is a change", d.found.Name, d.found.Device.PAddr, source.Describe(d.found.Source))
		if cfg.PollInterval > 0 {
			p, err := detect.NewPoll(cfg.PollInterval)
			if err != nil {
				return nil, fmt.Errorf("daemon: %w", err)
			}
			d.detector = append(d.detector, p)
		}
		if len(d.detector) == 0 {
			return nil, errors.New("daemon: no way to detect a change: the ID is readable but there is no poll (interval 0) and no other detector")
		}
	} else {
		if len(d.detector) == 0 {
			return nil, fmt.Errorf("daemon: no way to detect a change: cannot read the VM generation ID (%v) and no kernel fork notices or other detector are available", readErr)
		}
		if len(d.counts) == 0 {
			cfg.Logf("warning: cannot read the VM generation ID (%v) and there is no change count (kernel fork notices, VMClock): changes cannot be decided; every signal from %s will advance the epoch", readErr, names(d.detector))
		} else {
			cfg.Logf("cannot read the VM generation ID (%v): running on the change counts of %s alone (ID unknown)", readErr, strings.Join(countNames, ", "))
		}
	}
	d.saver = newForksSaver(ForksPath(cfg.StatePath), cfg.Logf, cfg.writeForks)
	if err := d.start(obs); err != nil {
		return nil, err
	}
	d.saveKernelCount()
	if cfg.SocketPath != "" {
		s, err := events.Listen(cfg.SocketPath, events.Options{PublicID: cfg.PublicID})
		if err != nil {
			return nil, fmt.Errorf("daemon: %w", err)
		}
		d.server = s
	}
	return d, nil
}

func names(ds []detect.Detector) string {
	var s []string
	for _, d := range ds {
		s = append(s, d.Name())
	}
	return strings.Join(s, ", ")
}

// observe reads every change count and records what a check saw. id and
// readErr are the ID read (or why not), read first.
func (d *Daemon) observe(id genid.ID, readErr error) Observation {
	o := Observation{Now: d.cfg.Now(), ID: id, IDErr: readErr, Counts: make([]detect.Count, len(d.counts))}
	for i, c := range d.counts {
		o.Counts[i] = c.Count()
	}
	return o
}

// kernelCount returns the kernel's count among counts, or zero.
func (d *Daemon) kernelCount(counts []detect.Count) detect.Count {
	if d.kernel < 0 {
		return detect.Count{}
	}
	return counts[d.kernel]
}

// findDevice returns the ID of the first device whose ID can be read, and
// remembers that device.
func (d *Daemon) findDevice() (genid.ID, error) {
	if len(d.cfg.Sources) == 0 {
		return genid.ID{}, errors.New("no source to read it from")
	}
	found, problems, err := source.FindAll(d.cfg.Sources)
	for _, p := range problems {
		d.cfg.Debugf("%v", p)
	}
	if err != nil {
		return genid.ID{}, err
	}
	var errs []error
	for _, f := range found {
		id, method, err := f.Source.ReadID(f.Device)
		if err == nil && id.IsZero() {
			err = errZeroID
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", f.Name, f.Device.Path, err))
			continue
		}
		d.found = f
		d.cfg.Debugf("%s: %s read by %s", f.Name, f.Device.Path, method)
		return id, nil
	}
	return genid.ID{}, errors.Join(errs...)
}

// readID reads the ID of the device chosen by findDevice.
func (d *Daemon) readID() (genid.ID, error) {
	id, _, err := d.found.Source.ReadID(d.found.Device)
	if err == nil && id.IsZero() {
		return genid.ID{}, errZeroID
	}
	return id, err
}

// errZeroID is the read error for an ID of all zeros: no hypervisor
// writes one, so it is a page not (yet) populated, and the ID unknown.
var errZeroID = errors.New("the ID reads as all zeros (an unpopulated page), taken as unknown")

// start publishes the first record: a fresh epoch 1, or the published
// record continued, advanced once if a change may have happened while no
// daemon ran (the Decider's restart rule).
func (d *Daemon) start(o Observation) error {
	kc := d.kernelCount(o.Counts)
	last, ok := d.writer.Last()
	ok = ok && state.ValidEpoch(last.Epoch)
	d.lastCounts = o.Counts
	if d.idMode {
		// Zero credit, so mixing at every start costs nothing and covers
		// a change that happened before the daemon first ran.
		if err := d.cfg.Mixer.Mix(o.ID[:]); err != nil {
			d.cfg.Logf("cannot mix the ID into the kernel's pool: %v", err)
		}
	}
	var saved *Saved
	if ok && d.kernel >= 0 {
		saved = d.readSaved()
	}
	dec := d.decider.Start(o, last, ok, saved)
	switch {
	case dec.Why.Rule == RuleFresh:
		rec := state.Record{Epoch: state.NextEpoch(0), Changes: kc.N}
		d.setID(&rec, o.ID, d.idMode)
		if err := d.publish(rec); err != nil {
			return err
		}
		d.cfg.Logf("epoch %d: starting (%s)", rec.Epoch, d.describe(rec, kc))
		return nil
	case dec.Advance:
		d.cfg.Logf("a change may have happened while no daemon ran: %s", dec.Why)
		if dec.Why.Rule == RuleIDChangedWhileDown && d.cfg.LogID {
			d.cfg.Logf("the ID was %s, it is %s", dec.Why.Was, dec.Why.Is)
		}
		return d.advance(last, o, dec.IDKnown, "changed while no daemon ran: "+dec.Why.String())
	}
	rec := last
	rec.Changes = max(last.Changes, kc.N)
	d.setID(&rec, o.ID, d.idMode)
	if err := d.publish(rec); err != nil {
		return err
	}
	d.cfg.Logf("epoch %d: continuing, nothing changed while no daemon ran (%s)", rec.Epoch, dec.Why)
	return nil
}

// setID puts id and the device's address in rec when the ID is known, and
// marks rec's ID unknown (no ID, no address) when it is not.
func (d *Daemon) setID(rec *state.Record, id genid.ID, known bool) {
	if known {
		rec.Flags |= state.FlagIDKnown
		rec.ID = id
		rec.PAddr = d.found.Device.PAddr
	} else {
		rec.Flags &^= state.FlagIDKnown
		rec.ID = genid.ID{}
		rec.PAddr = 0
	}
}

func (d *Daemon) describe(rec state.Record, kc detect.Count) string {
	s := "ID unknown"
	switch {
	case rec.IDKnown() && d.cfg.LogID:
		s = "ID " + rec.ID.String()
	case rec.IDKnown():
		s = "ID known"
	}
	if d.kernel >= 0 {
		if kc.Kind == detect.KernelReseeds {
			s += ", " + sinceBoot(kc.Kind, d.counts[d.kernel].Name(), kc.N)
		} else {
			s += fmt.Sprintf(", %d VM fork %s in the kernel log since boot", kc.N, plural(kc.N, "notice", "notices"))
		}
		if !kc.Exact() {
			s += " (records lost: at least that many)"
		}
	}
	return s
}

func plural(n uint64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (d *Daemon) publish(rec state.Record) error {
	if err := d.writer.Publish(rec); err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	d.mu.Lock()
	d.rec = rec
	d.mu.Unlock()
	d.monitor().Published(rec)
	return nil
}

// Run runs the detectors and the check loop until ctx is done (nil) or
// every detector has stopped (an error). It closes the daemon when it
// returns.
func (d *Daemon) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		d.closeAll()
	}()
	d.saver.start()
	type stopped struct {
		name string
		err  error
	}
	stops := make(chan stopped, len(d.detector))
	for _, det := range d.detector {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.monitor().DetectorRunning(det.Name(), true)
			defer d.monitor().DetectorRunning(det.Name(), false)
			err := det.Run(ctx, d.notify)
			if err == nil && ctx.Err() == nil {
				err = errors.New("stopped")
			}
			stops <- stopped{det.Name(), err}
		}()
	}
	d.cfg.Logf("watching with %s", names(d.detector))
	if d.cfg.Ready != nil {
		d.mu.Lock()
		e := d.rec.Epoch
		d.mu.Unlock()
		d.cfg.Ready(fmt.Sprintf("epoch %d, watching with %s", e, names(d.detector)))
	}
	running := len(d.detector)
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-stops:
			if ctx.Err() != nil {
				return nil
			}
			running--
			d.cfg.Logf("detector %s stopped: %v", s.name, s.err)
			if running == 0 {
				return errors.New("daemon: every detector has stopped")
			}
		case s := <-d.signals:
			batch := []detect.Signal{s}
		drain:
			for {
				select {
				case s := <-d.signals:
					batch = append(batch, s)
				default:
					break drain
				}
			}
			if err := d.check(batch); err != nil {
				d.cfg.Logf("%v", err)
			}
			d.mu.Lock()
			d.sigChecked += uint64(len(batch))
			d.mu.Unlock()
		}
	}
}

// notify queues a signal without blocking: when the queue is full, checks
// are pending anyway, and the check reads the current ID and count.
func (d *Daemon) notify(s detect.Signal) {
	d.monitor().Signal(s.Detector)
	// Counted as it is queued, under mu, so that Signals never lags a
	// check that has taken it.
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case d.signals <- s:
		d.signalled++
	default:
		d.dropped++
	}
}

// Check runs one check now, as if a detector had signalled. Tests and
// callers with their own triggers use it; Run does the same for signals.
func (d *Daemon) Check(reason string) error {
	return d.check([]detect.Signal{{Reason: reason}})
}

// check reads the ID and the counts, asks the Decider whether the signals
// in batch stand for a change, and advances if so.
func (d *Daemon) check(batch []detect.Signal) (err error) {
	d.checkMu.Lock()
	defer d.checkMu.Unlock()
	defer d.monitorCheck(time.Now())
	// A check that moved the kernel's count without advancing (a late
	// fork notice for a change already advanced for) saves it too; one
	// whose publish failed must not.
	defer func() {
		if err == nil {
			d.saveKernelCount()
		}
	}()
	d.mu.Lock()
	d.checks++
	rec := d.rec
	d.mu.Unlock()
	// Name the most informative signal: a kernel event over a tick.
	sig := batch[0]
	for _, s := range batch {
		if !s.Tick && (sig.Tick || (s.KernelTime != 0 && sig.KernelTime == 0)) {
			sig = s
		}
	}
	var id genid.ID
	readErr := errNoDevice
	if d.idMode {
		id, readErr = d.readID()
		switch {
		case readErr == nil && d.readBad:
			d.cfg.Logf("%s: reading the ID works again", d.found.Name)
			d.readBad = false
		case readErr != nil && !d.readBad:
			d.cfg.Logf("%s: cannot read the ID (%v); deciding on the change counts until it can", d.found.Name, readErr)
			d.readBad = true
		}
	}
	o := d.observe(id, readErr)
	d.mu.Lock()
	d.lastCounts = o.Counts
	d.mu.Unlock()
	dec := d.decider.Check(o, rec)
	if !dec.Advance {
		if dec.Why.Rule == RuleSameChange {
			d.mu.Lock()
			d.coalesced++
			d.mu.Unlock()
		}
		if !sig.Tick {
			d.cfg.Debugf("%s: %s: %s", sig.Detector, sig.Reason, dec.Why)
		}
		return nil
	}
	via := sig.Reason
	switch {
	case dec.Why.Rule == RuleKernelReseeded:
		// Name the kernel's reseed: the signal at hand may be a tick
		// that came first.
		via = dec.Why.Count + ": " + dec.Why.String()
	case sig.Detector != "":
		via = sig.Detector + ": " + sig.Reason
	}
	return d.advance(rec, o, dec.IDKnown, via)
}

// errNoDevice is the observation's read error when no device was found.
var errNoDevice = errors.New("no readable device")

// advance moves to the next epoch with the observed ID (when known) or
// none, counts the change, publishes and notifies; via says why, for the
// event and the log. The caller holds checkMu, or runs before Run.
func (d *Daemon) advance(rec state.Record, o Observation, known bool, via string) error {
	id := o.ID
	if known {
		if err := d.cfg.Mixer.Mix(id[:]); err != nil {
			d.cfg.Logf("cannot mix the ID into the kernel's pool: %v", err)
		}
		if err := d.cfg.Mixer.Reseed(); errors.Is(err, ErrNotPermitted) {
			if !d.reseedDenied {
				d.reseedDenied = true
				d.cfg.Logf("warning: cannot ask the kernel to reseed (%v): programs that reseed at the new epoch get the kernel's generator as it is until it reseeds by itself; run the daemon as root", err)
			}
		} else if err != nil {
			d.cfg.Logf("cannot ask the kernel to reseed: %v", err)
		}
	}
	now := o.Now
	rec.Epoch = state.NextEpoch(rec.Epoch)
	rec.Changes = max(rec.Changes+1, d.kernelCount(o.Counts).N)
	rec.LastChange = now.UnixNano()
	d.setID(&rec, id, known)
	if err := d.publish(rec); err != nil {
		return err
	}
	// Subscribers first: the log line can take a while (a serial
	// console), so it does not delay the event. (The fork count is
	// written by the forks saver, which delays neither.)
	if d.server != nil {
		ev := events.Event{Epoch: rec.Epoch, IDKnown: known, Reason: via, Time: now}
		if known {
			ev.ID = id
		}
		if err := d.server.Broadcast(ev); err != nil {
			d.cfg.Logf("cannot send the change event: %v", err)
		}
	}
	switch {
	case known && d.cfg.LogID:
		d.cfg.Logf("%s: cloned: %s (epoch %d; %s)", d.found.Name, id, rec.Epoch, via)
	case known:
		d.cfg.Logf("%s: cloned (epoch %d; %s)", d.found.Name, rec.Epoch, via)
	default:
		d.cfg.Logf("VM fork, ID unknown: epoch %d (%s)", rec.Epoch, via)
	}
	return nil
}

// Status returns what the daemon has published and how it is deciding.
func (d *Daemon) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := Status{Record: d.rec, IDMode: d.idMode, Kernel: d.kernelCount(d.lastCounts), Checks: d.checks, Dropped: d.dropped, Signals: d.signalled, SignalsChecked: d.sigChecked, Coalesced: d.coalesced, Plan: d.plan}
	for i, c := range d.counts {
		st.Counts = append(st.Counts, Count{Name: c.Name(), Count: d.lastCounts[i]})
	}
	for _, det := range d.detector {
		if r, ok := det.(detect.Reader); ok {
			if st.Reads == nil {
				st.Reads = map[string]uint64{}
			}
			st.Reads[r.Name()] = r.Reads()
		}
	}
	if d.idMode {
		st.Device = d.found.Name
	}
	return st
}

// Close releases everything without running; Run closes by itself.
func (d *Daemon) Close() error { return d.closeAll() }

func (d *Daemon) closeAll() error {
	var errs []error
	// The last fork count is written while the state file's lock is
	// still held.
	if d.saver != nil {
		d.saver.close()
	}
	if d.server != nil {
		errs = append(errs, d.server.Close())
		d.server = nil
	}
	if d.writer != nil {
		errs = append(errs, d.writer.Close())
		d.writer = nil
	}
	for _, det := range d.detector {
		if c, ok := det.(interface{ Close() error }); ok {
			c.Close()
		}
	}
	if d.ownMixer != nil {
		d.ownMixer.Close()
	}
	return errors.Join(errs...)
}
