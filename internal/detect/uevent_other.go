//go:build !linux

package detect

import "context"

// UeventListener would listen for Linux's NEW_VMGENID uevent; other
// systems have none.
type UeventListener struct{}

// ListenUevents returns ErrUnsupported: only Linux sends uevents.
func ListenUevents() (*UeventListener, error) { return nil, ErrUnsupported }

// Name returns "uevent".
func (l *UeventListener) Name() string { return "uevent" }

// Close does nothing.
func (l *UeventListener) Close() error { return nil }

// Run returns ErrUnsupported.
func (l *UeventListener) Run(ctx context.Context, notify func(Signal)) error {
	return ErrUnsupported
}
