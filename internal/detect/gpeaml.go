package detect

import (
	"fmt"
	"strings"
)

// GPEHandler is a GPE event method (\_GPE._Exx or _Lxx) whose body
// notifies a device.
type GPEHandler struct {
	GPE    int    // the GPE number xx
	Method string // "_E05"
	Table  string // table that defines it
	Offset int    // offset of the MethodOp in the AML given
}

// AML opcodes and name prefixes the scan understands.
const (
	amlMethodOp     = 0x14
	amlNotifyOp     = 0x86
	amlRootChar     = '\\'
	amlParentPrefix = '^'
	amlDualName     = 0x2e
	amlMultiName    = 0x2f
	amlNullName     = 0x00
)

// maxScanHandlers bounds the result; real tables have a handful of GPE
// methods.
const maxScanHandlers = 256

// FindGPEHandlers scans raw AML (a definition block body, after the table
// header) for GPE event methods whose body holds Notify(devicePath, …).
//
// This is a byte scan, not an interpreter: it looks for a MethodOp whose
// package length fits, whose name ends in a segment _Exx or _Lxx (xx hex)
// and whose body contains a NotifyOp followed by a name that is devicePath
// (an absolute name must match whole, a relative one by its last segment).
// That is exactly the shape QEMU generates (Method (\_GPE._E05) {
// Notify (\_SB.VGEN, 0x80) }); a handler that reaches the device through
// another method call or an alias is not found, and the caller should let
// the user name the GPE instead.
func FindGPEHandlers(table string, aml []byte, devicePath string) ([]GPEHandler, error) {
	dev, err := splitACPIPath(devicePath)
	if err != nil {
		return nil, err
	}
	var found []GPEHandler
	// Candidate methods may overlap (a byte scan does not know where
	// terms start), so hostile AML could make the body scans quadratic:
	// bound the bytes they look at.
	budget := 16*len(aml) + 1<<20
	for i := 0; i < len(aml); i++ {
		if aml[i] != amlMethodOp {
			continue
		}
		pkgLen, lenBytes, ok := parsePkgLength(aml, i+1)
		if !ok || pkgLen < lenBytes || i+1+pkgLen > len(aml) {
			continue
		}
		end := i + 1 + pkgLen
		nameAt := i + 1 + lenBytes
		name, nameLen, ok := parseNameString(aml[:end], nameAt)
		if !ok || len(name.segs) == 0 || nameAt+nameLen+1 > end {
			continue
		}
		last := name.segs[len(name.segs)-1]
		gpe, ok := gpeNumber(last)
		if !ok {
			continue
		}
		body := aml[nameAt+nameLen+1 : end] // after the MethodFlags byte
		if budget -= len(body); budget < 0 {
			return found, fmt.Errorf("detect: %s: too many overlapping GPE method candidates (at offset %d) to scan", table, i)
		}
		if !notifies(body, dev) {
			continue
		}
		found = append(found, GPEHandler{GPE: gpe, Method: last, Table: table, Offset: i})
		if len(found) >= maxScanHandlers {
			break
		}
	}
	return found, nil
}

// notifies reports whether body holds a NotifyOp naming dev.
func notifies(body []byte, dev []string) bool {
	for j := 0; j < len(body); j++ {
		if body[j] != amlNotifyOp {
			continue
		}
		n, _, ok := parseNameString(body, j+1)
		if !ok || len(n.segs) == 0 {
			continue
		}
		if n.root && n.up == 0 {
			if equalSegs(n.segs, dev) {
				return true
			}
			continue
		}
		if n.segs[len(n.segs)-1] == dev[len(dev)-1] {
			return true
		}
	}
	return false
}

func equalSegs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// gpeNumber returns xx of a segment _Exx or _Lxx.
func gpeNumber(seg string) (int, bool) {
	if len(seg) != 4 || seg[0] != '_' || (seg[1] != 'E' && seg[1] != 'L') {
		return 0, false
	}
	n := 0
	for _, c := range []byte(seg[2:]) {
		switch {
		case c >= '0' && c <= '9':
			n = n*16 + int(c-'0')
		case c >= 'A' && c <= 'F':
			n = n*16 + int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

// amlName is a decoded NameString.
type amlName struct {
	root bool
	up   int
	segs []string
}

// parseNameString decodes an AML NameString at b[at:], returning it and its
// length in bytes.
func parseNameString(b []byte, at int) (amlName, int, bool) {
	var n amlName
	i := at
	if i < len(b) && b[i] == amlRootChar {
		n.root = true
		i++
	} else {
		for i < len(b) && b[i] == amlParentPrefix {
			n.up++
			i++
		}
	}
	if i >= len(b) {
		return n, 0, false
	}
	count := 1
	switch b[i] {
	case amlNullName:
		return n, i + 1 - at, true
	case amlDualName:
		count = 2
		i++
	case amlMultiName:
		if i+1 >= len(b) || b[i+1] == 0 {
			return n, 0, false
		}
		count = int(b[i+1])
		i += 2
	}
	if i+4*count > len(b) {
		return n, 0, false
	}
	for k := 0; k < count; k++ {
		seg := b[i : i+4]
		if !validSeg(seg) {
			return n, 0, false
		}
		n.segs = append(n.segs, string(seg))
		i += 4
	}
	return n, i - at, true
}

// validSeg reports whether seg is a NameSeg: a lead character A–Z or _,
// then A–Z, 0–9 or _.
func validSeg(seg []byte) bool {
	for k, c := range seg {
		switch {
		case c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9' && k > 0:
		default:
			return false
		}
	}
	return true
}

// parsePkgLength decodes an AML PkgLength at b[at:]: the package length
// (which counts the PkgLength bytes themselves) and the number of bytes
// the encoding takes.
func parsePkgLength(b []byte, at int) (length, size int, ok bool) {
	if at >= len(b) {
		return 0, 0, false
	}
	lead := b[at]
	follow := int(lead >> 6)
	if follow == 0 {
		return int(lead & 0x3f), 1, true
	}
	if lead&0x30 != 0 || at+follow >= len(b) {
		return 0, 0, false
	}
	length = int(lead & 0x0f)
	for k := 1; k <= follow; k++ {
		length |= int(b[at+k]) << (4 + 8*(k-1))
	}
	return length, 1 + follow, true
}

// splitACPIPath splits an absolute namespace path such as `\_SB.VGEN` into
// padded segments.
func splitACPIPath(p string) ([]string, error) {
	if !strings.HasPrefix(p, `\`) || len(p) < 2 {
		return nil, fmt.Errorf("detect: device path %q: want an absolute ACPI path like \\_SB.VGEN", p)
	}
	parts := strings.Split(p[1:], ".")
	segs := make([]string, len(parts))
	for i, s := range parts {
		if len(s) == 0 || len(s) > 4 {
			return nil, fmt.Errorf("detect: device path %q: bad segment %q", p, s)
		}
		s += strings.Repeat("_", 4-len(s))
		if !validSeg([]byte(s)) {
			return nil, fmt.Errorf("detect: device path %q: bad segment %q", p, s)
		}
		segs[i] = s
	}
	return segs, nil
}
