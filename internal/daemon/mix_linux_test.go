package daemon

import (
	"io"
	"testing"
)

// BenchmarkOSMixer times what the daemon does before each publish when
// the ID is read, Mix then Reseed, with the device kept open as the mixer
// does, against a mixer opened for each change (as each call opened the
// device before), in one run. Without CAP_SYS_ADMIN Reseed fails at the
// ioctl; the times still compare.
func BenchmarkOSMixer(b *testing.B) {
	id := testID(7)
	b.Run("kept-open", func(b *testing.B) {
		m := OSMixer()
		defer m.(io.Closer).Close()
		for range b.N {
			m.Mix(id[:])
			m.Reseed()
		}
	})
	b.Run("opened-per-change", func(b *testing.B) {
		for range b.N {
			m := OSMixer()
			m.Mix(id[:])
			m.Reseed()
			m.(io.Closer).Close()
		}
	})
}
