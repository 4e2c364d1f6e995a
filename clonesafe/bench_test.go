package clonesafe

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
)

// The benchmarks run against whatever epoch source the machine has: with
// the vmgenid daemon running that is the published epoch, without it the
// fallback tick. Both cost one atomic load per call.

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

// BenchmarkUint64Published runs Uint64 with a published epoch, supplied by
// the test hook (an indirect call where the real source is two inlined
// loads), so it is an upper bound for a process with the daemon running.
func BenchmarkUint64Published(b *testing.B) {
	fakeEpoch(b, 1)
	var sum uint64
	for b.Loop() {
		sum += Uint64()
	}
	benchSink.Add(sum)
}
