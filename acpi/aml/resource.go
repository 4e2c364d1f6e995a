package aml

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Resource is one descriptor of a resource template, the Buffer _CRS
// returns (ACPI 6.5 section 6.4).
type Resource struct {
	// Type is the ASL macro name of the descriptor: "QWordMemory",
	// "DWordMemory", "WordMemory", "ExtendedMemory", "Memory32Fixed",
	// "Memory32", "Memory24", "QWordIO", "DWordIO", "WordIO",
	// "WordBusNumber" (and the other address kinds), "IO", "FixedIO",
	// "IRQ", "Interrupt", "DMA", "FixedDMA", "GenericRegister", … A
	// descriptor this package does not decode is "SmallItem(0xNN)" or
	// "LargeItem(0xNN)" and only Offset and Raw are set.
	Type string
	// Offset is the descriptor's offset in the template.
	Offset int
	// Base is the start of the range: the fixed base, or the range minimum
	// for descriptors that give a minimum and maximum.
	Base uint64
	// Length is the range's length in bytes (or I/O ports, or bus numbers).
	Length uint64
	// Max is the range maximum where the descriptor has one.
	Max uint64
	// Granularity and Translation come from address space descriptors.
	Granularity uint64
	Translation uint64
	// Writable is the read/write flag of memory descriptors.
	Writable bool
	// Consumer is set when an address space or interrupt descriptor says
	// the device consumes (rather than produces) the resource.
	Consumer bool
	// Interrupts lists IRQ numbers (IRQ) or global system interrupts
	// (Interrupt).
	Interrupts []uint32
	// Raw is the whole descriptor, header included (shares buf's memory).
	Raw []byte
}

// maxResources bounds the descriptors decoded from one template.
const maxResources = 4096

// ParseResources decodes a resource template up to its end tag. Every
// descriptor is bounds-checked; a descriptor that runs past the buffer, is
// too short for its type, or a missing end tag is an *Error whose Offset is
// the descriptor's offset in buf and whose Opcode names the descriptor.
func ParseResources(buf []byte) ([]Resource, error) {
	var out []Resource
	for off := 0; off < len(buf); {
		if len(out) >= maxResources {
			return nil, resErr(off, "", fmt.Errorf("%w: more than %d descriptors", ErrTooLarge, maxResources))
		}
		tag := buf[off]
		if tag&0x80 == 0 {
			// Small item: type in bits 6-3, length in bits 2-0.
			kind, n := (tag>>3)&0x0F, int(tag&7)
			end := off + 1 + n
			if end > len(buf) {
				return nil, resErr(off, smallName(kind), fmt.Errorf("%w: descriptor of %d bytes, %d left", ErrTruncated, 1+n, len(buf)-off))
			}
			if kind == 0x0F { // End tag
				return out, nil
			}
			r, err := smallResource(kind, buf[off+1:end])
			if err != nil {
				return nil, resErr(off, smallName(kind), err)
			}
			r.Offset, r.Raw = off, buf[off:end]
			out = append(out, r)
			off = end
			continue
		}
		kind := tag & 0x7F
		if off+3 > len(buf) {
			return nil, resErr(off, largeName(kind), fmt.Errorf("%w: large descriptor header needs 3 bytes, %d left", ErrTruncated, len(buf)-off))
		}
		n := int(binary.LittleEndian.Uint16(buf[off+1:]))
		end := off + 3 + n
		if end > len(buf) {
			return nil, resErr(off, largeName(kind), fmt.Errorf("%w: descriptor of %d bytes, %d left", ErrTruncated, 3+n, len(buf)-off))
		}
		r, err := largeResource(kind, buf[off+3:end])
		if err != nil {
			return nil, resErr(off, largeName(kind), err)
		}
		r.Offset, r.Raw = off, buf[off:end]
		out = append(out, r)
		off = end
	}
	return nil, resErr(len(buf), "EndTag", errors.New("resource template has no end tag"))
}

// resourceEnd is the offset of buf's end tag: 0 for an empty buf (taken
// as a lone end tag, as ACPICA's AcpiUtGetResourceEndTag does).
func resourceEnd(buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, nil
	}
	rs, err := ParseResources(buf)
	if err != nil {
		return 0, err
	}
	if len(rs) == 0 {
		return 0, nil
	}
	last := rs[len(rs)-1]
	return last.Offset + len(last.Raw), nil
}

func resErr(off int, what string, err error) *Error {
	if what == "" {
		what = "ResourceDescriptor"
	}
	return &Error{Table: "resource template", Offset: off, Opcode: what, Err: err}
}

func smallName(kind byte) string {
	switch kind {
	case 0x04:
		return "IRQ"
	case 0x05:
		return "DMA"
	case 0x06:
		return "StartDependentFn"
	case 0x07:
		return "EndDependentFn"
	case 0x08:
		return "IO"
	case 0x09:
		return "FixedIO"
	case 0x0A:
		return "FixedDMA"
	case 0x0E:
		return "VendorShort"
	case 0x0F:
		return "EndTag"
	}
	return fmt.Sprintf("SmallItem(0x%02X)", kind)
}

