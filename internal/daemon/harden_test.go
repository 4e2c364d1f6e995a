package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/vmgenid/vmgenid/internal/safefs"
)

// TestForksFileNotFollowed (issue 11 items 8 and 5): the forks note is
// read like every file of the state directory: a link (here to a file
// only root may read) is not followed, a FIFO is not waited on, a huge
// file is not read whole.
func TestForksFileNotFollowed(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte(`{"epoch":1,"kernel_forks":7}`), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.forks")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.forks")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.forks")
	if err := os.WriteFile(huge, make([]byte, maxForksFile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{link, fifo} {
		var nr *safefs.NotRegularError
		if r, ok, err := readForks(path); ok || !errors.As(err, &nr) {
			t.Errorf("readForks(%s) = %+v, %v, %v; want a not-a-regular-file error", filepath.Base(path), r, ok, err)
		}
	}
	var tb *safefs.TooBigError
	if _, ok, err := readForks(huge); ok || !errors.As(err, &tb) {
		t.Errorf("readForks(huge) = %v, %v; want a too-big error", ok, err)
	}
}
