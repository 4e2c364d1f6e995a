package source

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/vmgenid/vmgenid/acpi"
)

// patternMemory answers every physical read with bytes derived from the
// address, so that SystemMemory fields evaluate to something.
type patternMemory struct{}

func (patternMemory) ReadPhys(addr uint64, p []byte) error {
	for i := range p {
		p[i] = byte(addr + uint64(i))
	}
	return nil
}

// definitionBlock wraps AML in an SDT header with a valid checksum.
func definitionBlock(sig string, revision byte, body []byte) []byte {
	t := make([]byte, acpi.HeaderSize+len(body))
	copy(t, sig)
	binary.LittleEndian.PutUint32(t[4:], uint32(len(t)))
	t[8] = revision
	copy(t[10:], "VMGTST")
	copy(t[16:], "FUZZ    ")
	copy(t[acpi.HeaderSize:], body)
	var sum byte
	for _, b := range t {
		sum += b
	}
	t[9] = -sum
	return t
}

// FuzzACPIDiscovery runs device discovery (namespace, _HID/_CID/_STA
// evaluation, ADDR validation) over hostile AML: it must never panic, and
// what it reports must hold together.
func FuzzACPIDiscovery(f *testing.F) {
	seeds := []string{
		"fixtures/firecracker/DSDT", "fixtures/qemu-q35/SSDT",
		"tables/method-addr/DSDT", "tables/name-addr/DSDT", "tables/nested-scopes/DSDT",
		"tables/cid-package/DSDT", "tables/sta/DSDT", "tables/opregion-addr/DSDT",
		"tables/high-addr/DSDT", "tables/invalid/DSDT",
	}
	for _, s := range seeds {
		data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(s)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[acpi.HeaderSize:], byte(2))
	}
	f.Fuzz(func(t *testing.T, body []byte, revision byte) {
		tbl, err := acpi.Parse("DSDT", definitionBlock("DSDT", revision, body))
		if err != nil {
			t.Fatalf("the wrapper built an invalid table: %v", err)
		}
		s := NewACPITables("fuzz", []*acpi.Table{tbl}, nil, "")
		s.amlMem, s.maxSteps = patternMemory{}, 20000
		devs, err := s.Devices()
		if err != nil {
			return
		}
		for _, d := range devs {
			if d.AddrErr == nil && CheckAddr(d.PAddr) != nil {
				t.Fatalf("%s: PAddr %#x accepted but CheckAddr says %v", d.Path, d.PAddr, CheckAddr(d.PAddr))
			}
			if d.Readable() == nil && d.PAddr == 0 {
				t.Fatalf("%s: readable at address 0", d.Path)
			}
		}
	})
}
