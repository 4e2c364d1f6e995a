package daemon

import (
	"fmt"
	"net"
	"os"
)

// SystemdNotify sends a state string ("READY=1\nSTATUS=…") to the service
// manager's socket named by $NOTIFY_SOCKET, as sd_notify(3) does. Without
// the variable (not started by systemd with Type=notify) it does nothing.
func SystemdNotify(state string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil
	}
	if path[0] != '/' && path[0] != '@' {
		return fmt.Errorf("NOTIFY_SOCKET %q: want an absolute path or an abstract socket name", path)
	}
	// Go maps a leading '@' to the abstract namespace, as systemd means it.
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("notify systemd: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("notify systemd: %w", err)
	}
	return nil
}
