package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/vmgenid/vmgenid/internal/safefs"
)

// ErrLocked is wrapped by Create's error when another writer (another
// daemon) holds the state file's lock.
var ErrLocked = errors.New("state file is locked by another writer")

// Options are what Create may be told besides the path.
type Options struct {
	// PublicID publishes the VM generation ID and its physical address
	// in the public state file too, for those who want a boot_id-like
	// public value. By default they are withheld there (zero, with
	// FlagIDWithheld) and only the root-only file at IDPath holds them,
	// as NetBSD keeps hw.acpivmgenidN.id readable by root only.
	PublicID bool
}

// Writer is the only writer of a state file: the daemon. It holds an
// exclusive lock for its lifetime, so a second daemon on the same path
// fails to start. Its methods are safe for concurrent use.
type Writer struct {
	path string
	opt  Options
	lock *os.File

	mu      sync.Mutex
	pub     page // the public state file, mode 0444
	priv    page // the ID file (IDPath), mode 0600
	last    Record
	hasLast bool
	repairs []string
}

// page is one of the writer's two files: mem is its read-write shared
// mapping, nil until the file exists.
type page struct {
	path string
	perm fs.FileMode
	mem  []byte
}

// LockPath returns the path of the lock file that guards the state file at
// path: the same name with ".lock" appended. It is never removed, so that
// two daemons can never lock different files under the same name.
func LockPath(path string) string { return path + ".lock" }

// IDPath returns the path of the file, readable by the daemon's user
// (root) only, that holds the complete record, ID included, when the
// public state file at path withholds it. It has the state file's layout.
func IDPath(path string) string { return path + ".id" }

// companions are the files next to the state file whose temporary files a
// crash may leave: the state file, the ID file and the daemon's forks note
// (daemon.ForksPath).
func companions(path string) []string {
	return []string{path, IDPath(path), path + ".forks"}
}

// Create takes the state file at path for writing. It creates the
// directory (mode 0755) if needed, refusing one that another user owns or
// can write to (safefs.MakeDir), and takes an exclusive lock on
// LockPath(path), a file of mode 0600 that only the daemon's user can
// open; a second Create on the same path, from any process, fails with an
// error wrapping ErrLocked that names the lock file and its holder.
//
// A valid state file already at path (and ID file at IDPath) is reused in
// place: the writer maps it and later publishes into the same inode, so
// readers that mapped it before a daemon restart keep seeing updates. Last
// returns the record it held. A publish that the previous writer died in
// is completed first (see recoverPage). Anything else at path is replaced
// by the first Publish: a complete page is written to a temporary file,
// synced and renamed over path, so that no reader ever sees a partial
// file. Repairs says what was found wrong and fixed.
func Create(path string, opt Options) (*Writer, error) {
	if path == "" {
		return nil, errors.New("state: empty state file path")
	}
	w := &Writer{
		path: path,
		opt:  opt,
		pub:  page{path: path, perm: 0o444},
		priv: page{path: IDPath(path), perm: 0o600},
	}
	note, err := safefs.MakeDir(filepath.Dir(path), 0o755)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	w.repaired(note)
	if err := w.takeLock(); err != nil {
		return nil, err
	}
	for _, p := range companions(path) {
		removed, err := safefs.RemoveTemps(p)
		for _, r := range removed {
			w.repaired("removed " + r + ", left by a writer that died")
		}
		if err != nil {
			w.repaired(fmt.Sprintf("cannot remove stale temporary files: %v", err))
		}
	}
	if err := w.adopt(); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

func (w *Writer) repaired(note string) {
	if note != "" {
		w.repairs = append(w.repairs, note)
	}
}

// Repairs returns what Create found wrong and repaired (a stale temporary
// file removed, a torn record completed, reserved flags cleared, a file
// replaced, …), one sentence each, for the daemon to log.
func (w *Writer) Repairs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.repairs...)
}

