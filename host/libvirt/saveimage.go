package libvirt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// A libvirt QEMU save image ("virsh save", Domain.Save) is a header, the
// domain XML and a cookie, then QEMU's migration stream. libvirt restores an
// image only into the domain it was saved from: the same name and UUID. A
// clone needs its own name, UUID, disks and console files, so Conn.Clone
// writes a copy of the image whose XML says so, as libvirt itself writes it
// (src/qemu/qemu_saveimage.h: the layout is on-disk format, only ever
// extended at the end).
const (
	saveMagic       = "LibvirtQemudSave"
	savePartial     = "LibvirtQemudPart" // an unfinished save
	saveHeaderSize  = 16 + 19*4          // magic, 5 fields, 14 unused words
	saveVersionMax  = 2                  // the newest layout this package knows
	maxSaveDataSize = 16 << 20           // XML and cookie; libvirt's own are a few KiB plus 64 KiB of padding
)

// SaveImageError says what is wrong with a save image.
type SaveImageError struct {
	Path   string
	Reason string
}

func (e *SaveImageError) Error() string {
	return fmt.Sprintf("libvirt save image %s: %s", e.Path, e.Reason)
}

// saveImage is the parsed start of a save image.
type saveImage struct {
	version    uint32
	wasRunning uint32
	compressed uint32
	xml        string // the saved domain's XML
	cookie     string // libvirt's migration cookie ("" when absent)
	streamAt   int64  // where QEMU's migration stream starts
}

// parseSaveImage parses the header and data of a save image read from r.
func parseSaveImage(r io.Reader, path string) (*saveImage, error) {
	bad := func(format string, args ...any) error {
		return &SaveImageError{Path: path, Reason: fmt.Sprintf(format, args...)}
	}
	var hdr [saveHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, bad("reading the %d-byte header: %v", saveHeaderSize, err)
	}
	switch string(hdr[:16]) {
	case saveMagic:
	case savePartial:
		return nil, bad("the save did not finish (header says %q)", savePartial)
	default:
		return nil, bad("not a libvirt QEMU save image (magic %q)", hdr[:16])
	}
	word := func(i int) uint32 { return binary.LittleEndian.Uint32(hdr[16+4*i:]) }
	img := &saveImage{version: word(0), wasRunning: word(2), compressed: word(3)}
	dataLen, cookieAt := word(1), word(4)
	if img.version == 0 || img.version > saveVersionMax {
		return nil, bad("header version %d (this program knows 1 to %d, little-endian)", img.version, saveVersionMax)
	}
	if dataLen == 0 || dataLen > maxSaveDataSize {
		return nil, bad("data length %d out of range (1 to %d)", dataLen, maxSaveDataSize)
	}
	data := make([]byte, dataLen)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, bad("reading %d bytes of XML and cookie: %v", dataLen, err)
	}
	end := bytes.IndexByte(data, 0)
	if end <= 0 {
		return nil, bad("the domain XML is empty or not NUL-terminated within the data")
	}
	img.xml = string(data[:end])
	if img.version >= 2 && cookieAt != 0 {
		if cookieAt < uint32(end)+1 || cookieAt >= dataLen {
			return nil, bad("cookie offset %d outside the data after the XML (%d to %d)", cookieAt, end+1, dataLen-1)
		}
		cookie := data[cookieAt:]
		n := bytes.IndexByte(cookie, 0)
		if n < 0 {
			return nil, bad("the cookie at offset %d is not NUL-terminated", cookieAt)
		}
		img.cookie = string(cookie[:n])
	}
	img.streamAt = saveHeaderSize + int64(dataLen)
	return img, nil
}

// header returns the image's header and data with xml as its domain XML.
func (img *saveImage) header(xml string) ([]byte, error) {
	if bytes.IndexByte([]byte(xml), 0) >= 0 {
		return nil, errors.New("domain XML holds a NUL byte")
	}
	data := append([]byte(xml), 0)
	cookieAt := uint32(0)
	if img.version >= 2 && img.cookie != "" {
		cookieAt = uint32(len(data))
		data = append(append(data, img.cookie...), 0)
	}
	if len(data) > maxSaveDataSize {
		return nil, fmt.Errorf("domain XML of %d bytes: too large for a save image", len(xml))
	}
	out := make([]byte, saveHeaderSize, saveHeaderSize+len(data))
	copy(out, saveMagic)
	for i, v := range []uint32{img.version, uint32(len(data)), img.wasRunning, img.compressed, cookieAt} {
		binary.LittleEndian.PutUint32(out[16+4*i:], v)
	}
	return append(out, data...), nil
}

// readSaveImage opens and parses the save image at path.
func readSaveImage(path string) (*saveImage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseSaveImage(f, path)
}

// writeCloneImage writes to path a copy of the save image at from whose
// domain XML is xml. It never overwrites a file.
func writeCloneImage(from string, img *saveImage, xml, path string) (err error) {
	head, err := img.header(xml)
	if err != nil {
		return err
	}
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := src.Seek(img.streamAt, io.SeekStart); err != nil {
		return err
	}
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	if _, err := dst.Write(head); err != nil {
		return err
	}
	// On Linux io.Copy between files uses copy_file_range: the stream is
	// copied in the kernel (or shared, on file systems that can).
	_, err = io.Copy(dst, src)
	return err
}
