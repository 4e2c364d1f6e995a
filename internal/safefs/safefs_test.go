//go:build unix

package safefs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

const otherUID = 54321 // an unused user ID, for files "another user" owns

func TestMakeDir(t *testing.T) {
	base := t.TempDir()
	old := syscall.Umask(0o077)
	dir := filepath.Join(base, "a", "b")
	note, err := MakeDir(dir, 0o755)
	syscall.Umask(old)
	if err != nil || note != "" {
		t.Fatalf("MakeDir(new) = %q, %v", note, err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o755 {
		t.Errorf("created with mode %v under umask 077, want 0755", fi.Mode().Perm())
	}

	for _, mode := range []fs.FileMode{0o777, 0o775, 0o757, 0o777 | fs.ModeSticky, 0o733 | fs.ModeSticky} {
		d := filepath.Join(t.TempDir(), "d")
		os.Mkdir(d, 0o700)
		os.Chmod(d, mode)
		var ue *UnsafeDirError
		if _, err := MakeDir(d, 0o755); !errors.As(err, &ue) || !strings.Contains(err.Error(), "writable by other users") {
			t.Errorf("mode %v: %v, want refused as writable by others", mode, err)
		}
	}

	// Ours but closed to readers: opened up, and said.
	closed := filepath.Join(t.TempDir(), "closed")
	os.Mkdir(closed, 0o700)
	note, err = MakeDir(closed, 0o755)
	if err != nil || !strings.Contains(note, "readers cannot enter") {
		t.Errorf("MakeDir(0700 dir) = %q, %v", note, err)
	}
	if fi, _ := os.Stat(closed); fi.Mode().Perm() != 0o755 {
		t.Errorf("mode after repair %v, want 0755", fi.Mode().Perm())
	}

	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(base, link)
	if _, err := MakeDir(link, 0o755); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("MakeDir(symlink) = %v", err)
	}
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := MakeDir(file, 0o755); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("MakeDir(file) = %v", err)
	}
	if _, err := MakeDir("", 0o755); err == nil {
		t.Error("MakeDir(\"\") succeeded")
	}

	if os.Geteuid() != 0 {
		return // chown needs root
	}
	theirs := filepath.Join(t.TempDir(), "theirs")
	os.Mkdir(theirs, 0o755)
	if err := os.Chown(theirs, otherUID, otherUID); err != nil {
		t.Fatal(err)
	}
	var ue *UnsafeDirError
	if err := CheckDir(theirs); !errors.As(err, &ue) || !strings.Contains(err.Error(), "owned by another user") {
		t.Errorf("CheckDir(another user's 0755 dir) = %v", err)
	}
}

func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "reg")
	os.WriteFile(reg, []byte("x"), 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(reg, link)
	f, err := OpenRegular(reg, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for path, what := range map[string]string{fifo: "a FIFO", link: "a symbolic link", dir: "a directory"} {
		var nr *NotRegularError
		if _, err := OpenRegular(path, os.O_RDONLY, 0); !errors.As(err, &nr) || !strings.Contains(err.Error(), what) {
			t.Errorf("OpenRegular(%s) = %v, want %s refused", filepath.Base(path), err, what)
		}
	}
	// A reader follows links (an administrator's) but not into a FIFO.
	if f, err := OpenReader(link); err != nil {
		t.Errorf("OpenReader(link to a file) = %v", err)
	} else {
		f.Close()
	}
	var nr *NotRegularError
	if _, err := OpenReader(fifo); !errors.As(err, &nr) {
		t.Errorf("OpenReader(FIFO) = %v", err)
	}
}

func TestReadFileBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, make([]byte, 11), 0o644)
	if b, err := ReadFile(path, 11); err != nil || len(b) != 11 {
		t.Errorf("ReadFile(11 bytes, max 11) = %d bytes, %v", len(b), err)
	}
	var tb *TooBigError
	if _, err := ReadFile(path, 10); !errors.As(err, &tb) || tb.Size != 11 {
		t.Errorf("ReadFile(11 bytes, max 10) = %v", err)
	}
}

func TestWriteFileAndRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "note")
	if err := WriteFile(path, []byte("v1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "v1\n" {
		t.Errorf("content %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	// What a crash leaves, and what is not ours to remove.
	f, err := CreateTemp(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	stale := f.Name()
	keep := []string{".note.tmp-short", ".other.tmp-0123456789ab", "note.tmp-0123456789ab"}
	for _, n := range keep {
		os.WriteFile(filepath.Join(dir, n), nil, 0o600)
	}
	theirs := filepath.Join(dir, ".note.tmp-abcdefabcdef")
	os.WriteFile(theirs, nil, 0o600)
	if os.Geteuid() == 0 {
		os.Chown(theirs, otherUID, otherUID)
		keep = append(keep, filepath.Base(theirs))
	}
	removed, err := RemoveTemps(path)
	if err != nil || !slices.Contains(removed, stale) {
		t.Errorf("RemoveTemps = %v, %v; want %s among them", removed, err, stale)
	}
	for _, n := range keep {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed: %v", n, err)
		}
	}
}
