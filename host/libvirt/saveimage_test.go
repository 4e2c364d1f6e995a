package libvirt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// image builds a save image as libvirt writes one: header, XML, cookie and
// 64 KiB of padding, then the migration stream.
func image(xml, cookie string, stream []byte) []byte {
	data := append([]byte(xml), 0)
	cookieAt := len(data)
	data = append(append(data, cookie...), 0)
	data = append(data, make([]byte, 64<<10)...)
	hdr := make([]byte, saveHeaderSize)
	copy(hdr, saveMagic)
	for i, v := range []uint32{2, uint32(len(data)), 1, 0, uint32(cookieAt)} {
		binary.LittleEndian.PutUint32(hdr[16+4*i:], v)
	}
	return append(append(hdr, data...), stream...)
}

func TestParseSaveImage(t *testing.T) {
	stream := []byte("QEVM\x00\x00\x00\x03stream")
	raw := image("<domain/>", "<cookie/>", stream)
	img, err := parseSaveImage(bytes.NewReader(raw), "x")
	if err != nil {
		t.Fatal(err)
	}
	if img.xml != "<domain/>" || img.cookie != "<cookie/>" || img.wasRunning != 1 || img.version != 2 {
		t.Errorf("parsed %+v", img)
	}
	if !bytes.Equal(raw[img.streamAt:], stream) {
		t.Errorf("stream starts at %d: %q", img.streamAt, raw[img.streamAt:])
	}
}

func TestParseSaveImageErrors(t *testing.T) {
	good := image("<domain/>", "<cookie/>", nil)
	set := func(i int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[16+4*i:], v)
		return b
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "reading the 92-byte header"},
		{"qemu stream", []byte("QEVM\x00\x00\x00\x03" + strings.Repeat("x", 100)), "not a libvirt QEMU save image"},
		{"partial", append([]byte(savePartial), good[16:]...), "did not finish"},
		{"version", set(0, 7), "header version 7"},
		{"swapped version", set(0, 2<<24), "header version"},
		{"huge data", set(1, 1<<30), "data length"},
		{"truncated data", good[:saveHeaderSize+5], "reading"},
		{"cookie inside xml", set(4, 3), "cookie offset 3"},
		{"cookie past data", set(4, 1<<20), "cookie offset"},
		{"empty xml", image("", "", nil), "XML is empty"},
	}
	for _, tc := range tests {
		_, err := parseSaveImage(bytes.NewReader(tc.data), "f")
		var bad *SaveImageError
		if !errors.As(err, &bad) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want a *SaveImageError mentioning %q", tc.name, err, tc.want)
		}
	}
}

// TestWriteCloneImage: the clone's image has the new XML, the original's
// cookie and flags, and the original's stream byte for byte.
func TestWriteCloneImage(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join(dir, "src.save")
	stream := bytes.Repeat([]byte("stream "), 1000)
	if err := os.WriteFile(from, image("<domain><name>a</name></domain>", "<cookie/>", stream), 0o600); err != nil {
		t.Fatal(err)
	}
	img, err := readSaveImage(from)
	if err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(dir, "clone.save")
	if err := writeCloneImage(from, img, "<domain><name>a-1</name></domain>", to); err != nil {
		t.Fatal(err)
	}
	clone, err := readSaveImage(to)
	if err != nil {
		t.Fatal(err)
	}
	if clone.xml != "<domain><name>a-1</name></domain>" || clone.cookie != "<cookie/>" || clone.wasRunning != 1 || clone.version != 2 {
		t.Errorf("clone image %+v", clone)
	}
	data, _ := os.ReadFile(to)
	if !bytes.Equal(data[clone.streamAt:], stream) {
		t.Error("the clone's migration stream differs from the original's")
	}
	if err := writeCloneImage(from, img, "<domain/>", to); err == nil {
		t.Error("writeCloneImage overwrote an existing file")
	}
}

func FuzzParseSaveImage(f *testing.F) {
	f.Add(image("<domain/>", "<cookie/>", []byte("QEVM")))
	f.Add(image("<domain/>", "", nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := parseSaveImage(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !errors.As(err, new(*SaveImageError)) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if img.streamAt > int64(len(data)) || img.xml == "" {
			t.Fatalf("parsed %+v from %d bytes", img, len(data))
		}
		// What parses can be written back and parses the same.
		head, err := img.header(img.xml)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseSaveImage(bytes.NewReader(head), "again")
		if err != nil || again.xml != img.xml || again.cookie != img.cookie {
			t.Fatalf("round trip: %+v, %v", again, err)
		}
	})
}
