// Package e2e holds the end-to-end tests: a real guest with a VM generation
// ID device, the vmgenid daemon and clonesafe inside it, saved while running
// and restored into two clones with new generation IDs, on QEMU
// (TestClones) and on libvirt (TestLibvirtClones). The scenario itself is
// internal/clonestory's, shared with the demo.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/internal/clonestory"
	"github.com/vmgenid/vmgenid/internal/guest"
)

// lineLog sends whole lines to t.Log.
type lineLog struct {
	t  *testing.T
	mu sync.Mutex
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestClones boots the guest, saves it, restores two clones with new
// generation IDs and checks what each clone saw (clonestory.Result.Check).
// It skips only where the guest cannot run at all (no QEMU, no Debian
// kernel package) and never when CI=true.
func TestClones(t *testing.T) {
	ci := os.Getenv("CI") == "true"
	if testing.Short() && !ci {
		t.Skip("skipping the QEMU end-to-end test in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	t.Cleanup(cancel) // ends every QEMU the scenario started, also when the test fails

	res := runStory(t, ctx, ci, nil, t.TempDir())
	for _, line := range res.Delays() {
		fmt.Println("e2e delays:", line)
	}
}

// runStory runs the clone story on h (nil: QEMU) in work, logs it and fails
// t on every failed check; it skips where the guest cannot run, unless ci.
func runStory(t *testing.T, ctx context.Context, ci bool, h clonestory.Host, work string) *clonestory.Result {
	t.Helper()
	// Console output goes to a file (shown when the test fails), progress to the test log.
	consolePath := filepath.Join(work, "console.log")
	console, err := os.Create(consolePath)
	if err != nil {
		t.Fatal(err)
	}
	defer console.Close()
	res, err := clonestory.Run(ctx, clonestory.Options{
		Host:     h,
		WorkDir:  work,
		Progress: &lineLog{t: t},
		Console:  console,
	})
	if err != nil {
		if errors.Is(err, guest.ErrUnavailable) && !ci {
			t.Skipf("skipping: %v (set CI=true to make this a failure)", err)
		}
		showConsole(t, consolePath)
		t.Fatal(err)
	}
	var story strings.Builder
	res.Story(&story)
	t.Log(story.String())
	errs := res.Check()
	for _, err := range errs {
		t.Error(err)
	}
	if len(errs) > 0 {
		showConsole(t, consolePath)
	}
	return res
}

func showConsole(t *testing.T, path string) {
	t.Helper()
	if data, err := os.ReadFile(path); err == nil {
		t.Logf("guest consoles:\n%s", data)
	}
}
