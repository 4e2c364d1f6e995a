// Package state implements the state-file ABI: one 4096-byte page in which
// the daemon publishes the entropy epoch and the VM generation ID, and which
// any program (Go, C, Rust, Python) maps read-only and checks with one
// memory load. docs/state-file.md documents the layout for other languages.
//
// Layout (little-endian, every field naturally aligned):
//
//	offset size field
//	     0    8 magic "VMGENID\x00"
//	     8    4 version (1)
//	    12    4 flags: bit 0 = ID known, bit 1 = ID withheld
//	    16    8 seq: seqlock counter, odd while the writer updates the record
//	    24    8 epoch
//	    32   16 ID, in guest-memory order
//	    48    8 physical address of the ID
//	    56    8 changes seen since boot
//	    64    8 time of the last change, Unix nanoseconds
//	    72 4024 reserved: ignored by readers; the writer's journal is at
//	            OffJournal (see Writer)
//
// One Writer (the daemon) updates the page in place under a seqlock; any
// number of Mappings read it. Readers that only ask "did anything change?"
// load the epoch (Mapping.Epoch); readers that need a consistent record use
// the seqlock (Mapping.Read). Every word is read and written with 64-bit
// atomic operations, so readers on other mappings of the same file, and Go's
// race detector, see no data race.
//
// The daemon is the only writer. Readers are the root package (Epoch,
// Current, Watch), the test guest's /init, and the daemon's metrics; the C
// and Python readers (c/, python/) implement the same layout. The package
// knows nothing of how changes are detected: the writer publishes the
// Record it is given.
package state

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/vmgenid/vmgenid/genid"
)

// Size is the length of the state file: one page.
const Size = 4096

// Version is the layout version this package writes and reads.
const Version = 1

// FlagIDKnown is set in Record.Flags when the ID field holds the VM
// generation ID. It is clear where the daemon learns of changes without
// being able to read the ID (kmsg only, as on Firecracker).
const FlagIDKnown = 1

// FlagIDWithheld is set in the public state file's flags, with
// FlagIDKnown clear and the ID and address fields zero, when the daemon
// knows the ID but keeps it to the root-only file at IDPath (the default:
// the ID is root's, as NetBSD's hw.acpivmgenidN.id is). docs/state-file.md
// states the policy.
const FlagIDWithheld = 2

// Magic is the 8-byte signature at offset 0.
const Magic = "VMGENID\x00"

// Byte offsets of the fields; see the package comment.
const (
	OffMagic      = 0
	OffVersion    = 8
	OffFlags      = 12
	OffSeq        = 16
	OffEpoch      = 24
	OffID         = 32
	OffPAddr      = 48
	OffChanges    = 56
	OffLastChange = 64
	// HeaderSize is the length of the defined fields; the rest of the
	// page is reserved.
	HeaderSize = 72
)

// Record is the content of the state file, without the seqlock counter.
type Record struct {
	// Flags holds FlagIDKnown or FlagIDWithheld; other bits are
	// reserved (written as 0, ignored by readers).
	Flags uint32
	// Epoch is the entropy epoch: never 0 nor all ones once published;
	// see NextEpoch.
	Epoch uint64
	// ID is the VM generation ID in memory order, meaningful only when
	// Flags has FlagIDKnown.
	ID genid.ID
	// PAddr is the physical address the ID was read from (0 if unknown).
	PAddr uint64
	// Changes counts the changes the daemon has seen since boot.
	Changes uint64
	// LastChange is the time of the last change in Unix nanoseconds
	// (0 before the first change).
	LastChange int64
}

// IDKnown reports whether the record's ID field holds the VM generation ID.
func (r Record) IDKnown() bool { return r.Flags&FlagIDKnown != 0 }

// ErrWriting is wrapped by errors about a record whose seq counter is odd:
// the writer was updating it (or died while doing so).
var ErrWriting = errors.New("record is being written (seq is odd)")

// ErrNoEpoch is wrapped by errors about a record whose epoch is 0, which
// means no valid state has been published.
var ErrNoEpoch = errors.New("no valid state (epoch 0)")

// ValidEpoch reports whether e may be published: neither 0 ("no valid
// state") nor all ones.
func ValidEpoch(e uint64) bool { return e != 0 && e != ^uint64(0) }

