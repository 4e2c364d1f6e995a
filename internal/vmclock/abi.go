// Package vmclock reads the VMClock page that newer hypervisors (Firecracker,
// QEMU) expose to guests, and turns changes of its VM generation counter
// into "the VM may have been cloned" signals for the daemon.
//
// The page layout is Linux's include/uapi/linux/vmclock-abi.h (struct
// vmclock_abi): a constant header (magic "VCLK", size, version), then fields
// protected by a seqlock (seq_count is odd while the hypervisor writes). The
// field that matters here is vm_generation_counter, which the hypervisor
// bumps every time the guest is restored from a snapshot when the flag
// FlagVMGenCounterPresent is set; disruption_marker changes on every clock
// disruption (live migration as well as restore).
//
// Linux's ptp_vmclock driver maps the page as /dev/vmclock0 (read-only mmap,
// pread, and poll() where FlagNotificationPresent is set). The package also
// reads a regular file holding a page image, for tests and for users who
// point it at a copy. Discovery (discover.go: _HID AMZNC10C, _CID VMCLOCK,
// page address from _CRS) asks the namespace the command or daemon loaded
// once (acpi.Load) with the same device finder as the VM generation ID
// source (aml.FindDevices).
//
// Detector implements detect.Detector and detect.Counter (a count of
// generation-counter moves since it started, detect.Changes); the daemon
// chooses and runs it, and vmgenid status shows what discovery found
// (InspectNamespace, PrintStatus). The package decides nothing about the
// epoch: a counter move is evidence for the daemon's decider.
package vmclock

import (
	"encoding/binary"
	"fmt"
)

// Magic is the value of the magic field: the bytes "VCLK" read as a
// little-endian 32-bit integer.
const Magic uint32 = 0x4b4c4356

// Version is the only ABI version this package understands.
const Version uint16 = 1

// Byte offsets of the fields of struct vmclock_abi. They are written out
// rather than derived from a Go struct so that the layout is explicit and
// independent of Go's alignment rules; the ABI is little-endian.
const (
	OffMagic                   = 0   // __le32 magic
	OffSize                    = 4   // __le32 size of the region holding the structure
	OffVersion                 = 8   // __le16 version
	OffCounterID               = 10  // __u8 counter_id
	OffTimeType                = 11  // __u8 time_type
	OffSeqCount                = 12  // __le32 seq_count, odd while the hypervisor writes
	OffDisruptionMarker        = 16  // __le64 disruption_marker
	OffFlags                   = 24  // __le64 flags
	OffClockStatus             = 34  // __u8 clock_status (after __u8 pad[2])
	OffLeapSecondSmearingHint  = 35  // __u8 leap_second_smearing_hint
	OffTAIOffsetSec            = 36  // __le16 tai_offset_sec, two's complement
	OffLeapIndicator           = 38  // __u8 leap_indicator
	OffCounterPeriodShift      = 39  // __u8 counter_period_shift
	OffCounterValue            = 40  // __le64 counter_value
	OffCounterPeriodFracSec    = 48  // __le64 counter_period_frac_sec
	OffCounterPeriodEstErrRate = 56  // __le64 counter_period_esterror_rate_frac_sec
	OffCounterPeriodMaxErrRate = 64  // __le64 counter_period_maxerror_rate_frac_sec
	OffTimeSec                 = 72  // __le64 time_sec
	OffTimeFracSec             = 80  // __le64 time_frac_sec
	OffTimeEstErrorNanosec     = 88  // __le64 time_esterror_nanosec
	OffTimeMaxErrorNanosec     = 96  // __le64 time_maxerror_nanosec
	OffVMGenerationCounter     = 104 // __le64 vm_generation_counter
	ABISize                    = 112 // sizeof(struct vmclock_abi) with the generation counter
	// MinSize is the smallest region a page may declare: through the
	// flags field, as Linux requires. Later fields are optional; a field
	// counts only if the size field covers it.
	MinSize = OffFlags + 8
)

