package acpi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// flatMemory is physical memory from address 0 up to len; reads past it
// fail.
type flatMemory []byte

func (m flatMemory) ReadPhys(addr uint64, p []byte) error {
	if addr > uint64(len(m)) || uint64(len(p)) > uint64(len(m))-addr {
		return errors.New("no memory there")
	}
	copy(p, m[addr:])
	return nil
}

// image lays out an RSDP at 0 and the given tables from 0x100 on, listed
// in an XSDT (revision 2) or an RSDT; the FACP gets the DSDT's address.
func image(t testing.TB, rev byte, dsdt []byte, listed ...[]byte) flatMemory {
	t.Helper()
	mem := make(flatMemory, 0x100)
	put := func(b []byte) uint64 {
		addr := uint64(len(mem))
		mem = append(mem, b...)
		mem = append(mem, make([]byte, 16-len(mem)%16)...)
		return addr
	}
	dsdtAddr := put(dsdt)
	var entries []uint64
	for _, b := range listed {
		if string(b[:4]) == "FACP" {
			b = slices.Clone(b)
			binary.LittleEndian.PutUint32(b[40:], uint32(dsdtAddr))
			if len(b) >= 148 {
				binary.LittleEndian.PutUint64(b[140:], 0)
			}
			b[9] = 0
			b[9] = -checksum(b)
		}
		entries = append(entries, put(b))
	}
	sig, size := "RSDT", 4
	if rev >= 2 {
		sig, size = "XSDT", 8
	}
	root := make([]byte, HeaderSize, HeaderSize+size*len(entries))
	copy(root, sig)
	for _, e := range entries {
		root = binary.LittleEndian.AppendUint64(root, e)[:len(root)+size]
	}
	binary.LittleEndian.PutUint32(root[4:], uint32(len(root)))
	root[9] = -checksum(root)
	rootAddr := put(root)
	copy(mem, "RSD PTR ")
	mem[15] = rev
	binary.LittleEndian.PutUint32(mem[16:], uint32(rootAddr))
	mem[8] = -checksum(mem[:20])
	if rev >= 2 {
		binary.LittleEndian.PutUint32(mem[20:], 36)
		binary.LittleEndian.PutUint64(mem[24:], rootAddr)
		mem[32] = -checksum(mem[:36])
	}
	return mem
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadMemory(t *testing.T) {
	q := func(name string) []byte { return readFile(t, "testdata/qemu-q35/"+name) }
	for _, rev := range []byte{0, 2} {
		badSum := slices.Clone(q("HPET"))
		badSum[9]++
		mem := image(t, rev, q("DSDT"), q("FACP"), q("FACS"), q("SSDT"), badSum, q("SSDT"), []byte("\x01BAD\x24\x00\x00\x00"+strings.Repeat("\x00", 28)))
		tables, warnings, err := ReadMemory(mem, 0)
		if err != nil {
			t.Fatalf("rev %d: %v", rev, err)
		}
		var names []string
		for _, tb := range tables {
			names = append(names, tb.Name)
			if tb.Addr == 0 || !slices.Equal(tb.Data, mem[tb.Addr:tb.Addr+uint64(len(tb.Data))]) {
				t.Errorf("rev %d: %s at %#x is not what memory holds", rev, tb.Name, tb.Addr)
			}
		}
		// The FACS is left out, the SSDT listed twice at two addresses
		// numbered as Linux numbers it, the DSDT comes from the FADT; the
		// table with a bad signature is left out with a warning.
		if want := []string{"FACP", "SSDT1", "HPET", "SSDT2", "DSDT"}; !slices.Equal(names, want) {
			t.Errorf("rev %d: tables %q, want %q", rev, names, want)
		}
		var ce *ChecksumError
		var fe *FormatError
		if len(warnings) != 2 || !errors.As(warnings[0], &ce) || ce.Table != "HPET" || !errors.As(warnings[1], &fe) {
			t.Errorf("rev %d: warnings %v, want HPET's checksum and the bad signature", rev, warnings)
		}
		ns, err := Load("memory", tables, warnings, aml.Options{})
		if err != nil || ns.Lookup(`\_SB.VGEN`) == nil {
			t.Errorf("rev %d: the namespace from memory has no VGEN: %v", rev, err)
		}
	}
}

func TestReadMemoryErrors(t *testing.T) {
	good := image(t, 2, readFile(t, "testdata/qemu-q35/DSDT"), readFile(t, "testdata/qemu-q35/FACP"))
	rootAddr := binary.LittleEndian.Uint64(good[24:])
	facpAddr := binary.LittleEndian.Uint64(good[rootAddr+HeaderSize:])
	tests := []struct {
		name  string
		patch func(m flatMemory)
		want  string
	}{
		{"no RSDP", func(m flatMemory) { copy(m, "RSD PTX ") }, `RSDP at 0x0: signature "RSD PTX "`},
		{"RSDP checksum", func(m flatMemory) { m[9]++ }, "checksum of the first 20 bytes"},
		{"RSDP extended checksum", func(m flatMemory) { m[33]++ }, "extended checksum"},
		{"root signature", func(m flatMemory) { copy(m[rootAddr:], "YSDT") }, "XSDT at " + hex(rootAddr) + `: signature "YSDT"`},
		{"root too short", func(m flatMemory) { m[rootAddr+4] = 35 }, "XSDT at " + hex(rootAddr) + ": length 35"},
		{"table too long", func(m flatMemory) { binary.LittleEndian.PutUint32(m[facpAddr+4:], 0x10000000) }, "XSDT entry 0 at " + hex(facpAddr) + ": length 268435456"},
		{"table past memory", func(m flatMemory) { m[rootAddr+HeaderSize+3] = 0x7f }, "XSDT entry 0 at " + hex(0x7f000000|facpAddr)},
		{"DSDT garbage", func(m flatMemory) { binary.LittleEndian.PutUint32(m[0x104:], 1) }, "DSDT at 0x100: length 1"},
	}
	for _, tt := range tests {
		m := slices.Clone(good)
		tt.patch(m)
		if _, _, err := ReadMemory(m, 0); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ReadMemory = %v; want an error saying %q", tt.name, err, tt.want)
		}
	}
}

