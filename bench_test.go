package vmgenid

import "testing"

// epochSink keeps the compiler from dropping the loads.
var epochSink uint64

// BenchmarkEpoch measures the package-level Epoch with a published state
// file: after the first call, two inlined loads.
func BenchmarkEpoch(b *testing.B) { benchEpoch(b) }

func benchEpoch(b *testing.B) {
	path, _ := useTempPaths(b)
	publish(b, newWriter(b, path), 1)
	if Epoch() != 1 {
		b.Fatal("state file not mapped")
	}
	var s uint64
	for b.Loop() {
		s += Epoch()
	}
	epochSink = s
}

// BenchmarkPublishedEpoch measures Epoch on a state file opened by path.
func BenchmarkPublishedEpoch(b *testing.B) {
	path, _ := useTempPaths(b)
	publish(b, newWriter(b, path), 1)
	p, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	var s uint64
	for b.Loop() {
		s += p.Epoch()
	}
	epochSink = s
}

// BenchmarkCurrent measures a consistent read of the whole record.
func BenchmarkCurrent(b *testing.B) {
	path, _ := useTempPaths(b)
	publish(b, newWriter(b, path), 1)
	for b.Loop() {
		if _, err := Current(); err != nil {
			b.Fatal(err)
		}
	}
}
