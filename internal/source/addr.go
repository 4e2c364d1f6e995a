package source

import (
	"errors"
	"fmt"

	"github.com/vmgenid/vmgenid/genid"
)

// ErrNoAddr is the AddrErr of a device whose address is 0.
var ErrNoAddr = errors.New("physical address is 0")

// AddrWarning is an AddrErr that does not stop the ID from being read: the
// address is usable but not what the specification asks for.
type AddrWarning struct {
	PAddr  uint64
	Reason string
}

// Error says which rule the address breaks.
func (w *AddrWarning) Error() string {
	return fmt.Sprintf("paddr %#x %s", w.PAddr, w.Reason)
}

// CheckAddr returns nil if the 16 ID bytes at paddr are 8-byte aligned and
// within one 4 KiB page, an *AddrWarning saying which rule is broken
// otherwise (the ID can still be read), and ErrNoAddr for 0.
func CheckAddr(paddr uint64) error {
	if paddr == 0 {
		return ErrNoAddr
	}
	if paddr > ^uint64(0)-genid.Size+1 {
		return fmt.Errorf("paddr %#x: the 16 bytes would run past the end of the address space", paddr)
	}
	var reasons []string
	if paddr%8 != 0 {
		reasons = append(reasons, "is not 8-byte aligned")
	}
	if paddr/4096 != (paddr+genid.Size-1)/4096 {
		reasons = append(reasons, "crosses a 4 KiB page boundary")
	}
	switch len(reasons) {
	case 0:
		return nil
	case 1:
		return &AddrWarning{PAddr: paddr, Reason: reasons[0]}
	default:
		return &AddrWarning{PAddr: paddr, Reason: reasons[0] + " and " + reasons[1]}
	}
}

// Readable reports whether a device's address can be used to read the ID:
// it is set and its AddrErr, if any, is only a warning.
func (d Device) Readable() error {
	if d.AddrErr != nil {
		var w *AddrWarning
		if !errors.As(d.AddrErr, &w) {
			return d.AddrErr
		}
	}
	if d.PAddr == 0 {
		return ErrNoAddr
	}
	return nil
}