// Flag bits of the flags field.
const (
	FlagTAIOffsetValid      uint64 = 1 << 0
	FlagDisruptionSoon      uint64 = 1 << 1
	FlagDisruptionImminent  uint64 = 1 << 2
	FlagPeriodEstErrorValid uint64 = 1 << 3
	FlagPeriodMaxErrorValid uint64 = 1 << 4
	FlagTimeEstErrorValid   uint64 = 1 << 5
	FlagTimeMaxErrorValid   uint64 = 1 << 6
	FlagTimeMonotonic       uint64 = 1 << 7
	FlagVMGenCounterPresent uint64 = 1 << 8 // vm_generation_counter is maintained
	FlagNotificationPresent uint64 = 1 << 9 // the hypervisor notifies on every new even seq_count
)

var flagNames = [...]string{
	"TAI_OFFSET_VALID", "DISRUPTION_SOON", "DISRUPTION_IMMINENT",
	"PERIOD_ESTERROR_VALID", "PERIOD_MAXERROR_VALID", "TIME_ESTERROR_VALID",
	"TIME_MAXERROR_VALID", "TIME_MONOTONIC", "VM_GEN_COUNTER_PRESENT",
	"NOTIFICATION_PRESENT",
}

// FlagNames names the bits set in flags as the ABI header does, without
// the VMCLOCK_FLAG_ prefix; unknown bits appear as "bit N".
func FlagNames(flags uint64) []string {
	var names []string
	for bit := 0; bit < 64; bit++ {
		if flags&(1<<bit) == 0 {
			continue
		}
		if bit < len(flagNames) {
			names = append(names, flagNames[bit])
		} else {
			names = append(names, fmt.Sprintf("bit %d", bit))
		}
	}
	return names
}

// Values of the counter_id field.
const (
	CounterARMVCNT uint8 = 0
	CounterX86TSC  uint8 = 1
	CounterInvalid uint8 = 0xff
)

// Page is one decoded VMClock page.
type Page struct {
	Size                    uint32 // size of the region holding the structure
	Version                 uint16
	CounterID               uint8
	TimeType                uint8
	SeqCount                uint32
	DisruptionMarker        uint64
	Flags                   uint64
	ClockStatus             uint8
	LeapSecondSmearingHint  uint8
	TAIOffsetSec            int16
	LeapIndicator           uint8
	CounterPeriodShift      uint8
	CounterValue            uint64
	CounterPeriodFracSec    uint64
	CounterPeriodEstErrRate uint64
	CounterPeriodMaxErrRate uint64
	TimeSec                 uint64
	TimeFracSec             uint64
	TimeEstErrorNanosec     uint64
	TimeMaxErrorNanosec     uint64
	VMGenerationCounter     uint64 // meaningful only if HasGenerationCounter
}

// HasGenerationCounter reports whether the hypervisor maintains
// vm_generation_counter: FlagVMGenCounterPresent is set and the size field
// covers the counter.
func (p Page) HasGenerationCounter() bool {
	return p.Flags&FlagVMGenCounterPresent != 0 && p.Size >= OffVMGenerationCounter+8
}

// HasNotifications reports whether the hypervisor notifies the guest on
// every update (FlagNotificationPresent), so that poll() on the device wakes.
func (p Page) HasNotifications() bool { return p.Flags&FlagNotificationPresent != 0 }

// ShortPageError says the page image is too short to hold the structure.
type ShortPageError struct {
	Len  int // bytes available
	Need int // bytes needed
}

// Error says how many bytes there were and how many the structure needs.
func (e *ShortPageError) Error() string {
	return fmt.Sprintf("vmclock page too short: %d bytes, the structure needs %d", e.Len, e.Need)
}

// MagicError says the magic field (offset 0) is not "VCLK".
type MagicError struct {
	Got uint32
}

