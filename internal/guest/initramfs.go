package guest

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
)

// File is one entry of an initramfs.
type File struct {
	Name string      // path inside the archive, without a leading slash ("bin/vmgenid")
	Mode os.FileMode // permission bits plus os.ModeDir or os.ModeCharDevice for those kinds
	Data []byte      // contents of a regular file
	// Major and Minor are the device numbers of a character device.
	Major, Minor uint32
}

// WriteInitramfs writes files as a gzip-compressed cpio archive in the
// "newc" format the Linux kernel unpacks into its initial root file system.
func WriteInitramfs(w io.Writer, files []File) error {
	zw := gzip.NewWriter(w)
	cw := &cpioWriter{w: zw}
	for _, f := range files {
		if err := cw.add(f); err != nil {
			return err
		}
	}
	if err := cw.add(File{Name: "TRAILER!!!"}); err != nil {
		return err
	}
	return zw.Close()
}

type cpioWriter struct {
	w   io.Writer
	ino uint32
}

// newc file-type bits (from stat.h), as cpio stores them in c_mode.
const (
	cpioRegular = 0o100000
	cpioDir     = 0o040000
	cpioCharDev = 0o020000
)

func (c *cpioWriter) add(f File) error {
	if f.Name == "" || strings.HasPrefix(f.Name, "/") || strings.Contains(f.Name, "\x00") {
		return fmt.Errorf("initramfs: bad file name %q", f.Name)
	}
	mode := uint32(f.Mode.Perm())
	nlink := uint32(1)
	var data []byte
	switch {
	case f.Name == "TRAILER!!!":
		mode = 0
	case f.Mode&os.ModeDir != 0:
		mode |= cpioDir
		nlink = 2
	case f.Mode&os.ModeCharDevice != 0:
		mode |= cpioCharDev
	default:
		mode |= cpioRegular
		data = f.Data
	}
	if uint64(len(data)) > 0xffffffff {
		return fmt.Errorf("initramfs: %s is larger than newc's 4 GiB limit", f.Name)
	}
	c.ino++
	hdr := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		c.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, f.Major, f.Minor, len(f.Name)+1, 0)
	// Header (110 bytes) and name are padded together to a multiple of 4;
	// so is the data.
	if err := c.write([]byte(hdr + f.Name + "\x00")); err != nil {
		return err
	}
	return c.write(data)
}

func (c *cpioWriter) write(b []byte) error {
	if _, err := c.w.Write(b); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	if pad := (4 - len(b)%4) % 4; pad > 0 {
		if _, err := c.w.Write(make([]byte, pad)); err != nil {
			return fmt.Errorf("initramfs: %w", err)
		}
	}
	return nil
}
