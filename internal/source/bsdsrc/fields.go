package bsdsrc

import (
	"fmt"
	"strings"
)

// Limits on the key=value text parsed here (devd messages, FreeBSD's
// %pnpinfo and %location): far above anything the kernel writes.
const (
	maxFieldsLen = 8192
	maxFields    = 64
)

// Field is one key=value pair. Bare words (no '=') have Bare set and an
// empty Value.
type Field struct {
	Key, Value string
	Bare       bool
}

// FieldsError says where key=value text is malformed.
type FieldsError struct {
	Offset int // byte offset in the text
	Reason string
}

func (e *FieldsError) Error() string {
	return fmt.Sprintf("key=value text: offset %d: %s", e.Offset, e.Reason)
}

// ParseFields splits text the FreeBSD kernel writes for devctl(4) and for
// a device's %pnpinfo/%location: space-separated key=value pairs, where a
// value may be double-quoted with \" and \\ escapes
// (devctl_safe_quote_sb). Bare words are kept as Bare fields.
func ParseFields(s string) ([]Field, error) {
	if len(s) > maxFieldsLen {
		return nil, &FieldsError{Offset: maxFieldsLen, Reason: fmt.Sprintf("text is %d bytes, more than the %d allowed", len(s), maxFieldsLen)}
	}
	var fields []Field
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return fields, nil
		}
		if len(fields) == maxFields {
			return nil, &FieldsError{Offset: i, Reason: fmt.Sprintf("more than %d fields", maxFields)}
		}
		start := i
		for i < len(s) && !isSpace(s[i]) && s[i] != '=' {
			if s[i] == '"' || s[i] < 0x20 || s[i] == 0x7f {
				return nil, &FieldsError{Offset: i, Reason: fmt.Sprintf("unexpected byte %#02x in a key", s[i])}
			}
			i++
		}
		key := s[start:i]
		if i == len(s) || isSpace(s[i]) {
			fields = append(fields, Field{Key: key, Bare: true})
			continue
		}
		if key == "" {
			return nil, &FieldsError{Offset: start, Reason: "'=' without a key"}
		}
		i++ // '='
		var value string
		if i < len(s) && s[i] == '"' {
			v, next, err := unquote(s, i)
			if err != nil {
				return nil, err
			}
			value, i = v, next
			if i < len(s) && !isSpace(s[i]) {
				return nil, &FieldsError{Offset: i, Reason: "text right after a closing quote"}
			}
		} else {
			vstart := i
			for i < len(s) && !isSpace(s[i]) {
				if s[i] < 0x20 || s[i] == 0x7f {
					return nil, &FieldsError{Offset: i, Reason: fmt.Sprintf("control byte %#02x in a value", s[i])}
				}
				i++
			}
			value = s[vstart:i]
		}
		fields = append(fields, Field{Key: key, Value: value})
	}
}

// unquote reads a quoted value starting at s[open] == '"' and returns it
// and the offset after the closing quote.
func unquote(s string, open int) (string, int, error) {
	var b strings.Builder
	for i := open + 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 == len(s) {
				return "", 0, &FieldsError{Offset: i, Reason: "backslash at the end of the text"}
			}
			i++
			b.WriteByte(s[i])
		default:
			if c < 0x20 && c != '\t' || c == 0x7f {
				return "", 0, &FieldsError{Offset: i, Reason: fmt.Sprintf("control byte %#02x in a quoted value", c)}
			}
			b.WriteByte(c)
		}
	}
	return "", 0, &FieldsError{Offset: open, Reason: "quote never closed"}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// lookup returns the value of the first non-bare field named key.
func lookup(fields []Field, key string) (string, bool) {
	for _, f := range fields {
		if !f.Bare && f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}
