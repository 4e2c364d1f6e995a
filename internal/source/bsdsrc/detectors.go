package bsdsrc

import (
	"fmt"
	"time"

	"github.com/vmgenid/vmgenid/internal/detect"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// Detectors returns the change detectors goos's kernel offers, for the
// daemon to run beside its ID poll:
//   - netbsd: an EpochDetector on kern.entropy.epoch, polled every
//     interval (the kernel advances it on every VM generation change);
//   - freebsd: a DevdDetector on devdSocket (DefaultDevdSocket), which
//     hears vmgenc(4)'s VMGenerationCounter notifications at once;
//   - anything else: none.
//
// Detectors that cannot work here are left out; notes says why, one line
// each, for the daemon's log.
func Detectors(goos string, r sysctl.Reader, interval time.Duration, devdSocket string) (dets []detect.Detector, notes []error) {
	switch goos {
	case "netbsd":
		d, err := NewEpochDetector(r, interval)
		if err != nil {
			return nil, []error{fmt.Errorf("not watching %s: %w", NetBSDEpochNode, err)}
		}
		return []detect.Detector{d}, nil
	case "freebsd":
		d, err := NewDevdDetector(devdSocket)
		if err != nil {
			return nil, []error{fmt.Errorf("not listening to devd (the ID poll still sees changes): %w", err)}
		}
		return []detect.Detector{d}, nil
	}
	return nil, nil
}
