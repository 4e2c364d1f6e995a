//go:build !linux

package daemon

// kernelMixer does nothing: on NetBSD (acpivmgenid) and FreeBSD (vmgenc)
// the kernel's own driver mixes the new ID into the pool and reseeds when
// it sees the change, before any user-space daemon could.
type kernelMixer struct{}

// OSMixer returns the mixer for this operating system. Here the kernel's
// driver already does the work, so it does nothing.
func OSMixer() Mixer { return kernelMixer{} }

func (kernelMixer) Mix(b []byte) error { return nil }

func (kernelMixer) Reseed() error { return nil }