// Error names the magic found and the one expected.
func (e *MagicError) Error() string {
	return fmt.Sprintf("vmclock page has bad magic at offset %d: %#08x (%q), want %#08x (\"VCLK\")",
		OffMagic, e.Got, printableLE32(e.Got), Magic)
}

// SizeError says the size field (offset 4) does not fit the structure or
// the mapping it was read from.
type SizeError struct {
	Size   uint32 // the size field
	Mapped int    // bytes actually mapped or read
	Reason string // "larger than the mapping", "smaller than the structure"
}

// Error gives the size field and why it does not fit.
func (e *SizeError) Error() string {
	return fmt.Sprintf("vmclock size field at offset %d is %d (%#x): %s of %d bytes",
		OffSize, e.Size, e.Size, e.Reason, e.Mapped)
}

// VersionError says the version field (offset 8) is one this package does
// not understand.
type VersionError struct {
	Version uint16
}

// Error names the version found and the one supported.
func (e *VersionError) Error() string {
	return fmt.Sprintf("vmclock version at offset %d is %d: only version %d is supported",
		OffVersion, e.Version, Version)
}

// SeqlockError says no consistent snapshot could be read: the page stayed
// mid-update (odd seq_count) or kept changing for every attempt.
type SeqlockError struct {
	Attempts int
	LastSeq  uint32 // seq_count seen last
}

// Error says how many attempts were made and whether seq_count stayed odd.
func (e *SeqlockError) Error() string {
	state := "kept changing"
	if e.LastSeq&1 != 0 {
		state = "stuck mid-update (odd)"
	}
	return fmt.Sprintf("vmclock seq_count at offset %d %s after %d attempts (last %#x)",
		OffSeqCount, state, e.Attempts, e.LastSeq)
}

func printableLE32(v uint32) string {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, v)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '.'
		}
	}
	return string(b)
}

// CheckHeader validates the constant fields of a page image: magic, size
// (at least MinSize, at most what is mapped), version. page holds the first
// bytes of the region (at least MinSize, at most ABISize are looked at);
// mapped is how many bytes the caller can access in all (for a device, the
// mapping length), which may be more than len(page).
//
// A region too short to hold the structure its size field describes is a
// *ShortPageError; one that holds the structure but less than the size
// field claims is a *SizeError.
func CheckHeader(page []byte, mapped int) error {
	if len(page) < MinSize {
		return &ShortPageError{Len: len(page), Need: MinSize}
	}
	if m := binary.LittleEndian.Uint32(page[OffMagic:]); m != Magic {
		return &MagicError{Got: m}
	}
	size := binary.LittleEndian.Uint32(page[OffSize:])
	if size < MinSize {
		return &SizeError{Size: size, Mapped: mapped, Reason: fmt.Sprintf("smaller than the %d bytes up to the flags field, mapping", MinSize)}
	}
	need := min(int64(size), ABISize)
	if int64(mapped) < need || int64(len(page)) < min(need, int64(mapped)) {
		return &ShortPageError{Len: min(len(page), mapped), Need: int(need)}
	}
	if int64(size) > int64(mapped) {
		return &SizeError{Size: size, Mapped: mapped, Reason: "larger than the mapping"}
	}
	if v := binary.LittleEndian.Uint16(page[OffVersion:]); v != Version {
		return &VersionError{Version: v}
	}
	return nil
}

// Parse decodes a page image after validating its header with CheckHeader
// (the mapping is taken to be len(page)). Fields past the region the size
// field declares read as zero. Parse does not look at the seqlock: a
// static image is taken as it is; use a Reader for live pages.
func Parse(page []byte) (Page, error) {
	if err := CheckHeader(page, len(page)); err != nil {
		return Page{}, err
	}
	return decode(page), nil
}