// NextEpoch returns the epoch that follows e, with the rules of NetBSD's
// kern.entropy.epoch: the first valid epoch is 1 (so NextEpoch(0) == 1), an
// epoch is never 0 nor all ones, and after the largest valid value it wraps
// to 1.
func NextEpoch(e uint64) uint64 {
	n := e + 1
	if !ValidEpoch(n) {
		return 1
	}
	return n
}

// Decode parses a whole state file as read with one read(2) or a file
// read. The page must be exactly Size bytes with the right magic and
// version, an even seq (a record read while being written is refused with
// an error wrapping ErrWriting) and a valid epoch (epoch 0 wraps
// ErrNoEpoch). Errors name the field and its offset.
func Decode(page []byte) (Record, error) {
	if len(page) != Size {
		return Record{}, fmt.Errorf("state: file is %d bytes, want %d", len(page), Size)
	}
	var h header
	for i := range h {
		h[i] = le64(page[8*i:])
	}
	r, _, err := h.decode(true)
	return r, err
}

// header is the defined part of the page as nine 64-bit words in native
// byte order: the unit of atomic access.
type header [HeaderSize / 8]uint64

// Word indexes into header.
const (
	wMagic = OffMagic / 8
	wVF    = OffVersion / 8 // version | flags<<32
	wSeq   = OffSeq / 8
	wEpoch = OffEpoch / 8
	wID0   = OffID / 8
	wID1   = OffID/8 + 1
	wPAddr = OffPAddr / 8
	wChg   = OffChanges / 8
	wLast  = OffLastChange / 8
)

// magicWord is Magic read as a little-endian word.
var magicWord = le64([]byte(Magic))

// checkMagicVersion validates the fixed identification of a page.
func (h *header) checkMagicVersion() error {
	if h[wMagic] != magicWord {
		var b [8]byte
		putLE64(b[:], h[wMagic])
		return fmt.Errorf("state: magic at offset %d is %q, want %q", OffMagic, b[:], Magic)
	}
	if v := uint32(h[wVF]); v != Version {
		return fmt.Errorf("state: version at offset %d is %d, this reader knows version %d", OffVersion, v, Version)
	}
	return nil
}

// decode validates the header and returns the record and the seq value.
// With checkSeq false an odd seq is accepted (the writer uses this to take
// over a file whose previous writer died mid-update).
func (h *header) decode(checkSeq bool) (Record, uint64, error) {
	if err := h.checkMagicVersion(); err != nil {
		return Record{}, 0, err
	}
	seq := h[wSeq]
	if checkSeq && seq&1 != 0 {
		return Record{}, seq, fmt.Errorf("state: seq at offset %d is %d: %w", OffSeq, seq, ErrWriting)
	}
	r := Record{
		Flags:      uint32(h[wVF] >> 32),
		Epoch:      h[wEpoch],
		PAddr:      h[wPAddr],
		Changes:    h[wChg],
		LastChange: int64(h[wLast]),
	}
	putLE64(r.ID[0:8], h[wID0])
	putLE64(r.ID[8:16], h[wID1])
	switch {
	case r.Epoch == 0:
		return r, seq, fmt.Errorf("state: epoch at offset %d: %w", OffEpoch, ErrNoEpoch)
	case !ValidEpoch(r.Epoch):
		return r, seq, fmt.Errorf("state: epoch at offset %d is %#x, which is never published", OffEpoch, r.Epoch)
	}
	return r, seq, nil
}

// encode returns the header words for r with the given seq.
func encode(r Record, seq uint64) header {
	var h header
	h[wMagic] = magicWord
	h[wVF] = Version | uint64(r.Flags)<<32
	h[wSeq] = seq
	h[wEpoch] = r.Epoch
	h[wID0] = le64(r.ID[0:8])
	h[wID1] = le64(r.ID[8:16])
	h[wPAddr] = r.PAddr
	h[wChg] = r.Changes
	h[wLast] = uint64(r.LastChange)
	return h
}

// page returns a whole state file holding h.
func (h *header) page() []byte {
	p := make([]byte, Size)
	for i, w := range h {
		putLE64(p[8*i:], w)
	}
	return p
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func putLE64(b []byte, v uint64) {
	_ = b[7]
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
}

// BigEndian is true on platforms whose native byte order differs from the
// file's, where words loaded from a mapping must be byte-swapped.
const BigEndian = bigEndian

// fromLE converts a word loaded from the file (little-endian) to native
// order, and back: on little-endian machines it compiles to nothing.
func fromLE(v uint64) uint64 {
	if bigEndian {
		return bits.ReverseBytes64(v)
	}
	return v
}
