// Package genid defines the 128-bit VM generation ID and its two text forms.
//
// The hypervisor stores the ID in guest memory as a Microsoft GUID: the first
// three fields little-endian, the last eight bytes as they are. The hex form
// (String) shows the 16 bytes in memory order, as NetBSD's
// hw.acpivmgenidN.id does; the GUID form (GUID) is the text QEMU accepts in
// -device vmgenid,guid=... and returns from query-vm-generation-id.
//
// It is the one type both sides share: the guest's sources, daemon, state
// file and events, and the host's engines (which make new IDs with New). It
// also holds the one guard against a torn read of the 16 bytes, ReadStable,
// which the sources use whether they read physical memory or sysctl. It
// knows nothing of where an ID is stored.
package genid

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
)

// Size is the length of a VM generation ID in bytes.
const Size = 16

// ID is a VM generation ID, its bytes in guest-memory order.
type ID [Size]byte

// IsZero reports whether every byte of the ID is zero. Hypervisors never
// hand out the all-zero ID, so it marks "not known".
func (id ID) IsZero() bool { return id == ID{} }

// String returns the 16 bytes as 32 lowercase hex digits in memory order.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// GUID returns the ID as GUID text ("aabbccdd-eeff-0011-2233-445566778899"),
// reading the first three fields little-endian as the hypervisor wrote them.
func (id ID) GUID() string {
	g := guidOrder(id)
	return fmt.Sprintf("%x-%x-%x-%x-%x", g[0:4], g[4:6], g[6:8], g[8:10], g[10:16])
}

// New returns a fresh random ID: a version 4 (random) GUID, as QEMU's
// guid=auto makes, from crypto/rand.
func New() ID {
	var g [Size]byte
	rand.Read(g[:])         // never fails: crypto/rand crashes the program instead (Go ≥ 1.24)
	g[6] = g[6]&0x0f | 0x40 // version 4, in the third field's high nibble
	g[8] = g[8]&0x3f | 0x80 // RFC 9562 variant
	return guidOrder(g)
}

// MarshalText returns the hex form, String's, so that an ID in JSON or any
// other text encoding reads as the state file and the events show it.
func (id ID) MarshalText() ([]byte, error) {
	return hex.AppendEncode(make([]byte, 0, 2*Size), id[:]), nil
}

// UnmarshalText parses the hex form, as ParseHex.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseHex(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParseHex parses 32 hex digits in memory order, the form String returns.
func ParseHex(s string) (ID, error) {
	var id ID
	if len(s) != 2*Size {
		return id, fmt.Errorf("genid: hex ID %q: want %d hex digits, have %d", s, 2*Size, len(s))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("genid: hex ID %q: %w", s, err)
	}
	return id, nil
}

// ParseGUID parses GUID text, the form GUID returns, with or without braces.
func ParseGUID(s string) (ID, error) {
	t := s
	if len(t) == 38 && t[0] == '{' && t[37] == '}' {
		t = t[1:37]
	}
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return ID{}, fmt.Errorf("genid: GUID %q: want the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	var g [Size]byte
	digits := t[0:8] + t[9:13] + t[14:18] + t[19:23] + t[24:36]
	if _, err := hex.Decode(g[:], []byte(digits)); err != nil {
		return ID{}, fmt.Errorf("genid: GUID %q: %w", s, errors.Unwrap(err))
	}
	return guidOrder(g), nil
}

// guidOrder swaps the byte order of the first three GUID fields. It is its
// own inverse: it turns memory order into text order and back.
func guidOrder(b [Size]byte) [Size]byte {
	b[0], b[1], b[2], b[3] = b[3], b[2], b[1], b[0]
	b[4], b[5] = b[5], b[4]
	b[6], b[7] = b[7], b[6]
	return b
}

// StableReads bounds ReadStable: the host rewrites the ID once per clone or
// restore, so reads that disagree this many times in a row mean the value is
// not an ID at all (or the host rewrites it without pause).
const StableReads = 8

// TornError says an ID kept changing while it was read: no two consecutive
// of Tries reads agreed.
type TornError struct {
	// From says where the ID was read ("sysctl hw.acpivmgenid0.id",
	// "physical memory at 0xfffff028").
	From  string
	Tries int
}

// Error says where the ID kept changing.
func (e *TornError) Error() string {
	return fmt.Sprintf("%s: the ID changed between every pair of %d consecutive reads; try again", e.From, e.Tries)
}

// ReadStable calls read until two consecutive calls return the same ID, so
// that an ID the host rewrites while it is read is never returned half old,
// half new. It gives up with a *TornError naming from after StableReads
// reads, and returns read's first error.
func ReadStable(from string, read func() (ID, error)) (ID, error) {
	prev, err := read()
	if err != nil {
		return ID{}, err
	}
	for range StableReads - 1 {
		id, err := read()
		if err != nil {
			return ID{}, err
		}
		if id == prev {
			return id, nil
		}
		prev = id
	}
	return ID{}, &TornError{From: from, Tries: StableReads}
}
