package detect

import (
	"os"
	"path/filepath"
	"testing"
)

// The driver counts as bound only with a device link in its directory,
// not with its own control files.
func TestDriverBound(t *testing.T) {
	dir := t.TempDir()
	platform := filepath.Join(dir, "platform")
	acpi := filepath.Join(dir, "acpi")
	for _, d := range []string{platform, acpi} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"bind", "unbind", "uevent"} {
			os.WriteFile(filepath.Join(d, f), nil, 0o200)
		}
	}
	dirs := []string{platform, acpi, filepath.Join(dir, "missing")}
	if ok, why := driverBound(dirs); ok {
		t.Errorf("bound with no device: %s", why)
	}
	if err := os.Symlink("../../devices/QEMUVGID:00", filepath.Join(acpi, "QEMUVGID:00")); err != nil {
		t.Fatal(err)
	}
	if ok, why := driverBound(dirs); !ok {
		t.Errorf("not bound with a device link: %s", why)
	}
}
