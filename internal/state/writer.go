package state

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrLocked is wrapped by Create's error when another writer (another
// daemon) holds the state file's lock.
var ErrLocked = errors.New("state file is locked by another writer")

// Writer is the only writer of a state file: the daemon. It holds an
// exclusive lock for its lifetime, so a second daemon on the same path
// fails to start. Its methods are safe for concurrent use.
type Writer struct {
	path string
	lock *os.File

	mu      sync.Mutex
	mem     []byte // read-write shared mapping; nil until the file exists
	last    Record
	hasLast bool
}

// LockPath returns the path of the lock file that guards the state file at
// path: the same name with ".lock" appended. It is never removed, so that
// two daemons can never lock different files under the same name.
func LockPath(path string) string { return path + ".lock" }

// Create takes the state file at path for writing. It creates the
// directory (mode 0755) if needed and takes an exclusive lock on
// LockPath(path); a second Create on the same path, from any process,
// fails with an error wrapping ErrLocked that names the lock file and the
// holder's process ID.
//
// A valid state file already at path (same size, magic and version, owned
// by this user) is reused in place: the writer maps it and later publishes
// into the same inode, so readers that mapped it before a daemon restart
// keep seeing updates. Last returns the record it held. Otherwise the file
// is created by the first Publish: a complete page is written to a
// temporary file (mode 0444), synced and renamed over path, so that no
// reader ever sees a partial file.
func Create(path string) (*Writer, error) {
	dir := filepath.Dir(path)
	if err := makeDir(dir); err != nil {
		return nil, err
	}
	lf, err := openNoFollow(LockPath(path), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state: open lock file: %w", err)
	}
	if err := lockFile(lf); err != nil {
		defer lf.Close()
		if errors.Is(err, errLockHeld) {
			holder := "unknown"
			if b, rerr := io.ReadAll(io.LimitReader(lf, 32)); rerr == nil && len(b) > 0 {
				holder = "pid " + strings.TrimSpace(string(b))
			}
			return nil, fmt.Errorf("state: %s is held by another writer (%s): is a vmgenid daemon already running? %w",
				LockPath(path), holder, ErrLocked)
		}
		return nil, fmt.Errorf("state: lock %s: %w", LockPath(path), err)
	}
	// Record who holds the lock, for the error a second daemon reports.
	if err := lf.Truncate(0); err == nil {
		lf.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	w := &Writer{path: path, lock: lf}
	if err := w.adopt(); err != nil {
		lf.Close()
		return nil, err
	}
	return w, nil
}

// makeDir creates dir with mode 0755 if it is missing and refuses a
// directory that other users could write to without the sticky bit: they
// could replace the state file under the daemon.
func makeDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("state: create directory: %w", err)
		}
		// MkdirAll's mode is filtered by the umask; readers need 0755.
		if err := os.Chmod(dir, 0o755); err != nil {
			return fmt.Errorf("state: chmod directory: %w", err)
		}
		fi, err = os.Stat(dir)
	}
	if err != nil {
		return fmt.Errorf("state: directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("state: %s is not a directory", dir)
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return fmt.Errorf("state: directory %s is writable by other users (mode %v): refusing to publish there", dir, fi.Mode().Perm())
	}
	return nil
}

// adopt maps a valid existing state file read-write, so that publishing
// continues in the inode readers already have mapped.
func (w *Writer) adopt() error {
	f, err := openNoFollow(w.path, os.O_RDWR, 0)
	if isPermission(err) {
		// The file is 0444. Root opens it anyway; its owner, when not
		// root (tests, unprivileged daemons), must lift the mode for the
		// open and put it back.
		f, err = openOwnReadOnly(w.path)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isSymlink(w.path) {
			// The first Publish creates the file, or replaces a planted
			// link by rename without ever writing through it.
			return nil
		}
		return fmt.Errorf("state: open existing %s: %w", w.path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if uid, ok := ownerOf(fi); !fi.Mode().IsRegular() || fi.Size() != Size || (ok && uid != os.Geteuid()) {
		return nil // not ours or not a state file: replaced on first Publish
	}
	mem, err := mmapFile(f, true)
	if err != nil {
		return fmt.Errorf("state: mmap %s: %w", w.path, err)
	}
	h := loadHeader(mem)
	if h.checkMagicVersion() != nil {
		munmap(mem)
		return nil
	}
	f.Chmod(0o444)
	w.mem = mem
	// A writer that died mid-update left seq odd; its fields are each
	// either old or new, and the epoch word is one or the other whole.
	// The daemon compares the ID with the current one and advances if
	// they differ, so taking the record as it stands loses nothing.
	r, _, err := h.decode(false)
	if err == nil {
		w.last, w.hasLast = r, true
	}
	return nil
}

// isSymlink reports whether path itself is a symbolic link (an O_NOFOLLOW
// open of one fails with ELOOP, or EMLINK on some BSDs).
func isSymlink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}

// openOwnReadOnly opens a 0444 file this user owns for writing by
// lifting the owner's write bit for the duration of the open.
func openOwnReadOnly(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if uid, ok := ownerOf(fi); !ok || uid != os.Geteuid() || !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
	}
	if err := os.Chmod(path, 0o644); err != nil {
		return nil, err
	}
	f, err := openNoFollow(path, os.O_RDWR, 0)
	os.Chmod(path, 0o444)
	return f, err
}