func largeName(kind byte) string {
	switch kind {
	case 0x01:
		return "Memory24"
	case 0x02:
		return "GenericRegister"
	case 0x04:
		return "VendorLong"
	case 0x05:
		return "Memory32"
	case 0x06:
		return "Memory32Fixed"
	case 0x07:
		return "DWordAddress"
	case 0x08:
		return "WordAddress"
	case 0x09:
		return "Interrupt"
	case 0x0A:
		return "QWordAddress"
	case 0x0B:
		return "ExtendedAddress"
	case 0x0C:
		return "GPIO"
	case 0x0E:
		return "SerialBus"
	case 0x0F:
		return "PinFunction"
	case 0x10:
		return "PinConfig"
	case 0x11:
		return "PinGroup"
	case 0x12:
		return "PinGroupFunction"
	case 0x13:
		return "PinGroupConfig"
	}
	return fmt.Sprintf("LargeItem(0x%02X)", kind)
}

func needLen(d []byte, n int) error {
	if len(d) < n {
		return fmt.Errorf("%w: descriptor body has %d bytes, its type needs %d", ErrTruncated, len(d), n)
	}
	return nil
}

func smallResource(kind byte, d []byte) (Resource, error) {
	r := Resource{Type: smallName(kind)}
	le16 := func(i int) uint64 { return uint64(binary.LittleEndian.Uint16(d[i:])) }
	switch kind {
	case 0x04: // IRQ: 16-bit mask, optional flags
		if err := needLen(d, 2); err != nil {
			return r, err
		}
		mask := binary.LittleEndian.Uint16(d)
		for i := uint32(0); i < 16; i++ {
			if mask&(1<<i) != 0 {
				r.Interrupts = append(r.Interrupts, i)
			}
		}
	case 0x08: // IO: info, min, max, alignment, length
		if err := needLen(d, 7); err != nil {
			return r, err
		}
		r.Base, r.Max, r.Granularity, r.Length = le16(1), le16(3), uint64(d[5]), uint64(d[6])
	case 0x09: // FixedIO: base (10 bits), length
		if err := needLen(d, 3); err != nil {
			return r, err
		}
		r.Base, r.Length = le16(0)&0x3FF, uint64(d[2])
	case 0x0A: // FixedDMA: request line, channel, width
		if err := needLen(d, 5); err != nil {
			return r, err
		}
		r.Base = le16(0)
	}
	return r, nil
}

func largeResource(kind byte, d []byte) (Resource, error) {
	r := Resource{Type: largeName(kind)}
	le16 := func(i int) uint64 { return uint64(binary.LittleEndian.Uint16(d[i:])) }
	le32 := func(i int) uint64 { return uint64(binary.LittleEndian.Uint32(d[i:])) }
	switch kind {
	case 0x01: // Memory24: info, min, max, alignment, length (in 256-byte units)
		if err := needLen(d, 9); err != nil {
			return r, err
		}
		r.Writable = d[0]&1 != 0
		r.Base, r.Max, r.Granularity, r.Length = le16(1)<<8, le16(3)<<8, le16(5), le16(7)<<8
	case 0x05: // Memory32: info, min, max, alignment, length
		if err := needLen(d, 17); err != nil {
			return r, err
		}
		r.Writable = d[0]&1 != 0
		r.Base, r.Max, r.Granularity, r.Length = le32(1), le32(5), le32(9), le32(13)
	case 0x06: // Memory32Fixed: info, base, length
		if err := needLen(d, 9); err != nil {
			return r, err
		}
		r.Writable = d[0]&1 != 0
		r.Base, r.Length = le32(1), le32(5)
	case 0x02: // GenericRegister: space, width, offset, access size, address
		if err := needLen(d, 12); err != nil {
			return r, err
		}
		r.Base = binary.LittleEndian.Uint64(d[4:])
		r.Length = uint64(d[1]) / 8
	case 0x09: // Extended interrupt: flags, count, count × uint32
		if err := needLen(d, 2); err != nil {
			return r, err
		}
		r.Consumer = d[0]&1 != 0
		count := int(d[1])
		if err := needLen(d, 2+4*count); err != nil {
			return r, err
		}
		for i := 0; i < count; i++ {
			r.Interrupts = append(r.Interrupts, uint32(le32(2+4*i)))
		}
	case 0x07, 0x08, 0x0A, 0x0B:
		return addressResource(kind, d)
	}
	return r, nil
}

// addressResource decodes Word/DWord/QWord/Extended address space
// descriptors: resource type, general flags, type-specific flags, then
// granularity, minimum, maximum, translation offset and length.
func addressResource(kind byte, d []byte) (Resource, error) {
	size, prefix, fixed := 8, "QWord", 3
	switch kind {
	case 0x08:
		size, prefix = 2, "Word"
	case 0x07:
		size, prefix = 4, "DWord"
	case 0x0B:
		prefix, fixed = "Extended", 5 // revision and a reserved byte
	}
	if err := needLen(d, fixed+5*size); err != nil {
		return Resource{Type: largeName(kind)}, err
	}
	val := func(i int) uint64 {
		p := d[fixed+i*size:]
		switch size {
		case 2:
			return uint64(binary.LittleEndian.Uint16(p))
		case 4:
			return uint64(binary.LittleEndian.Uint32(p))
		}
		return binary.LittleEndian.Uint64(p)
	}
	var space string
	switch d[0] {
	case 0:
		space = "Memory"
	case 1:
		space = "IO"
	case 2:
		space = "BusNumber"
	default:
		space = fmt.Sprintf("Space(0x%02X)", d[0])
	}
	r := Resource{
		Type:        prefix + space,
		Consumer:    d[1]&1 != 0,
		Granularity: val(0),
		Base:        val(1),
		Max:         val(2),
		Translation: val(3),
		Length:      val(4),
	}
	if d[0] == 0 {
		r.Writable = d[2]&1 != 0
	}
	return r, nil
}
