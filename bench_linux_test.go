package vmgenid

import (
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkCheck is the README's comparison, in one run: what a program
// pays to ask "did the VM change?" with the published epoch, against the
// cheapest system call (getpid), the call a program would make for a
// boot-wide value (sysinfo), and reading a /proc file (boot_id, the
// per-boot ID Linux publishes):
//
//	go test -run '^$' -bench Check -count 6 .
func BenchmarkCheck(b *testing.B) {
	b.Run("Epoch", benchEpoch)
	b.Run("getpid", func(b *testing.B) {
		var s uint64
		for b.Loop() {
			s += uint64(syscall.Getpid())
		}
		epochSink = s
	})
	b.Run("sysinfo", func(b *testing.B) {
		var info unix.Sysinfo_t
		var s uint64
		for b.Loop() {
			if err := unix.Sysinfo(&info); err != nil {
				b.Fatal(err)
			}
			s += uint64(info.Uptime)
		}
		epochSink = s
	})
	b.Run("proc-read", func(b *testing.B) {
		const path = "/proc/sys/kernel/random/boot_id"
		if _, err := os.Stat(path); err != nil {
			b.Skipf("no %s: %v", path, err)
		}
		var s uint64
		for b.Loop() {
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			s += uint64(data[0])
		}
		epochSink = s
	})
}
