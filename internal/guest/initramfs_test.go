package guest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// readNewc is a minimal reader for the archives WriteInitramfs writes.
func readNewc(t *testing.T, gz []byte) []File {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	pos := 0
	field := func(i int) uint32 {
		v, err := strconv.ParseUint(string(raw[pos+6+8*i:pos+6+8*i+8]), 16, 32)
		if err != nil {
			t.Fatalf("header at %d field %d: %v", pos, i, err)
		}
		return uint32(v)
	}
	align := func(n int) int { return (n + 3) &^ 3 }
	for {
		if string(raw[pos:pos+6]) != "070701" {
			t.Fatalf("bad magic at %d", pos)
		}
		mode, size, major, minor, namesize := field(1), int(field(6)), field(9), field(10), int(field(11))
		name := string(raw[pos+110 : pos+110+namesize-1])
		pos = align(pos + 110 + namesize)
		if name == "TRAILER!!!" {
			if pos != len(raw) {
				t.Errorf("%d bytes after the trailer", len(raw)-pos)
			}
			return files
		}
		f := File{Name: name, Mode: os.FileMode(mode & 0o777), Major: major, Minor: minor}
		switch mode &^ 0o777 {
		case cpioDir:
			f.Mode |= os.ModeDir
		case cpioCharDev:
			f.Mode |= os.ModeDevice | os.ModeCharDevice
		case cpioRegular:
		default:
			t.Fatalf("%s: file type %o", name, mode&^0o777)
		}
		f.Data = raw[pos : pos+size]
		pos = align(pos + size)
		files = append(files, f)
	}
}

func TestWriteInitramfs(t *testing.T) {
	in := []File{
		{Name: "dev", Mode: os.ModeDir | 0o755},
		{Name: "dev/console", Mode: os.ModeDevice | os.ModeCharDevice | 0o600, Major: 5, Minor: 1},
		{Name: "init", Mode: 0o755, Data: []byte("#!/bin/sh\n")},
		{Name: "bin/odd-size", Mode: 0o644, Data: []byte("12345")},
		{Name: "empty", Mode: 0o644},
	}
	var buf bytes.Buffer
	if err := WriteInitramfs(&buf, in); err != nil {
		t.Fatal(err)
	}
	out := readNewc(t, buf.Bytes())
	if len(out) != len(in) {
		t.Fatalf("read back %d files, wrote %d", len(out), len(in))
	}
	for i := range in {
		a, b := in[i], out[i]
		if a.Name != b.Name || a.Mode != b.Mode || !bytes.Equal(a.Data, b.Data) || a.Major != b.Major || a.Minor != b.Minor {
			t.Errorf("file %d: wrote %+v, read %+v", i, a, b)
		}
	}

	// The system's cpio, where installed, must agree.
	if _, err := exec.LookPath("cpio"); err == nil {
		dir := t.TempDir()
		zr, _ := gzip.NewReader(bytes.NewReader(buf.Bytes()))
		raw, _ := io.ReadAll(zr)
		cmd := exec.Command("cpio", "-t")
		cmd.Stdin = bytes.NewReader(raw)
		cmd.Dir = dir
		list, err := cmd.Output()
		if err != nil {
			t.Fatalf("cpio -t: %v", err)
		}
		want := "dev\ndev/console\ninit\nbin/odd-size\nempty\n"
		if string(list) != want {
			t.Errorf("cpio -t lists %q, want %q", list, want)
		}
	}
}

func TestWriteInitramfsBadName(t *testing.T) {
	for _, name := range []string{"", "/init", "a\x00b"} {
		err := WriteInitramfs(io.Discard, []File{{Name: name}})
		if err == nil || !strings.Contains(err.Error(), "bad file name") {
			t.Errorf("name %q: error %v", name, err)
		}
	}
}
