package bsdsrc

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vmgenid/vmgenid/acpi"
	"github.com/vmgenid/vmgenid/internal/source"
	"github.com/vmgenid/vmgenid/internal/sysctl"
)

// Where the test image puts things. The SSDT's VGIA (0x0FFFF000) fixes
// where the ID lives: VGIA + 0x28.
const (
	imgRSDP = 0x1000
	imgRoot = 0x2000
	imgFACP = 0x3000
	imgFACS = 0x3800
	imgDSDT = 0x4000
	imgNext = 0x8000 // further tables, 0x400 apart
	imgID   = 0x0ffff028
)

// memImage is a sparse file laid out like a q35 guest's physical memory.
type memImage struct {
	t    *testing.T
	f    *os.File
	path string
}

func newMemImage(t *testing.T) *memImage {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mem")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &memImage{t: t, f: f, path: path}
}

func (m *memImage) put(addr uint64, b []byte) {
	m.t.Helper()
	if _, err := m.f.WriteAt(b, int64(addr)); err != nil {
		m.t.Fatal(err)
	}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "qemu-q35", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixSum sets the checksum byte at off so that b sums to zero.
func fixSum(b []byte, off int) {
	b[off] = 0
	var sum byte
	for _, c := range b {
		sum += c
	}
	b[off] = -sum
}

func sdt(sig string, body []byte) []byte {
	b := make([]byte, acpi.HeaderSize, acpi.HeaderSize+len(body))
	copy(b, sig)
	binary.LittleEndian.PutUint32(b[4:], uint32(acpi.HeaderSize+len(body)))
	b[8] = 1
	copy(b[10:], "VMGTST")
	b = append(b, body...)
	fixSum(b, 9)
	return b
}

// buildQ35 writes the q35 fixture tables, an XSDT (or RSDT when rev is 0)
// and an RSDP into m, and the ID at the address the SSDT computes.
func buildQ35(t *testing.T, m *memImage, rev byte, id []byte) {
	t.Helper()
	facp := fixture(t, "FACP")
	binary.LittleEndian.PutUint32(facp[36:], imgFACS)
	binary.LittleEndian.PutUint32(facp[40:], imgDSDT)
	if len(facp) >= 148 {
		binary.LittleEndian.PutUint64(facp[132:], 0)
		binary.LittleEndian.PutUint64(facp[140:], 0)
		if rev >= 2 {
			binary.LittleEndian.PutUint64(facp[140:], imgDSDT)
		}
	}
	fixSum(facp, 9)
	m.put(imgFACP, facp)
	m.put(imgFACS, fixture(t, "FACS"))
	m.put(imgDSDT, fixture(t, "DSDT"))
	entries := []uint64{imgFACP, imgFACS} // a FACS listed by mistake is skipped
	for i, name := range []string{"SSDT", "HPET", "MCFG", "WAET"} {
		addr := uint64(imgNext + 0x400*i)
		m.put(addr, fixture(t, name))
		entries = append(entries, addr)
	}
	var body []byte
	sig := "RSDT"
	if rev >= 2 {
		sig = "XSDT"
		for _, e := range entries {
			body = binary.LittleEndian.AppendUint64(body, e)
		}
	} else {
		for _, e := range entries {
			body = binary.LittleEndian.AppendUint32(body, uint32(e))
		}
	}
	m.put(imgRoot, sdt(sig, body))
	rsdp := make([]byte, 36)
	copy(rsdp, "RSD PTR ")
	copy(rsdp[9:], "VMGTST")
	rsdp[15] = rev
	if rev >= 2 {
		binary.LittleEndian.PutUint32(rsdp[20:], 36)
		binary.LittleEndian.PutUint64(rsdp[24:], imgRoot)
	} else {
		binary.LittleEndian.PutUint32(rsdp[16:], imgRoot)
	}
	fixSum(rsdp[:20], 8)
	if rev >= 2 {
		fixSum(rsdp, 32)
		m.put(imgRSDP, rsdp)
	} else {
		m.put(imgRSDP, rsdp[:20])
	}
	m.put(imgID, id)
}

func openImage(m *memImage) *imageReader { return &imageReader{f: m.f} }

// imageReader reads the image file directly (physmem.Reader).
type imageReader struct{ f *os.File }

func (r *imageReader) ReadPhys(addr uint64, p []byte) error {
	_, err := r.f.ReadAt(p, int64(addr))
	return err
}

func TestReadMemoryQ35(t *testing.T) {
	for _, rev := range []byte{0, 2} {
		m := newMemImage(t)
		buildQ35(t, m, rev, qemuID[:])
		tables, warnings, err := acpi.ReadMemory(openImage(m), imgRSDP)
		if err != nil || len(warnings) != 0 {
			t.Fatalf("rev %d: %v %v", rev, err, warnings)
		}
		var names []string
		for _, tb := range tables {
			names = append(names, tb.Name)
			// The FACP was patched to point at the image's DSDT.
			if tb.Name != "FACP" && !slices.Equal(tb.Data, fixture(t, tb.Name)) {
				t.Errorf("rev %d: table %s differs from the fixture", rev, tb.Name)
			}
		}
		want := []string{"FACP", "SSDT", "HPET", "MCFG", "WAET", "DSDT"}
		if !slices.Equal(names, want) {
			t.Errorf("rev %d: tables %q; want %q", rev, names, want)
		}
	}
}

func TestReadMemoryQ35Errors(t *testing.T) {
	tests := []struct {
		name  string
		patch func(m *memImage)
		want  string
	}{
		{"no RSDP", func(m *memImage) { m.put(imgRSDP, []byte("RSD PTX ")) }, `RSDP at 0x1000: signature "RSD PTX "`},
		{"RSDP checksum", func(m *memImage) { m.put(imgRSDP+9, []byte("X")) }, "checksum of the first 20 bytes"},
		{"RSDP extended checksum", func(m *memImage) { m.put(imgRSDP+33, []byte{1}) }, "extended checksum"},
		{"root signature", func(m *memImage) { m.put(imgRoot, []byte("YSDT")) }, `XSDT at 0x2000: signature "YSDT"`},
		{"root too short", func(m *memImage) { m.put(imgRoot+4, []byte{35, 0, 0, 0}) }, "XSDT at 0x2000: length 35"},
		{"table too long", func(m *memImage) { m.put(imgNext+4, []byte{0, 0, 0, 0x10}) }, "XSDT entry 2 at 0x8000: length 268435456"},
		{"table past memory", func(m *memImage) {
			m.put(imgRoot+acpi.HeaderSize+8*3, binary.LittleEndian.AppendUint64(nil, 0x7fff0000))
		}, "XSDT entry 3 at 0x7fff0000"},
		{"dsdt garbage", func(m *memImage) { m.put(imgDSDT+4, []byte{1, 0, 0, 0}) }, "DSDT at 0x4000: length 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemImage(t)
			buildQ35(t, m, 2, qemuID[:])
			tt.patch(m)
			_, _, err := acpi.ReadMemory(openImage(m), imgRSDP)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadMemory = %v; want an error saying %q", err, tt.want)
			}
		})
	}
	// An RSDP whose RSDT pointer is zero.
	m := newMemImage(t)
	rsdp := make([]byte, 20)
	copy(rsdp, "RSD PTR ")
	fixSum(rsdp, 8)
	m.put(imgRSDP, rsdp)
	if _, _, err := acpi.ReadMemory(openImage(m), imgRSDP); err == nil || !strings.Contains(err.Error(), "no RSDT or XSDT") {
		t.Fatalf("ReadMemory with no root = %v", err)
	}
}