// Path returns the state file's path.
func (w *Writer) Path() string { return w.path }

// Last returns the record the state file held when Create adopted it, or
// the last record published since, and whether there is one. A daemon
// continues from it after a restart.
func (w *Writer) Last() (Record, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last, w.hasLast
}

// Publish makes r the published record. The first Publish without an
// adopted file creates it atomically; later ones update it in place under
// the seqlock: seq becomes odd, the fields are stored, seq becomes even.
// r.Epoch must be valid (ValidEpoch) and r.Flags may hold only FlagIDKnown.
func (w *Writer) Publish(r Record) error {
	if !ValidEpoch(r.Epoch) {
		return fmt.Errorf("state: refusing to publish epoch %#x: an epoch is never 0 nor all ones", r.Epoch)
	}
	if r.Flags&^FlagIDKnown != 0 {
		return fmt.Errorf("state: refusing to publish flags %#x: only bit 0 (ID known) is defined", r.Flags)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lock == nil {
		return fmt.Errorf("state: publish to %s after Close", w.path)
	}
	if w.mem == nil {
		if err := w.createFile(r); err != nil {
			return err
		}
	} else {
		w.store(r)
	}
	w.last, w.hasLast = r, true
	return nil
}

// store updates the mapped page under the seqlock. Every word is stored
// atomically: readers load them atomically and compare seq before and
// after, so they either see the whole record or retry.
func (w *Writer) store(r Record) {
	seqp := wordAt(w.mem, OffSeq)
	s := fromLE(atomic.LoadUint64(seqp))
	if s&1 == 0 {
		s++
		atomic.StoreUint64(seqp, fromLE(s))
	}
	h := encode(r, 0)
	for i, v := range h {
		if i != wSeq {
			atomic.StoreUint64(wordAt(w.mem, 8*i), fromLE(v))
		}
	}
	atomic.StoreUint64(seqp, fromLE(s+1))
}

// createFile writes a complete page holding r to a temporary file in the
// same directory, syncs it, maps it and renames it over the path.
func (w *Writer) createFile(r Record) error {
	dir, base := filepath.Split(w.path)
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(dir, "."+base+".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := openNoFollow(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("state: create: %w", err)
	}
	ok := false
	defer func() {
		f.Close()
		if !ok {
			os.Remove(tmp)
		}
	}()
	h := encode(r, 0)
	steps := []struct {
		what string
		do   func() error
	}{
		{"chmod", func() error { return f.Chmod(0o444) }}, // the umask may have narrowed it
		{"write", func() error { _, err := f.WriteAt(h.page(), 0); return err }},
		{"fsync", f.Sync},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("state: %s %s: %w", s.what, tmp, err)
		}
	}
	mem, err := mmapFile(f, true)
	if err != nil {
		return fmt.Errorf("state: mmap %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, w.path); err != nil {
		munmap(mem)
		return fmt.Errorf("state: %w", err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the rename durable where the directory is on disk
		d.Close()
	}
	w.mem = mem
	return nil
}

// Close unmaps the file and releases the lock. The state file stays, so
// that readers keep the last epoch and the next daemon continues from it.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lock == nil {
		return nil
	}
	var errs []error
	if w.mem != nil {
		if err := munmap(w.mem); err != nil {
			errs = append(errs, fmt.Errorf("state: munmap %s: %w", w.path, err))
		}
		w.mem = nil
	}
	if err := w.lock.Close(); err != nil {
		errs = append(errs, fmt.Errorf("state: close lock: %w", err))
	}
	w.lock = nil
	return errors.Join(errs...)
}
