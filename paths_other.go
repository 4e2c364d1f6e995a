//go:build !netbsd && !freebsd

package vmgenid

// DefaultStatePath is where the daemon publishes the state file: /run, a
// tmpfs cleared at boot, as a state file must not outlive the boot it
// describes.
const DefaultStatePath = "/run/vmgenid/state"

// DefaultSocketPath is where the daemon serves change events.
const DefaultSocketPath = "/run/vmgenid/events.sock"
