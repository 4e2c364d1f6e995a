package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmgenid/vmgenid/host/libvirt"
	"github.com/vmgenid/vmgenid/internal/clonestory"
)

// TestLibvirtClones runs the clone story on libvirt, an engine nobody here
// wrote, through the vmgenid-host commands (host id, save, clone, revert):
// a tiny domain (the Debian kernel and the guest init of TestClones,
// type='qemu', <genid/>) boots with the vmgenid daemon inside; its ID as
// libvirt reports it must be the guest's; a libvirt save restored into two
// clones must give each the ID "host clone" printed for it and advance its epoch
// exactly once, clonesafe differing between them and a plain ChaCha8
// identical; suspend and resume of one clone must not advance the epoch and
// a revert to an internal snapshot must advance it once more. It starts
// libvirt when none runs (as root) and leaves no domain, file or daemon
// behind. It skips only where libvirt cannot be had, and never when CI=true.
func TestLibvirtClones(t *testing.T) {
	ci := os.Getenv("CI") == "true"
	if testing.Short() && !ci {
		t.Skip("skipping the libvirt end-to-end test in -short mode")
	}
	began := time.Now()
	// Generous: building the guest binaries alone took minutes on a busy
	// 2-core machine.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	t.Cleanup(cancel)
	conn := startLibvirt(t, ctx, ci)
	t.Cleanup(func() { conn.Close() })

	work := t.TempDir()
	name := fmt.Sprintf("vmgenid-e2e-%d", os.Getpid())
	t.Cleanup(func() { checkNothingLeft(t, name, work) })
	// The host side goes through the vmgenid-host command, as users run it.
	bin := filepath.Join(work, "vmgenid-host")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/vmgenid-host")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/vmgenid-host: %v\n%s", err, out)
	}
	res := runStory(t, ctx, ci, clonestory.LibvirtCommand(conn, name, bin), work)
	fmt.Printf("libvirt e2e figures: save %v (%d MB); guest ready %v after create;", res.SaveTime.Round(time.Millisecond), res.SaveBytes/1e6, res.Boot.Ready.Round(time.Millisecond))
	for _, c := range res.Clones {
		fmt.Printf(" clone %s restore %v, resume → epoch seen %v, fork line → epoch published %v;", c.Name,
			c.Restore.Round(time.Millisecond), c.ResumeToObserve.Round(time.Millisecond), c.ForkToPublish.Round(time.Microsecond))
	}
	if r := res.Revert; r != nil {
		fmt.Printf(" snapshot %v, revert %v, revert → epoch seen %v;", r.SnapshotTime.Round(time.Millisecond), r.RevertTime.Round(time.Millisecond), r.RevertToObserve.Round(time.Millisecond))
	}
	fmt.Printf(" story %v; whole test so far %v\n", res.Total.Round(100*time.Millisecond), time.Since(began).Round(100*time.Millisecond))
	if res.Revert == nil {
		t.Error("the story on libvirt did no snapshot revert")
	}
}

// checkNothingLeft fails the test if a domain of the story is still defined
// or running, or a clone's overlay or console file is left in work.
func checkNothingLeft(t *testing.T, name, work string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := libvirt.Dial(ctx, libvirt.DefaultURI)
	if err != nil {
		return // the daemon is gone: so are its domains
	}
	defer c.Close()
	for _, n := range []string{name, name + "-1", name + "-2"} {
		d, err := c.Domain(ctx, n)
		if err == nil {
			t.Errorf("domain %s left behind", n)
			d.Destroy(ctx)
		}
	}
	left, _ := filepath.Glob(filepath.Join(work, name+"-*"))
	for _, f := range left {
		t.Errorf("clone file %s left behind", f)
	}
}
