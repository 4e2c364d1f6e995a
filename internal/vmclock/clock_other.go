//go:build !linux

package vmclock

import "fmt"

func findDevices() ([]string, error) { return nil, ErrUnsupportedOS }

func openDevice(path string) (*Clock, error) {
	return nil, fmt.Errorf("vmclock: %s: %w", path, ErrUnsupportedOS)
}
