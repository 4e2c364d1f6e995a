package aml

import (
	"errors"
	"fmt"
	"strings"
)

// Object is an AML value: Integer, String, Buffer, *Package or *Reference.
// Evaluate never returns any other type.
type Object interface{}

// Integer is an AML integer. In a namespace whose DSDT has revision < 2,
// integers are 32 bits wide and arithmetic wraps at 32 bits.
type Integer uint64

// String is an AML string.
type String string

// Buffer is an AML buffer.
type Buffer []byte

// Package is an AML package. Elements are Integer, String, Buffer, *Package,
// *Reference or nil (an element the package declared but did not set).
type Package struct {
	Elements []Object
}

// Reference refers to a named object: a package element written as a name
// that does not resolve to data (a Device, a Method), or the result of
// RefOf. (A package element naming nothing is nil, as in ACPICA.)
type Reference struct {
	Path string // the name as written in the AML
	Node *Node  // the object referred to
}

// unevaluated is the value of a Name whose Buffer or Package initializer
// failed at load, naming that type: ACPICA keeps the object, typed, with
// its contents never evaluated, and fails reads of it.
type unevaluated string

// pkgRef is an unresolved name written as a package element; it is
// resolved when the package is read, since it may name an object defined
// by a later table.
type pkgRef struct {
	scope *Node
	path  namePath
	blk   *blockInfo // where the name was written, for errors
	off   int
}

// nameElem is a name written as an element of a package a method built,
// naming a Name: it was resolved then, in the method's scope, and reads
// the Name's current value, as ACPICA's element shares the Name's object.
type nameElem struct{ node *Node }

// elemRef is what Index returns for a package: a reference to one element.
type elemRef struct {
	pkg *Package
	i   int
}

// byteRef is what Index returns for a buffer or string: one byte.
type byteRef struct {
	buf []byte // shared with the Buffer it came from
	i   int
	// str, for a String, is where the String lives (a Name's value, a
	// Local, a package element): Go strings are immutable, so a store
	// replaces the whole String there, as ACPICA changes the character.
	str *Object
}

// get reads the byte.
func (r *byteRef) get() (Integer, error) {
	b := r.buf
	if r.str != nil {
		s, _ := (*r.str).(String)
		b = []byte(s)
	}
	if r.i >= len(b) {
		return 0, errors.New("buffer byte reference out of range")
	}
	return Integer(b[r.i]), nil
}

// set writes the byte.
func (r *byteRef) set(c byte) error {
	if r.str == nil {
		if r.i >= len(r.buf) {
			return errors.New("buffer byte reference out of range")
		}
		r.buf[r.i] = c
		return nil
	}
	s, _ := (*r.str).(String)
	if r.i >= len(s) {
		return errors.New("string character reference out of range")
	}
	b := []byte(s)
	b[r.i] = c
	*r.str = String(b)
	return nil
}

// localRef is RefOf(LocalN) or RefOf(ArgN).
type localRef struct {
	slot *Object
}

// EISAIDString decodes a compressed EISA ID, the integer ASL's EisaId("PNP0A06")
// compiles to, into its 7-character text. ok is false if v is not a valid
// EISA ID (wider than 32 bits, top bit set, or a letter out of range).
func EISAIDString(v uint64) (s string, ok bool) {
	if v > 0xFFFFFFFF {
		return "", false
	}
	// The four bytes are stored little-endian; the ID is their big-endian reading.
	b := uint32(v)
	be := b>>24 | (b>>8)&0xFF00 | (b<<8)&0xFF0000 | b<<24
	if be&0x80000000 != 0 {
		return "", false
	}
	var out [7]byte
	for i := 0; i < 3; i++ {
		c := (be >> (26 - 5*uint(i))) & 0x1F
		if c < 1 || c > 26 {
			return "", false
		}
		out[i] = byte('@' + c)
	}
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < 4; i++ {
		out[3+i] = hexDigits[(be>>(12-4*uint(i)))&0xF]
	}
	return string(out[:]), true
}

// ObjectString formats an object for messages and tests: integers in hex,
// strings quoted, buffers as hex bytes, packages in braces.
// Shared or cyclic packages are cut short with "…".
func ObjectString(o Object) string {
	var sb strings.Builder
	budget := 4096
	writeObject(&sb, o, 0, &budget)
	return sb.String()
}

func writeObject(sb *strings.Builder, o Object, depth int, budget *int) {
	*budget--
	if depth > 32 || *budget < 0 {
		sb.WriteString("…")
		return
	}
	switch v := o.(type) {
	case nil:
		sb.WriteString("<nil>")
	case Integer:
		fmt.Fprintf(sb, "0x%X", uint64(v))
	case String:
		fmt.Fprintf(sb, "%q", string(v))
	case Buffer:
		sb.WriteString("Buffer{")
		for i, b := range v {
			if i > 0 {
				sb.WriteString(", ")
			}
			if i == 64 {
				sb.WriteString("…")
				break
			}
			fmt.Fprintf(sb, "0x%02X", b)
		}
		sb.WriteString("}")
	case *Package:
		if v == nil {
			sb.WriteString("Package(nil)")
			return
		}
		sb.WriteString("Package{")
		for i, e := range v.Elements {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeObject(sb, e, depth+1, budget)
		}
		sb.WriteString("}")
	case *Reference:
		if v.Node != nil {
			sb.WriteString("Ref(" + v.Node.Path() + ")")
		} else {
			sb.WriteString("Ref(" + v.Path + ", unresolved)")
		}
	default:
		fmt.Fprintf(sb, "%T", o)
	}
}

// typeName names an object's AML type for messages.
func typeName(o Object) string {
	switch o.(type) {
	case nil:
		return "Uninitialized"
	case Integer:
		return "Integer"
	case String:
		return "String"
	case Buffer:
		return "Buffer"
	case *Package:
		return "Package"
	case *Reference, *elemRef, *byteRef, *localRef, *pkgRef, *nameElem:
		return "Reference"
	case unevaluated:
		return string(o.(unevaluated))
	case ddbHandle:
		return "Reference"
	}
	return fmt.Sprintf("%T", o)
}
