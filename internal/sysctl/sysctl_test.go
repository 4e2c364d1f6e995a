package sysctl

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestDecodeUint(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    uint64
		wantErr bool
	}{
		{"int", binary.NativeEndian.AppendUint32(nil, 7), 7, false},
		{"int max", binary.NativeEndian.AppendUint32(nil, 0xffffffff), 0xffffffff, false},
		{"quad", binary.NativeEndian.AppendUint64(nil, 0x0ffff028), 0x0ffff028, false},
		{"quad high", binary.NativeEndian.AppendUint64(nil, 1<<63|5), 1<<63 | 5, false},
		{"empty", nil, 0, true},
		{"short", []byte{1, 2}, 0, true},
		{"odd", []byte{1, 2, 3, 4, 5}, 0, true},
		{"long", make([]byte, 16), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeUint(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrSize) {
					t.Fatalf("DecodeUint(%x) = %d, %v; want ErrSize", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("DecodeUint(%x) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	m := NewMap(map[string][]byte{
		"kern.entropy.epoch":    binary.NativeEndian.AppendUint32(nil, 42),
		"hw.acpivmgenid0.paddr": binary.NativeEndian.AppendUint64(nil, 0x0ffff028),
		"hw.acpivmgenid0.id":    make([]byte, 16),
		"kern.ostype":           []byte("NetBSD\x00"),
		"bad.size":              {1, 2, 3},
	})
	if v, err := Uint(m, "kern.entropy.epoch"); err != nil || v != 42 {
		t.Errorf("Uint(epoch) = %d, %v", v, err)
	}
	if v, err := Uint(m, "hw.acpivmgenid0.paddr"); err != nil || v != 0x0ffff028 {
		t.Errorf("Uint(paddr) = %#x, %v", v, err)
	}
	if _, err := Uint(m, "bad.size"); !errors.Is(err, ErrSize) || !strings.Contains(err.Error(), "bad.size") {
		t.Errorf("Uint(bad.size) error = %v; want ErrSize naming the node", err)
	}
	if _, err := Uint(m, "no.such"); !IsNotExist(err) {
		t.Errorf("Uint(no.such) error = %v; want not-exist", err)
	}
	if b, err := Fixed(m, "hw.acpivmgenid0.id", 16); err != nil || len(b) != 16 {
		t.Errorf("Fixed(id, 16) = %x, %v", b, err)
	}
	if _, err := Fixed(m, "hw.acpivmgenid0.id", 8); !errors.Is(err, ErrSize) {
		t.Errorf("Fixed(id, 8) error = %v; want ErrSize", err)
	}
	if _, err := Fixed(m, "gone", 16); !IsNotExist(err) {
		t.Errorf("Fixed(gone) error = %v; want not-exist", err)
	}
	if s, err := String(m, "kern.ostype"); err != nil || s != "NetBSD" {
		t.Errorf("String(ostype) = %q, %v", s, err)
	}
	if _, err := String(m, "gone"); !IsNotExist(err) {
		t.Errorf("String(gone) error = %v; want not-exist", err)
	}
}

func TestMap(t *testing.T) {
	m := NewMap(nil)
	m.SetUint64("hw.acpivmgenid0.paddr", 1)
	m.Set("hw.acpivmgenid0.id", make([]byte, 16))
	m.SetUint64("hw.acpivmgenid1.paddr", 2)
	m.SetUint32("hw.ncpu", 2)

	kids, err := m.Children("hw")
	if err != nil || !slices.Equal(kids, []string{"acpivmgenid0", "acpivmgenid1", "ncpu"}) {
		t.Errorf("Children(hw) = %q, %v", kids, err)
	}
	if _, err := m.Children("hw.ncpu"); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("Children(leaf) error = %v; want ENOTDIR", err)
	}
	if _, err := m.Children("kern"); !IsNotExist(err) {
		t.Errorf("Children(missing) error = %v; want not-exist", err)
	}
	if _, err := m.Raw("hw.acpivmgenid0"); !errors.Is(err, syscall.EISDIR) {
		t.Errorf("Raw(node) error = %v; want EISDIR", err)
	}

	m.SetErr("hw.acpivmgenid0.id", syscall.EPERM)
	_, err = m.Raw("hw.acpivmgenid0.id")
	if !IsPermission(err) {
		t.Errorf("Raw after SetErr(EPERM) error = %v; want permission", err)
	}
	var se *Error
	if !errors.As(err, &se) || se.Name != "hw.acpivmgenid0.id" || se.Op != "read" {
		t.Errorf("error %v is not an *Error naming the node", err)
	}
	m.SetErr("hw.acpivmgenid0.id", syscall.EACCES)
	if _, err := m.Raw("hw.acpivmgenid0.id"); !IsPermission(err) {
		t.Errorf("EACCES error = %v; want permission", err)
	}
	m.Set("hw.acpivmgenid0.id", []byte("0123456789abcdef"))
	if b, err := m.Raw("hw.acpivmgenid0.id"); err != nil || string(b) != "0123456789abcdef" {
		t.Errorf("Raw after Set = %q, %v", b, err)
	}
	// Values are copies: changing what Raw returned changes nothing.
	b, _ := m.Raw("hw.acpivmgenid0.id")
	b[0] = 'X'
	if b2, _ := m.Raw("hw.acpivmgenid0.id"); b2[0] != '0' {
		t.Error("Raw returned the Map's own storage")
	}
	if n := m.Reads("hw.acpivmgenid0.id"); n != 5 {
		t.Errorf("Reads = %d, want 5", n)
	}
	m.Delete("hw.acpivmgenid1.paddr")
	if kids, _ := m.Children("hw"); slices.Contains(kids, "acpivmgenid1") {
		t.Errorf("Children after Delete = %q", kids)
	}
}

func TestSystemReader(t *testing.T) {
	// On NetBSD and FreeBSD the kernel answers; elsewhere every call is
	// unsupported. Either way kern.ostype-like probing must not panic,
	// and a name that exists nowhere is an error.
	r := System()
	if _, err := r.Raw("vmgenid.no.such.node"); err == nil {
		t.Error("Raw(vmgenid.no.such.node) succeeded")
	}
	if _, err := r.Children("vmgenid.no.such.node"); err == nil {
		t.Error("Children(vmgenid.no.such.node) succeeded")
	}
}
