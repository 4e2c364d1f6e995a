package bsdsrc

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultDevdSocket is devd(8)'s SOCK_SEQPACKET socket: one event per
// packet, each as the kernel's devctl(4) wrote it.
const DefaultDevdSocket = "/var/run/devd.seqpacket.pipe"

// DevdEvent is one parsed devctl(4) event as devd(8) relays it.
type DevdEvent struct {
	// Kind is the first byte: '!' notify, '+' attach, '-' detach,
	// '?' no driver matched.
	Kind byte
	// Fields are the key=value pairs; for attach, detach and nomatch
	// events the device name and the words "at" and "on" are Bare fields.
	Fields []Field
}

// Get returns the value of the first key=value field named key.
func (e DevdEvent) Get(key string) (string, bool) { return lookup(e.Fields, key) }

// IsVMGenChange reports whether the event is vmgenc(4)'s change
// notification: "!system=ACPI subsystem=VMGenerationCounter
// type=\_SB_.VGEN notify=0x00". The driver sends it only when the ID it
// reads differs from its cached copy.
func (e DevdEvent) IsVMGenChange() bool {
	if e.Kind != '!' {
		return false
	}
	sys, _ := e.Get("system")
	sub, _ := e.Get("subsystem")
	return sys == "ACPI" && sub == "VMGenerationCounter"
}

// ParseDevdEvent parses one devd message. Messages come from the kernel
// through a root daemon, but are parsed defensively all the same: bounded,
// and malformed text is an error saying where, never a panic.
func ParseDevdEvent(msg string) (DevdEvent, error) {
	msg = strings.TrimRight(msg, "\n\x00")
	if msg == "" {
		return DevdEvent{}, errors.New("devd event: empty message")
	}
	kind := msg[0]
	switch kind {
	case '!', '+', '-', '?':
	default:
		return DevdEvent{}, fmt.Errorf("devd event: unknown event type %q at offset 0", kind)
	}
	fields, err := ParseFields(msg[1:])
	if err != nil {
		var fe *FieldsError
		if errors.As(err, &fe) {
			fe.Offset++ // count the type byte
		}
		return DevdEvent{}, fmt.Errorf("devd event: %w", err)
	}
	if kind == '!' {
		if _, ok := lookup(fields, "system"); !ok {
			return DevdEvent{}, errors.New("devd event: notify event without system=")
		}
	}
	return DevdEvent{Kind: kind, Fields: fields}, nil
}
