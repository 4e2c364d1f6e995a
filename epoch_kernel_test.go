package vmgenid

import (
	"encoding/binary"
	"runtime"
	"testing"
	"time"
)

func TestKernelEpochValue(t *testing.T) {
	u32 := func(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
	u64 := func(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }
	tests := []struct {
		name string
		b    []byte
		want uint64
	}{
		{"u_int", u32(7), kernelEpochBit | 7},
		{"first epoch", u32(1), kernelEpochBit | 1},
		{"highest u_int epoch", u32(0xfffffffe), kernelEpochBit | 0xfffffffe},
		{"u_int not ready (all ones)", u32(0xffffffff), 0},
		{"quad", u64(9), kernelEpochBit | 9},
		{"quad not ready (all ones)", u64(^uint64(0)), 0},
		{"wrong size", []byte{1, 0, 0}, 0},
		{"empty", nil, 0},
	}
	for _, tt := range tests {
		if got := kernelEpochValue(tt.b); got != tt.want {
			t.Errorf("%s: %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

// Without a state file Epoch returns the kernel's epoch (NetBSD); once a
// daemon publishes, its epoch, which the kernel's never equals.
func TestEpochFallsBackToKernel(t *testing.T) {
	if runtime.GOOS != "netbsd" && osEpoch() != 0 {
		t.Errorf("osEpoch() = %d on %s, want 0", osEpoch(), runtime.GOOS)
	}
	path, _ := useTempPaths(t)
	kernel := uint64(kernelEpochBit | 1)
	old := noStateEpoch
	noStateEpoch = func() uint64 { return kernel }
	t.Cleanup(func() { noStateEpoch = old })
	if e := Epoch(); e != kernel {
		t.Fatalf("Epoch without a state file = %#x, want the kernel's %#x", e, kernel)
	}
	kernel++
	if e := Epoch(); e != kernel {
		t.Fatalf("Epoch = %#x after the kernel advanced, want %#x", e, kernel)
	}
	publish(t, newWriter(t, path), 1)
	deadline := time.Now().Add(10 * time.Second)
	for Epoch() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("Epoch = %#x, want the published 1", Epoch())
		}
		time.Sleep(10 * time.Millisecond)
	}
	kernel++
	if e := Epoch(); e != 1 {
		t.Errorf("Epoch = %#x with a state file, want the published 1", e)
	}
}