// takeLock opens the lock file and takes the lock. A lock file that is not
// a regular file of this user's with mode 0600 and one link is not trusted
// (another user could hold an open descriptor on it and keep every daemon
// from starting): it is replaced by a new one.
func (w *Writer) takeLock() error {
	lp := LockPath(w.path)
	lf, err := safefs.OpenRegular(lp, os.O_RDWR|os.O_CREATE, 0o600)
	if err == nil {
		if why := untrustedLock(lf); why != "" {
			lf.Close()
			lf, err = nil, replaceLock(lp)
			if err == nil {
				w.repaired(fmt.Sprintf("replaced the lock file %s (%s)", lp, why))
			}
		}
	} else if nr := (*safefs.NotRegularError)(nil); errors.As(err, &nr) && nr.Type&fs.ModeDir == 0 {
		err = replaceLock(lp)
		if err == nil {
			w.repaired(fmt.Sprintf("replaced the lock file (%v)", nr))
		}
	}
	if lf == nil && err == nil {
		lf, err = safefs.OpenRegular(lp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	}
	if err != nil {
		return fmt.Errorf("state: open lock file: %w", err)
	}
	if err := lockFile(lf); err != nil {
		defer lf.Close()
		if errors.Is(err, errLockHeld) {
			return fmt.Errorf("state: %s is held by another writer (%s): is a vmgenid daemon already running? %w",
				lp, lockHolder(lf), ErrLocked)
		}
		return fmt.Errorf("state: lock %s: %w", lp, err)
	}
	// Record who holds the lock, where /proc/locks cannot tell.
	if err := lf.Truncate(0); err == nil {
		lf.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	w.lock = lf
	return nil
}

// untrustedLock says why an open lock file cannot be trusted, or "".
func untrustedLock(f *os.File) string {
	fi, err := f.Stat()
	if err != nil {
		return err.Error()
	}
	uid, nlink, ok := ownerOf(fi)
	switch {
	case ok && uid != os.Geteuid():
		return fmt.Sprintf("owned by uid %d", uid)
	case fi.Mode().Perm() != 0o600:
		return fmt.Sprintf("mode %v, others could open and lock it", fi.Mode().Perm())
	case ok && nlink != 1:
		return fmt.Sprintf("%d links", nlink)
	}
	return ""
}

// replaceLock removes an untrusted lock file so that a new one is
// created. Whoever held the old one keeps a lock on an unlinked inode,
// which no daemon looks at.
func replaceLock(lp string) error {
	if err := os.Remove(lp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// lockHolder names the process holding the lock on f: from the kernel's
// lock table where there is one (Linux), else from the PID the holder
// wrote into the file, which only the daemon's user can write; "unknown"
// when neither says.
func lockHolder(f *os.File) string {
	if pid, ok := kernelLockHolder(f); ok {
		return "pid " + strconv.Itoa(pid)
	}
	var b [32]byte
	n, _ := f.ReadAt(b[:], 0)
	if pid, err := strconv.Atoi(string(trimSpace(b[:n]))); err == nil && pid > 0 && processExists(pid) {
		return "pid " + strconv.Itoa(pid) + ", as it recorded"
	}
	return "holder unknown"
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// adopt reads the existing state and ID files, completes a publish the
// previous writer died in, and maps the files it can publish into in
// place.
func (w *Writer) adopt() error {
	pubRec, pubOK, err := w.adoptPage(&w.pub)
	if err != nil {
		return err
	}
	privRec, privOK, err := w.adoptPage(&w.priv)
	if err != nil {
		return err
	}
	var last Record
	switch {
	case privOK && pubOK && privRec.Epoch == pubRec.Epoch:
		last = privRec
	case privOK && pubOK && privRec.Epoch == NextEpoch(pubRec.Epoch):
		// The previous writer died between the two files: the ID file
		// holds the change, the public file does not show it yet.
		// Finishing the publish makes it the one visible advance.
		last = privRec
		if w.pub.mem != nil {
			w.pub.store(w.public(last))
		}
		w.repaired(fmt.Sprintf("the last writer died publishing epoch %d: completed it", last.Epoch))
	case privOK && pubOK:
		last = pubRec
		w.repaired(fmt.Sprintf("%s holds epoch %d but the state file %d: continuing from the state file", w.priv.path, privRec.Epoch, pubRec.Epoch))
	case pubOK:
		last = pubRec
	case privOK:
		last = privRec
	default:
		return nil
	}
	if last.Flags&FlagIDKnown == 0 || last.ID.IsZero() {
		last.Flags, last.ID, last.PAddr = 0, [16]byte{}, 0
	}
	if last.Flags&^FlagIDKnown != 0 {
		w.repaired(fmt.Sprintf("cleared reserved flag bits %#x", last.Flags&^FlagIDKnown))
		last.Flags &= FlagIDKnown
	}
	w.last, w.hasLast = last, true
	return nil
}

// adoptPage opens the existing file of p. When it is a regular file of
// this user's with one link and the right size, magic and version, it is
// mapped to be updated in place; a torn record is recovered first. Its
// record is returned when its epoch is valid, also from a file that is not
// adopted (another owner, several links: replaced at the first publish),
// so that the epoch never goes down.
func (w *Writer) adoptPage(p *page) (Record, bool, error) {
	f, err := safefs.OpenRegular(p.path, os.O_RDWR, 0)
	if errors.Is(err, syscall.EACCES) {
		// A 0444 file: root opens it anyway; its owner, when not root
		// (tests, unprivileged daemons), lifts the mode for the open.
		// (EPERM is something else: an immutable or append-only file.)
		f, err = openOwnReadOnly(p.path)
	}
	var nr *safefs.NotRegularError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Record{}, false, nil
	case errors.As(err, &nr) && nr.Type&fs.ModeDir == 0:
		// A link, FIFO or device: replaced by rename at the first
		// publish, never written through.
		w.repaired(fmt.Sprintf("%v: replacing it", nr))
		return Record{}, false, nil
	case errors.Is(err, fs.ErrPermission):
		return Record{}, false, fmt.Errorf("state: %s cannot be opened for writing (%w): is it immutable (lsattr, chattr -i)?", p.path, err)
	case err != nil:
		return Record{}, false, fmt.Errorf("state: open existing %s: %w", p.path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Record{}, false, fmt.Errorf("state: %w", err)
	}
	if fi.Size() != Size {
		w.repaired(fmt.Sprintf("%s is %d bytes, not a state file: replacing it", p.path, fi.Size()))
		return Record{}, false, nil
	}
	uid, nlink, known := ownerOf(fi)
	mine := !known || (uid == os.Geteuid() && nlink == 1)
	mem, err := mmapFile(f, mine)
	if err != nil {
		return Record{}, false, fmt.Errorf("state: mmap %s: %w", p.path, err)
	}
	h := loadHeader(mem)
	if err := h.checkMagicVersion(); err != nil {
		munmap(mem)
		w.repaired(fmt.Sprintf("%v: replacing %s", err, p.path))
		return Record{}, false, nil
	}
	if !mine {
		munmap(mem)
		r, _, err := h.decode(true)
		w.repaired(fmt.Sprintf("%s is not this user's own file with one link (uid %d, %d links): replacing it", p.path, uid, nlink))
		return r, err == nil, nil
	}
	if fi.Mode().Perm() != p.perm {
		f.Chmod(p.perm)
	}
	p.mem = mem
	if note := p.recoverTorn(); note != "" {
		w.repaired(note)
	}
	h = loadHeader(mem)
	r, _, err := h.decode(true)
	return r, err == nil, nil
}

// openOwnReadOnly opens a 0444 file this user owns for writing by
// lifting the owner's write bit for the duration of the open.
func openOwnReadOnly(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if uid, _, ok := ownerOf(fi); !ok || uid != os.Geteuid() || !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
	}
	if err := os.Chmod(path, 0o644); err != nil {
		return nil, err
	}
	f, err := safefs.OpenRegular(path, os.O_RDWR, 0)
	os.Chmod(path, 0o444)
	return f, err
}

// Path returns the state file's path.
func (w *Writer) Path() string { return w.path }

// Last returns the record the state files held when Create adopted them
// (with the ID from the ID file, reserved flags cleared), or the last
// record published since, and whether there is one. A daemon continues
// from it after a restart.
func (w *Writer) Last() (Record, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last, w.hasLast
}

// public returns what the public state file shows of r: everything but
// the ID and its address, unless Options.PublicID.
func (w *Writer) public(r Record) Record {
	if w.opt.PublicID || r.Flags&FlagIDKnown == 0 {
		return r
	}
	r.Flags = r.Flags&^FlagIDKnown | FlagIDWithheld
	r.ID, r.PAddr = [16]byte{}, 0
	return r
}

// Publish makes r the published record: first in the ID file, then in the
// public state file (with the ID withheld unless Options.PublicID), so
// that a writer dying between the two leaves a change that the next one
// completes. The first Publish to a file not adopted creates it
// atomically; later ones update it in place under the seqlock (see
// page.store). r.Epoch must be valid (ValidEpoch) and r.Flags may hold
// only FlagIDKnown.
func (w *Writer) Publish(r Record) error {
	if !ValidEpoch(r.Epoch) {
		return fmt.Errorf("state: refusing to publish epoch %#x: an epoch is never 0 nor all ones", r.Epoch)
	}
	if r.Flags&^FlagIDKnown != 0 {
		return fmt.Errorf("state: refusing to publish flags %#x: only bit 0 (ID known) is set by the writer", r.Flags)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lock == nil {
		return fmt.Errorf("state: publish to %s after Close", w.path)
	}
	if err := w.priv.publish(r); err != nil {
		return err
	}
	if err := w.pub.publish(w.public(r)); err != nil {
		return err
	}
	w.last, w.hasLast = r, true
	return nil
}

func (p *page) publish(r Record) error {
	if p.mem == nil {
		return p.createFile(r)
	}
	p.store(r)
	return nil
}

// Offsets of the writer's journal in the reserved part of the page: the
// odd seq value of the update it belongs to, then the whole header as the
// update will leave it. Readers ignore it.
const (
	OffJournal     = 2048
	offJournalHead = OffJournal + 8
)

// store updates the mapped page under the seqlock. Every word is stored
// atomically: readers load them atomically and compare seq before and
// after, so they either see the whole record or retry.
//
// Before seq turns odd the complete new header is written to the journal,
// tagged with that odd seq value, so that a writer killed while seq is odd
// leaves what it was writing, and the next writer completes it
// (recoverTorn): one change stays one visible advance across the crash.
// The epoch is stored last, so that a reader of the epoch word alone never
// sees the new epoch before the fields it belongs with.
func (p *page) store(r Record) {
	seqp := wordAt(p.mem, OffSeq)
	s := fromLE(atomic.LoadUint64(seqp)) &^ 1
	h := encode(r, s+2)
	for i, v := range h {
		atomic.StoreUint64(wordAt(p.mem, offJournalHead+8*i), fromLE(v))
	}
	atomic.StoreUint64(wordAt(p.mem, OffJournal), fromLE(s+1))
	atomic.StoreUint64(seqp, fromLE(s+1))
	p.storeFields(h)
	atomic.StoreUint64(seqp, fromLE(s+2))
}

// storeFields stores every word of h but seq, the epoch last.
func (p *page) storeFields(h header) {
	for i, v := range h {
		if i != wSeq && i != wEpoch {
			atomic.StoreUint64(wordAt(p.mem, 8*i), fromLE(v))
		}
	}
	atomic.StoreUint64(wordAt(p.mem, OffEpoch), fromLE(h[wEpoch]))
}

// recoverTorn applies the recovery rule to a page whose seq is odd (the
// writer died mid-update) and says what it did ("" when seq was even):
//
//   - The journal is tagged with this odd seq and holds a valid header:
//     the update is completed from it (rolled forward). Readers of the
//     epoch word saw the old epoch or the new one, never anything else;
//     now they see the new one, and the change counts once.
//   - Otherwise (a file written by a version without the journal): the
//     epoch word, stored whole, is kept, so the epoch never goes down,
//     and the ID is taken as unknown, since its two words may belong to
//     different records.
func (p *page) recoverTorn() string {
	h := loadHeader(p.mem)
	seq := h[wSeq]
	if seq&1 == 0 {
		return ""
	}
	var j header
	for i := range j {
		j[i] = fromLE(atomic.LoadUint64(wordAt(p.mem, offJournalHead+8*i)))
	}
	tag := fromLE(atomic.LoadUint64(wordAt(p.mem, OffJournal)))
	if r, _, err := j.decode(false); tag == seq && err == nil && j[wSeq] == seq+1 {
		p.storeFields(j)
		atomic.StoreUint64(wordAt(p.mem, OffSeq), fromLE(seq+1))
		return fmt.Sprintf("%s: the last writer died publishing epoch %d: completed it from the journal", p.path, r.Epoch)
	}
	h[wVF] &^= uint64(FlagIDKnown) << 32
	h[wID0], h[wID1], h[wPAddr] = 0, 0, 0
	p.storeFields(h)
	atomic.StoreUint64(wordAt(p.mem, OffSeq), fromLE(seq+1))
	return fmt.Sprintf("%s: the last writer died mid-update (seq %d odd, no journal): kept epoch %d, ID unknown", p.path, seq, h[wEpoch])
}

// createFile writes a complete page holding r to a temporary file in the
// same directory, syncs it, maps it and renames it over the path.
func (p *page) createFile(r Record) error {
	f, err := safefs.CreateTemp(p.path, p.perm)
	if err != nil {
		return fmt.Errorf("state: create: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		f.Close()
		if !ok {
			os.Remove(tmp)
		}
	}()
	h := encode(r, 0)
	if _, err := f.WriteAt(h.page(), 0); err != nil {
		return fmt.Errorf("state: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("state: fsync %s: %w", tmp, err)
	}
	mem, err := mmapFile(f, true)
	if err != nil {
		return fmt.Errorf("state: mmap %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, p.path); err != nil {
		munmap(mem)
		return fmt.Errorf("state: %w", err)
	}
	ok = true
	if d, err := os.Open(filepath.Dir(p.path)); err == nil {
		d.Sync() // make the rename durable where the directory is on disk
		d.Close()
	}
	p.mem = mem
	return nil
}

// Close unmaps the files and releases the lock. The state files stay, so
// that readers keep the last epoch and the next daemon continues from it.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lock == nil {
		return nil
	}
	var errs []error
	for _, p := range []*page{&w.pub, &w.priv} {
		if p.mem != nil {
			if err := munmap(p.mem); err != nil {
				errs = append(errs, fmt.Errorf("state: munmap %s: %w", p.path, err))
			}
			p.mem = nil
		}
	}
	if err := w.lock.Close(); err != nil {
		errs = append(errs, fmt.Errorf("state: close lock: %w", err))
	}
	w.lock = nil
	return errors.Join(errs...)
}
