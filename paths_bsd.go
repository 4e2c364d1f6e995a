//go:build netbsd || freebsd

package vmgenid

// DefaultStatePath is where the daemon publishes the state file. The BSDs
// have no /run: their run-time state lives in /var/run, which they clear
// at boot.
const DefaultStatePath = "/var/run/vmgenid/state"

// DefaultSocketPath is where the daemon serves change events.
const DefaultSocketPath = "/var/run/vmgenid/events.sock"
