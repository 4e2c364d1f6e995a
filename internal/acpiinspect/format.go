package acpiinspect

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// maxNesting bounds the packages Text and JSON descend into: evaluated
// values are acyclic, but they come from outside data.
const maxNesting = 64

// Text formats an evaluated value as acpiexec's "evaluate" command prints
// it (AcpiDbDumpExternalObject): one object a line, two spaces of indent
// per level, integers as 16 hex digits, buffers as a hex dump. A method
// that returned nothing (v nil) gives acpiexec's "No object was returned".
func Text(v aml.Object) string {
	if v == nil {
		return "No object was returned\n"
	}
	var sb strings.Builder
	writeText(&sb, v, 1)
	return sb.String()
}

func writeText(sb *strings.Builder, v aml.Object, level int) {
	sb.WriteString(strings.Repeat("  ", level))
	if level > maxNesting {
		sb.WriteString("[Package nested too deeply]\n")
		return
	}
	switch x := v.(type) {
	case nil:
		sb.WriteString("[Null Object] (Type=0)\n")
	case aml.Integer:
		fmt.Fprintf(sb, "[Integer] = %016X\n", uint64(x))
	case aml.String:
		fmt.Fprintf(sb, "[String] Length %02X = %s\n", len(x), quote(string(x)))
	case aml.Buffer:
		fmt.Fprintf(sb, "[Buffer] Length %02X = ", len(x))
		if len(x) > 16 {
			sb.WriteString("\n")
		}
		hexDump(sb, x)
	case *aml.Package:
		fmt.Fprintf(sb, "[Package] Contains %d Elements:\n", len(x.Elements))
		for _, e := range x.Elements {
			writeText(sb, e, level+1)
		}
	case *aml.Reference:
		if x.Node == nil {
			fmt.Fprintf(sb, "[Object Reference] = <Unresolved> %s\n", x.Path)
			return
		}
		fmt.Fprintf(sb, "[Object Reference] = <Node> Name %s %s\n", x.Node.Name(), x.Node.Kind())
	default:
		fmt.Fprintf(sb, "[%T]\n", v)
	}
}

// hexDump writes b as ACPICA's AcpiUtDumpBuffer does: 16 bytes a line, an
// offset, and the printable characters after "//".
func hexDump(sb *strings.Builder, b []byte) {
	if len(b) == 0 {
		sb.WriteString("\n")
		return
	}
	for off := 0; off < len(b); off += 16 {
		fmt.Fprintf(sb, "%8.4X: ", off)
		for j := 0; j < 16; j++ {
			if off+j < len(b) {
				fmt.Fprintf(sb, "%02X ", b[off+j])
			} else {
				sb.WriteString("   ")
			}
		}
		sb.WriteString(" // ")
		for j := off; j < off+16 && j < len(b); j++ {
			c := b[j]
			if c < 0x20 || c > 0x7E {
				c = '.'
			}
			sb.WriteByte(c)
		}
		sb.WriteString("\n")
	}
}

// quote writes s as ACPICA's AcpiUtPrintString does: C escapes, \xNN for
// other unprintable bytes, at most 255 characters then "...".
func quote(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for i := 0; i < len(s) && i < 255; i++ {
		switch c := s[i]; c {
		case '\a':
			sb.WriteString(`\a`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case '\v':
			sb.WriteString(`\v`)
		case '\'', '"', '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		default:
			if c < 0x20 || c > 0x7E {
				fmt.Fprintf(&sb, `\x%02X`, c)
			} else {
				sb.WriteByte(c)
			}
		}
	}
	sb.WriteByte('"')
	if len(s) > 255 {
		sb.WriteString("...")
	}
	return sb.String()
}

// JSONValue is the JSON form of an evaluated value: {"type":"Integer",
// "value":"0x1234"}, {"type":"String","value":"aAcd"}, {"type":"Buffer",
// "value":"<hex>"}, {"type":"Package","value":[…]}, {"type":"Reference",
// "value":"\\_SB_.PCI0"}; an unset package element is {"type":"Uninitialized"}
// and a method that returned nothing {"type":"None"}.
type JSONValue struct {
	Type  string `json:"type"`
	Value any    `json:"value,omitempty"`
}

// JSON converts v to its JSONValue.
func JSON(v aml.Object) JSONValue {
	return toJSON(v, 0)
}

func toJSON(v aml.Object, depth int) JSONValue {
	if depth > maxNesting {
		return JSONValue{Type: "Error", Value: "packages nested too deeply"}
	}
	switch x := v.(type) {
	case nil:
		if depth == 0 {
			return JSONValue{Type: "None"}
		}
		return JSONValue{Type: "Uninitialized"}
	case aml.Integer:
		return JSONValue{Type: "Integer", Value: fmt.Sprintf("0x%X", uint64(x))}
	case aml.String:
		return JSONValue{Type: "String", Value: string(x)}
	case aml.Buffer:
		return JSONValue{Type: "Buffer", Value: hex.EncodeToString(x)}
	case *aml.Package:
		els := make([]JSONValue, len(x.Elements))
		for i, e := range x.Elements {
			els[i] = toJSON(e, depth+1)
		}
		return JSONValue{Type: "Package", Value: els}
	case *aml.Reference:
		if x.Node != nil {
			return JSONValue{Type: "Reference", Value: x.Node.Path()}
		}
		return JSONValue{Type: "Reference", Value: x.Path}
	}
	return JSONValue{Type: fmt.Sprintf("%T", v)}
}

// MarshalJSONLine is JSON(v) as one line of JSON text.
func MarshalJSONLine(v aml.Object) ([]byte, error) {
	return json.Marshal(JSON(v))
}