// TestPlatformFallback: a NetBSD kernel without acpivmgenid(4) but with
// /dev/mem finds the device through the tables in memory and reads the ID.
func TestPlatformFallback(t *testing.T) {
	m := newMemImage(t)
	buildQ35(t, m, 2, qemuID[:])
	r := sysctl.NewMap(map[string][]byte{"hw.acpi.root": u64(imgRSDP), "kern.entropy.epoch": u32(2)})
	opts := source.Options{ACPITables: filepath.Join(t.TempDir(), "none"), Mem: m.path}

	// The tables are read into memory, never copied to files.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	src, looked, ok := Platform("netbsd", r, opts)
	if !ok {
		t.Fatalf("Platform = %q, not ok", looked)
	}
	ms, isMem := src.(*MemTables)
	if !isMem {
		t.Fatalf("Platform source is %T; want *MemTables", src)
	}
	if !strings.Contains(ms.Location(), "RSDP 0x1000") {
		t.Errorf("Location = %q", ms.Location())
	}
	devs, err := src.Devices()
	if err != nil || len(devs) != 1 {
		t.Fatalf("Devices = %+v, %v", devs, err)
	}
	if devs[0].PAddr != imgID || devs[0].HID != "QEMUVGID" {
		t.Errorf("device = %+v", devs[0])
	}
	id, _, err := src.ReadID(devs[0])
	if err != nil || id != qemuID {
		t.Fatalf("ReadID = %v, %v; want %v", id, err, qemuID)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the memory source wrote %v to the temporary directory", left)
	}
	if err := ms.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPlatformChoices(t *testing.T) {
	m := newMemImage(t)
	buildQ35(t, m, 2, qemuID[:])
	noMem := filepath.Join(t.TempDir(), "nomem")

	// The driver wins.
	src, _, ok := Platform("netbsd", netbsdGuest(), source.Options{Mem: m.path})
	if _, isNetBSD := src.(*NetBSD); !ok || !isNetBSD {
		t.Errorf("with the driver: %T, %v", src, ok)
	}
	// No driver, no memory: explained.
	_, looked, ok := Platform("freebsd", sysctl.NewMap(nil), source.Options{Mem: noMem})
	if ok || !strings.Contains(looked, "vmgenc(4)") || !strings.Contains(looked, noMem) {
		t.Errorf("no driver, no memory: ok %v, looked %q", ok, looked)
	}
	// No driver, memory, a tables directory: Detect's ACPI source will use it.
	tdir := t.TempDir()
	_, looked, ok = Platform("netbsd", sysctl.NewMap(nil), source.Options{Mem: m.path, ACPITables: tdir})
	if ok || !strings.Contains(looked, "using the ACPI tables in "+tdir) {
		t.Errorf("tables directory: ok %v, looked %q", ok, looked)
	}
	// No driver, memory, but no RSDP address.
	_, looked, ok = Platform("netbsd", sysctl.NewMap(nil), source.Options{Mem: m.path})
	if ok || !strings.Contains(looked, "hw.acpi.root") {
		t.Errorf("no RSDP: ok %v, looked %q", ok, looked)
	}
	// Not a BSD.
	_, looked, ok = Platform("linux", sysctl.NewMap(nil), source.Options{Mem: m.path})
	if ok || !strings.Contains(looked, "linux kernel driver") {
		t.Errorf("linux: ok %v, looked %q", ok, looked)
	}
}