// decode reads the fields of a page image whose header passed CheckHeader.
// Only the bytes the size field covers are used; the rest read as zero.
func decode(img []byte) Page {
	var b [ABISize]byte
	size := int(binary.LittleEndian.Uint32(img[OffSize:]))
	copy(b[:min(size, len(img), ABISize)], img)
	le := binary.LittleEndian
	return Page{
		Size:                    le.Uint32(b[OffSize:]),
		Version:                 le.Uint16(b[OffVersion:]),
		CounterID:               b[OffCounterID],
		TimeType:                b[OffTimeType],
		SeqCount:                le.Uint32(b[OffSeqCount:]),
		DisruptionMarker:        le.Uint64(b[OffDisruptionMarker:]),
		Flags:                   le.Uint64(b[OffFlags:]),
		ClockStatus:             b[OffClockStatus],
		LeapSecondSmearingHint:  b[OffLeapSecondSmearingHint],
		TAIOffsetSec:            int16(le.Uint16(b[OffTAIOffsetSec:])),
		LeapIndicator:           b[OffLeapIndicator],
		CounterPeriodShift:      b[OffCounterPeriodShift],
		CounterValue:            le.Uint64(b[OffCounterValue:]),
		CounterPeriodFracSec:    le.Uint64(b[OffCounterPeriodFracSec:]),
		CounterPeriodEstErrRate: le.Uint64(b[OffCounterPeriodEstErrRate:]),
		CounterPeriodMaxErrRate: le.Uint64(b[OffCounterPeriodMaxErrRate:]),
		TimeSec:                 le.Uint64(b[OffTimeSec:]),
		TimeFracSec:             le.Uint64(b[OffTimeFracSec:]),
		TimeEstErrorNanosec:     le.Uint64(b[OffTimeEstErrorNanosec:]),
		TimeMaxErrorNanosec:     le.Uint64(b[OffTimeMaxErrorNanosec:]),
		VMGenerationCounter:     le.Uint64(b[OffVMGenerationCounter:]),
	}
}

// Encode writes p into a page image of at least ABISize bytes, with the
// magic; it is the inverse of Parse, used to build page images (tests,
// fake devices). It returns a ShortPageError if buf is too short.
func Encode(buf []byte, p Page) error {
	if len(buf) < ABISize {
		return &ShortPageError{Len: len(buf), Need: ABISize}
	}
	le := binary.LittleEndian
	le.PutUint32(buf[OffMagic:], Magic)
	le.PutUint32(buf[OffSize:], p.Size)
	le.PutUint16(buf[OffVersion:], p.Version)
	buf[OffCounterID] = p.CounterID
	buf[OffTimeType] = p.TimeType
	le.PutUint32(buf[OffSeqCount:], p.SeqCount)
	le.PutUint64(buf[OffDisruptionMarker:], p.DisruptionMarker)
	le.PutUint64(buf[OffFlags:], p.Flags)
	buf[OffClockStatus-2], buf[OffClockStatus-1] = 0, 0
	buf[OffClockStatus] = p.ClockStatus
	buf[OffLeapSecondSmearingHint] = p.LeapSecondSmearingHint
	le.PutUint16(buf[OffTAIOffsetSec:], uint16(p.TAIOffsetSec))
	buf[OffLeapIndicator] = p.LeapIndicator
	buf[OffCounterPeriodShift] = p.CounterPeriodShift
	le.PutUint64(buf[OffCounterValue:], p.CounterValue)
	le.PutUint64(buf[OffCounterPeriodFracSec:], p.CounterPeriodFracSec)
	le.PutUint64(buf[OffCounterPeriodEstErrRate:], p.CounterPeriodEstErrRate)
	le.PutUint64(buf[OffCounterPeriodMaxErrRate:], p.CounterPeriodMaxErrRate)
	le.PutUint64(buf[OffTimeSec:], p.TimeSec)
	le.PutUint64(buf[OffTimeFracSec:], p.TimeFracSec)
	le.PutUint64(buf[OffTimeEstErrorNanosec:], p.TimeEstErrorNanosec)
	le.PutUint64(buf[OffTimeMaxErrorNanosec:], p.TimeMaxErrorNanosec)
	le.PutUint64(buf[OffVMGenerationCounter:], p.VMGenerationCounter)
	return nil
}
