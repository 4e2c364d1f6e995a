//go:build !linux

// Command vmgenid-guestinit is the /init of the Linux end-to-end test guest
// (see internal/guest); it only runs inside that guest.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "vmgenid-guestinit: this is the /init of the Linux test guest; it does not run on this system")
	os.Exit(1)
}
