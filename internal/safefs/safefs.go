// Package safefs keeps the daemon's files safe from other local users: the
// directories it publishes in (state, lock, forks note, events socket) and
// the small files it reads and writes there.
//
// One rule for directories: the daemon uses a directory only if nobody but
// its own user (or root) owns it or can write to it. A directory others can
// write to is refused even with the sticky bit (1777, like /tmp): the
// sticky bit stops others from deleting the daemon's names, not from
// taking a name first, so another user could bind the socket name, plant
// the lock file or a link before the daemon does.
//
// One rule for files: opened without following a symbolic link in the last
// element and without blocking (a FIFO planted in place of a file would
// hang the open), accepted only if they are regular files, read up to a
// bound, and replaced atomically through a temporary file whose name
// RemoveTemps recognises after a crash.
//
// The state and events packages call it; the daemon's forks note uses
// ReadFile and WriteFile, and the test guest's kernel cache MakeDir. It
// knows nothing of what the files hold.
package safefs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// UnsafeDirError is the error for a directory that other users could write
// to or that is not the caller's (or root's).
type UnsafeDirError struct {
	Dir  string
	Mode fs.FileMode
	// Owner is the directory's owner's user ID (-1 if unknown).
	Owner int
	// Why says what is wrong, e.g. "writable by other users".
	Why string
}

// Error names the directory, its mode and what is wrong with it.
func (e *UnsafeDirError) Error() string {
	return fmt.Sprintf("directory %s is %s (mode %v, owner uid %d): refusing to use it, another user could plant or take names in it",
		e.Dir, e.Why, e.Mode, e.Owner)
}

// MakeDir creates dir with mode perm (exactly, whatever the umask) if it
// is missing, then checks it with CheckDir. An existing directory of the
// caller's that lacks read or search bits perm asks for (say 0700 where
// readers need 0755) is opened up to perm's bits; repaired then says
// what was done, for the caller to log. Only read and search bits are ever
// added, never write bits.
func MakeDir(dir string, perm fs.FileMode) (repaired string, err error) {
	if dir == "" {
		return "", errors.New("empty directory name")
	}
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, perm); err != nil {
			return "", fmt.Errorf("create directory: %w", err)
		}
		// MkdirAll's mode is filtered by the umask.
		if err := os.Chmod(dir, perm); err != nil {
			return "", fmt.Errorf("chmod directory: %w", err)
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return "", fmt.Errorf("directory: %w", err)
	}
	if err := check(dir, fi); err != nil {
		return "", err
	}
	missing := perm.Perm() &^ 0o222 &^ fi.Mode().Perm()
	if missing == 0 {
		return "", nil
	}
	if owner(fi) != os.Geteuid() {
		return "", nil // not ours to change; readers may still have their way in
	}
	mode := fi.Mode().Perm() | missing
	if err := os.Chmod(dir, mode); err != nil {
		return "", fmt.Errorf("chmod directory: %w", err)
	}
	return fmt.Sprintf("directory %s was mode %v, which readers cannot enter: now %v", dir, fi.Mode().Perm(), mode), nil
}

// CheckDir returns an *UnsafeDirError unless dir is a directory owned by
// the caller's effective user or by root that no other user can write to.
// dir itself must not be a symbolic link (its parents may be, as /var/run
// often is): a link another user planted could lead anywhere.
func CheckDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	return check(dir, fi)
}

func check(dir string, fi fs.FileInfo) error {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link, not a directory", dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	uid := owner(fi)
	switch {
	case fi.Mode().Perm()&0o022 != 0:
		why := "writable by other users"
		if fi.Mode()&fs.ModeSticky != 0 {
			why = "writable by other users (sticky or not)"
		}
		return &UnsafeDirError{Dir: dir, Mode: fi.Mode(), Owner: uid, Why: why}
	case uid != 0 && uid != os.Geteuid():
		return &UnsafeDirError{Dir: dir, Mode: fi.Mode(), Owner: uid, Why: fmt.Sprintf("owned by another user (uid %d)", uid)}
	}
	return nil
}

// NotRegularError is the error for a path that exists but is not a regular
// file (a FIFO, a device, a directory, a symbolic link).
type NotRegularError struct {
	Path string
	Type fs.FileMode
}