func hex(v uint64) string { return fmt.Sprintf("%#x", v) }

func TestNameTables(t *testing.T) {
	mk := func(sig string) *Table { return &Table{Data: []byte(sig + "....")} }
	tables := []*Table{mk("SSDT"), mk("FACP"), mk("SSDT"), mk("../x"), mk("SSDT"), mk("\x00\x00\x00\x00")}
	nameTables(tables)
	var names []string
	for _, tb := range tables {
		names = append(names, tb.Name)
	}
	if want := []string{"SSDT1", "FACP", "SSDT2", "UNKN1", "SSDT3", "UNKN2"}; !slices.Equal(names, want) {
		t.Errorf("names %q; want %q", names, want)
	}
}

// FuzzReadMemory walks hostile memory from an RSDP at 0: never a panic, and
// every table returned is what memory holds at its address.
func FuzzReadMemory(f *testing.F) {
	f.Add([]byte(image(f, 2, readFile(f, "testdata/qemu-q35/DSDT"), readFile(f, "testdata/qemu-q35/FACP"))))
	f.Fuzz(func(t *testing.T, b []byte) {
		mem := flatMemory(b)
		tables, _, err := ReadMemory(mem, 0)
		if err != nil {
			return
		}
		for _, tb := range tables {
			if !slices.Equal(tb.Data, mem[tb.Addr:tb.Addr+uint64(len(tb.Data))]) {
				t.Fatalf("%s at %#x is not what memory holds", tb.Name, tb.Addr)
			}
		}
	})
}
