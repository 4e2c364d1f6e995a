package detect

import (
	"bytes"
	"fmt"
	"strings"
)

// KmsgRecord is one record of the Linux kernel log as /dev/kmsg returns it:
//
//	prio,seq,usec,flags[,more fields];message
//	 KEY=VALUE           (optional continuation lines, ignored here)
//
// See Documentation/ABI/testing/dev-kmsg in the Linux sources.
type KmsgRecord struct {
	// Facility and Level come from the prio field (facility<<3 | level).
	// The kernel's own messages have facility 0; user space writing to
	// /dev/kmsg always gets a non-zero facility.
	Facility, Level int
	// Seq is the record's sequence number; it grows by one per record, so
	// a gap means records were lost.
	Seq uint64
	// Usec is the kernel timestamp, microseconds since boot.
	Usec uint64
	// Flag is '-' (a whole line), 'c' (continued), '+' (continuation).
	Flag byte
	// Message is the text after ';' up to the end of the first line,
	// with the kernel's \xNN escapes left as they are.
	Message string
}

// KmsgRecordError says what is wrong with a kernel log record and where.
type KmsgRecordError struct {
	Offset int    // byte offset in the record
	Reason string // what was wrong
}

func (e *KmsgRecordError) Error() string {
	return fmt.Sprintf("kmsg record: offset %d: %s", e.Offset, e.Reason)
}

// Limits on header fields. The kernel's prio fits in a byte today; the
// limits only keep hostile input from producing absurd values.
const (
	maxPrio        = 1<<16 - 1
	maxHeaderField = 32 // bytes in one comma-separated header field
	maxHeaderLen   = 256
)

// ParseKmsgRecord parses one kernel log record. Everything after the first
// newline (continuation lines) is ignored. Header fields after flags (the
// optional caller ID of CONFIG_PRINTK_CALLER, future fields) are skipped.
func ParseKmsgRecord(b []byte) (KmsgRecord, error) {
	var r KmsgRecord
	if nl := bytes.IndexByte(b, '\n'); nl >= 0 {
		b = b[:nl]
	}
	semi := bytes.IndexByte(b, ';')
	if semi < 0 {
		return r, &KmsgRecordError{Offset: len(b), Reason: "no ';' ending the header"}
	}
	if semi > maxHeaderLen {
		return r, &KmsgRecordError{Offset: 0, Reason: fmt.Sprintf("header is %d bytes, more than %d", semi, maxHeaderLen)}
	}
	header := b[:semi]
	var fields [4][]byte
	var offsets [4]int
	off := 0
	for i := range fields {
		end := bytes.IndexByte(header[off:], ',')
		if end < 0 {
			if i != len(fields)-1 {
				return r, &KmsgRecordError{Offset: len(header), Reason: fmt.Sprintf("header has %d fields, want at least 4 (prio,seq,usec,flags)", i+1)}
			}
			end = len(header) - off
		}
		fields[i], offsets[i] = header[off:off+end], off
		off += end + 1
		if off > len(header) {
			off = len(header)
		}
	}
	prio, err := parseDecimal(fields[0], offsets[0], "prio")
	if err != nil {
		return r, err
	}
	if prio > maxPrio {
		return r, &KmsgRecordError{Offset: offsets[0], Reason: fmt.Sprintf("prio %d out of range", prio)}
	}
	r.Facility, r.Level = int(prio>>3), int(prio&7)
	if r.Seq, err = parseDecimal(fields[1], offsets[1], "seq"); err != nil {
		return r, err
	}
	if r.Usec, err = parseDecimal(fields[2], offsets[2], "usec"); err != nil {
		return r, err
	}
	if len(fields[3]) != 1 || !strings.ContainsRune("-c+", rune(fields[3][0])) {
		return r, &KmsgRecordError{Offset: offsets[3], Reason: fmt.Sprintf("flags %q: want one of '-', 'c', '+'", fields[3])}
	}
	r.Flag = fields[3][0]
	r.Message = string(b[semi+1:])
	return r, nil
}

// parseDecimal parses an unsigned decimal header field without overflow.
func parseDecimal(f []byte, off int, name string) (uint64, error) {
	if len(f) == 0 {
		return 0, &KmsgRecordError{Offset: off, Reason: name + " is empty"}
	}
	if len(f) > maxHeaderField {
		return 0, &KmsgRecordError{Offset: off, Reason: fmt.Sprintf("%s is %d bytes long", name, len(f))}
	}
	var v uint64
	for i, c := range f {
		if c < '0' || c > '9' {
			return 0, &KmsgRecordError{Offset: off + i, Reason: fmt.Sprintf("%s: byte %q is not a decimal digit", name, c)}
		}
		d := uint64(c - '0')
		if v > (^uint64(0)-d)/10 {
			return 0, &KmsgRecordError{Offset: off, Reason: name + " overflows 64 bits"}
		}
		v = v*10 + d
	}
	return v, nil
}

// forkNotice is what Linux's random driver logs (pr_notice with the
// "random: " prefix) when its vmgenid driver reports a new ID:
// add_vmfork_randomness → "crng reseeded due to virtual machine fork".
const forkNotice = "random: crng reseeded due to virtual machine fork"

// IsForkNotice reports whether the record is the kernel's own notice of a
// VM fork. Only facility 0 (the kernel) counts: a line that user space
// writes to /dev/kmsg always carries another facility, so it cannot forge
// a fork.
func IsForkNotice(r KmsgRecord) bool {
	return r.Facility == 0 && strings.TrimRight(r.Message, " ") == forkNotice
}
