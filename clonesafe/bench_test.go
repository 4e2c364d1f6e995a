package clonesafe

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/vmgenid/vmgenid/internal/epochword"
	"github.com/vmgenid/vmgenid/internal/state"
)

// The benchmarks run against whatever epoch source the machine has: with
// the vmgenid daemon running that is the published epoch, without it the
// fallback tick; BenchmarkUint64Published always has a published epoch.
// Both cost the same two inlined loads per call (the pointer, the word).

var benchSink atomic.Uint64

func BenchmarkUint64(b *testing.B) {
	var sum uint64
	for b.Loop() {
		sum += Uint64()
	}
	benchSink.Add(sum)
}

func BenchmarkChaCha8Uint64(b *testing.B) {
	c := rand.NewChaCha8([32]byte{})
	var sum uint64
	for b.Loop() {
		sum += c.Uint64()
	}
	benchSink.Add(sum)
}

func BenchmarkCryptoRandUint64(b *testing.B) {
	var buf [8]byte
	var sum uint64
	for b.Loop() {
		crand.Read(buf[:])
		sum += binary.LittleEndian.Uint64(buf[:])
	}
	benchSink.Add(sum)
}

func BenchmarkSourceUint64(b *testing.B) {
	s := NewSource()
	var sum uint64
	for b.Loop() {
		sum += s.Uint64()
	}
	benchSink.Add(sum)
}

func BenchmarkRead32(b *testing.B) {
	var buf [32]byte
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		Read(buf[:])
	}
}

func BenchmarkCryptoRandRead32(b *testing.B) {
	var buf [32]byte
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		crand.Read(buf[:])
	}
}

func BenchmarkUUIDv4(b *testing.B) {
	var last uuid.UUID
	for b.Loop() {
		last = UUIDv4()
	}
	benchSink.Add(uint64(last[0]))
}

func BenchmarkUUIDv7(b *testing.B) {
	var last uuid.UUID
	for b.Loop() {
		last = UUIDv7()
	}
	benchSink.Add(uint64(last[15]))
}

func BenchmarkGoogleUUIDNewRandom(b *testing.B) {
	var last uuid.UUID
	for b.Loop() {
		u, err := uuid.NewRandom()
		if err != nil {
			b.Fatal(err)
		}
		last = u
	}
	benchSink.Add(uint64(last[0]))
}

func BenchmarkUint64Parallel(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		var sum uint64
		for pb.Next() {
			sum += Uint64()
		}
		benchSink.Add(sum)
	})
}

func BenchmarkRuntimeUint64Parallel(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		var sum uint64
		for pb.Next() {
			sum += rand.Uint64()
		}
		benchSink.Add(sum)
	})
}

// BenchmarkRuntimeUint64 is BenchmarkUint64's baseline, the runtime's
// math/rand/v2 Uint64 (per-P ChaCha8, not clone-safe): the target is at
// most 1.3 times its time per call, compared within one run.
func BenchmarkRuntimeUint64(b *testing.B) {
	var sum uint64
	for b.Loop() {
		sum += rand.Uint64()
	}
	benchSink.Add(sum)
}

// BenchmarkUint64Published runs Uint64 with a published epoch: a real state
// file, written by internal/state's Writer and mapped read-only, its epoch
// word pointed at as the root package does once it maps the daemon's
// file. It is what a process with the daemon running pays.
func BenchmarkUint64Published(b *testing.B) {
	fakeEpoch(b, 1)
	path := filepath.Join(b.TempDir(), "state")
	w, err := state.Create(path, state.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	if err := w.Publish(state.Record{Epoch: 1}); err != nil {
		b.Fatal(err)
	}
	m, err := state.Map(path)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	atomic.StorePointer(epochword.Slot(), m.EpochWord())
	var sum uint64
	for b.Loop() {
		sum += Uint64()
	}
	benchSink.Add(sum)
}
