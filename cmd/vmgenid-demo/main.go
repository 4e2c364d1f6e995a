// Command vmgenid-demo shows the VM generation ID at work in a real QEMU
// guest: it boots a guest with a vmgenid device and the vmgenid daemon, saves
// it while it runs, restores it into two clones with new generation IDs, and
// tells what each clone saw — its ID, its entropy epoch, clone-safe random
// numbers that differ, and plain math/rand numbers that repeat — with the
// measured delays. It needs QEMU (qemu-system-x86) and apt-get, and fetches
// a Debian kernel on first use (cached; see internal/guest.CacheDir).
//
// Usage: go run ./cmd/vmgenid-demo [-clones N] [-console]  (or: make demo)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmgenid/vmgenid/internal/clonestory"
	"github.com/vmgenid/vmgenid/internal/guest"
)

func main() {
	clones := flag.Int("clones", 2, "number of clones to restore")
	console := flag.Bool("console", false, "show the guests' serial consoles")
	keep := flag.Bool("keep", false, "keep the work directory (binaries, initramfs, saved VM)")
	flag.Parse()
	os.Exit(run(*clones, *console, *keep))
}

func run(clones int, showConsole, keep bool) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	work, err := os.MkdirTemp("", "vmgenid-demo-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmgenid-demo:", err)
		return 1
	}
	if keep {
		fmt.Printf("work directory: %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	var consoleLog io.Writer
	if showConsole {
		consoleLog = os.Stdout
	}
	fmt.Println("vmgenid demo: a QEMU guest with a VM generation ID, snapshotted and restored as clones.")
	res, err := clonestory.Run(ctx, clonestory.Options{
		Clones:   clones,
		WorkDir:  work,
		Progress: os.Stdout,
		Console:  consoleLog,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmgenid-demo:", err)
		if errors.Is(err, guest.ErrUnavailable) {
			fmt.Fprintln(os.Stderr, "vmgenid-demo: this machine cannot run the guest; \"make demo\" installs QEMU first (as root)")
		}
		return 1
	}
	res.Story(os.Stdout)
	if len(res.Check()) > 0 {
		return 1
	}
	return 0
}
