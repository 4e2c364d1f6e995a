// Package report is the line protocol between the test guest's /init and the
// host: the guest prints lines such as
//
//	E2E boot uuid=aabbccdd-eeff-0011-2233-445566778899 paddr=268431400
//
// on its serial console, among the kernel's own output, and the host picks
// them out. Values are bare tokens or Go-quoted strings. The host treats the
// console as outside data: Parse bounds everything and never panics.
package report

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vmgenid/vmgenid/genid"
)

// Prefix starts every protocol line.
const Prefix = "E2E"

// Limits on what Parse accepts.
const (
	MaxLine   = 4096
	MaxFields = 64
	maxName   = 64
)

// Line is one parsed protocol line: an event name and its key=value fields.
type Line struct {
	Event  string
	Fields map[string]string
}

// Format builds a protocol line (without the newline) from an event name and
// alternating keys and values. Values that are not plain tokens are quoted.
// A missing last value counts as empty.
func Format(event string, kv ...string) string {
	var b strings.Builder
	b.WriteString(Prefix)
	b.WriteByte(' ')
	b.WriteString(event)
	for i := 0; i < len(kv); i += 2 {
		v := ""
		if i+1 < len(kv) {
			v = kv[i+1]
		}
		b.WriteByte(' ')
		b.WriteString(kv[i])
		b.WriteByte('=')
		if isToken(v) {
			b.WriteString(v)
		} else {
			b.WriteString(strconv.Quote(v))
		}
	}
	return b.String()
}

// Parse parses one console line. ok is false (and err nil) when the line is
// not a protocol line at all; err says what is wrong with a line that starts
// like one but is malformed (for example, kernel output spliced into it).
func Parse(s string) (l Line, ok bool, err error) {
	s = strings.TrimRight(s, "\r\n")
	rest, found := strings.CutPrefix(s, Prefix+" ")
	if !found {
		return Line{}, false, nil
	}
	if len(s) > MaxLine {
		return Line{}, true, fmt.Errorf("report line of %d bytes exceeds %d", len(s), MaxLine)
	}
	event, rest, _ := strings.Cut(rest, " ")
	if !isName(event) {
		return Line{}, true, fmt.Errorf("report line: bad event name %q", event)
	}
	l = Line{Event: event, Fields: map[string]string{}}
	for pos := len(s) - len(rest); rest != ""; pos = len(s) - len(rest) {
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
		if len(l.Fields) == MaxFields {
			return Line{}, true, fmt.Errorf("report line %q: more than %d fields", event, MaxFields)
		}
		key, after, found := strings.Cut(rest, "=")
		if !found || !isName(key) {
			return Line{}, true, fmt.Errorf("report line %q: bad field at column %d", event, pos)
		}
		var value string
		if strings.HasPrefix(after, `"`) {
			q, err := strconv.QuotedPrefix(after)
			if err != nil {
				return Line{}, true, fmt.Errorf("report line %q: field %s: bad quoted value at column %d", event, key, pos+len(key)+1)
			}
			value, _ = strconv.Unquote(q)
			rest = after[len(q):]
			if rest != "" && rest[0] != ' ' {
				return Line{}, true, fmt.Errorf("report line %q: field %s: text after the quoted value", event, key)
			}
		} else {
			value, rest, _ = strings.Cut(after, " ")
			if !isToken(value) && value != "" {
				return Line{}, true, fmt.Errorf("report line %q: field %s: bad value %q", event, key, value)
			}
		}
		if _, dup := l.Fields[key]; dup {
			return Line{}, true, fmt.Errorf("report line %q: field %s given twice", event, key)
		}
		l.Fields[key] = value
	}
	return l, true, nil
}

func isName(s string) bool {
	if s == "" || len(s) > maxName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// isToken reports whether v can be written without quotes.
func isToken(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f || v[i] == '"' || v[i] == '=' {
			return false
		}
	}
	return true
}

// ErrMissing says that a line lacks a field.
var ErrMissing = errors.New("field missing")

// Get returns a field, or an error naming the line and the field.
func (l Line) Get(key string) (string, error) {
	v, ok := l.Fields[key]
	if !ok {
		return "", fmt.Errorf("report %q: %s: %w", l.Event, key, ErrMissing)
	}
	return v, nil
}

// Uint returns a field as an unsigned integer (decimal, or hex with 0x).
func (l Line) Uint(key string) (uint64, error) {
	v, err := l.Get(key)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(v, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("report %q: %s: %w", l.Event, key, err)
	}
	return n, nil
}

// Int returns a field as a signed decimal integer.
func (l Line) Int(key string) (int64, error) {
	v, err := l.Get(key)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("report %q: %s: %w", l.Event, key, err)
	}
	return n, nil
}

// GUID returns a field holding GUID text as an ID.
func (l Line) GUID(key string) (genid.ID, error) {
	v, err := l.Get(key)
	if err != nil {
		return genid.ID{}, err
	}
	id, err := genid.ParseGUID(v)
	if err != nil {
		return genid.ID{}, fmt.Errorf("report %q: %s: %w", l.Event, key, err)
	}
	return id, nil
}

// Uints returns a field holding comma-separated hex numbers (at most 64).
func (l Line) Uints(key string) ([]uint64, error) {
	v, err := l.Get(key)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(v, ",")
	if len(parts) > 64 {
		return nil, fmt.Errorf("report %q: %s: %d numbers, at most 64", l.Event, key, len(parts))
	}
	out := make([]uint64, len(parts))
	for i, p := range parts {
		if out[i], err = strconv.ParseUint(p, 16, 64); err != nil {
			return nil, fmt.Errorf("report %q: %s: number %d: %w", l.Event, key, i, err)
		}
	}
	return out, nil
}

// FormatUints writes numbers in the form Uints reads.
func FormatUints(v []uint64) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = fmt.Sprintf("%016x", n)
	}
	return strings.Join(parts, ",")
}