// Error names the path and what it is.
func (e *NotRegularError) Error() string {
	what := e.Type.String()
	switch {
	case e.Type&fs.ModeSymlink != 0:
		what = "a symbolic link"
	case e.Type&fs.ModeNamedPipe != 0:
		what = "a FIFO"
	case e.Type&fs.ModeDir != 0:
		what = "a directory"
	case e.Type&fs.ModeDevice != 0:
		what = "a device"
	case e.Type&fs.ModeSocket != 0:
		what = "a socket"
	}
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, what)
}

// OpenRegular opens path with flag (os.O_RDONLY, os.O_RDWR|os.O_CREATE, …)
// without following a symbolic link in its last element and without
// blocking, and returns an error wrapping a *NotRegularError unless it is a
// regular file. A planted link, FIFO or device is never opened for I/O.
func OpenRegular(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|oNoFollow|oNonBlock|oCloexec, perm)
	if err != nil {
		if isLoop(err) {
			return nil, &NotRegularError{Path: path, Type: fs.ModeSymlink}
		}
		return nil, err
	}
	if err := mustBeRegular(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// OpenReader opens path for reading as a reader of the daemon's files
// does: following links (an administrator's, or /var/run to /run) but
// without blocking, and only if it is a regular file, so that a FIFO
// planted at the path cannot hang the reader.
func OpenReader(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|oNonBlock|oCloexec, 0)
	if err != nil {
		return nil, err
	}
	if err := mustBeRegular(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// mustBeRegular returns a *NotRegularError unless f is a regular file.
func mustBeRegular(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &NotRegularError{Path: f.Name(), Type: fi.Mode().Type()}
	}
	return nil
}

// TooBigError is the error for a file larger than the reader accepts.
type TooBigError struct {
	Path      string
	Size, Max int64
}

// Error names the file, its size and the bound.
func (e *TooBigError) Error() string {
	return fmt.Sprintf("%s is %d bytes, more than the %d expected", e.Path, e.Size, e.Max)
}

// ReadFile reads a regular file of at most max bytes, opened as
// OpenRegular does.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := OpenRegular(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		fi, _ := f.Stat()
		size := int64(len(b))
		if fi != nil {
			size = fi.Size()
		}
		return nil, &TooBigError{Path: path, Size: size, Max: max}
	}
	return b, nil
}

// tempMark separates a file's name from the random part of its temporary
// files' names: ".NAME.tmp-" and 12 hex digits.
const tempMark = ".tmp-"

// CreateTemp creates a new temporary file, mode perm whatever the umask,
// for replacing path by rename: in path's directory, named after path so
// that RemoveTemps(path) finds it after a crash.
func CreateTemp(path string, perm fs.FileMode) (*os.File, error) {
	dir, base := filepath.Split(path)
	for range 8 {
		var rnd [6]byte
		rand.Read(rnd[:])
		tmp := filepath.Join(dir, "."+base+tempMark+hex.EncodeToString(rnd[:]))
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL|oNoFollow|oCloexec, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := f.Chmod(perm); err != nil {
			f.Close()
			os.Remove(tmp)
			return nil, err
		}
		return f, nil
	}
	return nil, fmt.Errorf("create a temporary file for %s: names taken", path)
}

// WriteFile replaces path with a regular file holding data, mode perm: a
// temporary file is written, synced and renamed over path, so that a
// crash leaves the old content or the new one (and perhaps a temporary
// file that RemoveTemps removes).
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	f, err := CreateTemp(path, perm)
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// RemoveTemps removes the temporary files CreateTemp made for path that a
// crash left behind: only names of that exact pattern, only regular files
// owned by the caller, only in path's directory. The caller must be the
// only writer of path (hold its lock), or it would remove a temporary file
// being written. It returns the names removed.
func RemoveTemps(path string) ([]string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	prefix := "." + base + tempMark
	var removed []string
	var errs []error
	for _, e := range ents {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || len(rest) != 12 || strings.Trim(rest, "0123456789abcdef") != "" || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil || owner(fi) != os.Geteuid() {
			continue
		}
		full := filepath.Join(dir, name)
		if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, full)
	}
	return removed, errors.Join(errs...)
}
