package qemu

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vmgenid/vmgenid/genid"
)

// maxSocketPath is the longest Unix socket path the kernel accepts
// (sun_path is 108 bytes on Linux, 104 on the BSDs; keep the smaller).
const maxSocketPath = 103

// CloneArgs rewrites a source VM's QEMU arguments for a clone restored from
// the saved state in from: the vmgenid device gets guid (replaced or added),
// any -qmp and -incoming options are replaced by a QMP server on qmpSocket
// and "-incoming exec:cat FROM". It fails when the arguments have no
// "-device vmgenid" or ask QEMU to daemonize (a clone must stay our child).
func CloneArgs(args []string, guid genid.ID, qmpSocket, from string) ([]string, error) {
	if len(qmpSocket) > maxSocketPath {
		return nil, fmt.Errorf("QMP socket path %q is %d bytes, longer than the %d a Unix socket allows", qmpSocket, len(qmpSocket), maxSocketPath)
	}
	out := make([]string, 0, len(args)+4)
	found := false
	for i := 0; i < len(args); i++ {
		name, ok := optionName(args[i])
		if !ok {
			out = append(out, args[i])
			continue
		}
		switch name {
		case "daemonize":
			return nil, errors.New("QEMU arguments ask for -daemonize; a clone must stay in the foreground")
		case "qmp", "incoming":
			if i+1 >= len(args) {
				return nil, fmt.Errorf("QEMU option %s has no value", args[i])
			}
			i++ // drop the option and its value
			continue
		case "device":
			if i+1 >= len(args) {
				return nil, fmt.Errorf("QEMU option %s has no value", args[i])
			}
			value := args[i+1]
			if opts := splitOptions(value); len(opts) > 0 && (opts[0] == "vmgenid" || opts[0] == "driver=vmgenid") {
				if found {
					return nil, errors.New("QEMU arguments have more than one -device vmgenid")
				}
				found = true
				value = withOption(opts, "guid", guid.GUID())
			}
			out = append(out, args[i], value)
			i++
			continue
		}
		out = append(out, args[i])
	}
	if !found {
		return nil, errors.New("QEMU arguments have no -device vmgenid (a clone needs one to get its own generation ID)")
	}
	out = append(out,
		"-qmp", "unix:"+qmpSocket+",server=on,wait=off",
		"-incoming", "exec:cat "+shellQuote(from))
	return out, nil
}

// GUIDOption returns the guid= value of the "-device vmgenid" option in args,
// if there is one.
func GUIDOption(args []string) (string, bool) {
	for i := 0; i+1 < len(args); i++ {
		if name, ok := optionName(args[i]); !ok || name != "device" {
			continue
		}
		opts := splitOptions(args[i+1])
		if len(opts) == 0 || (opts[0] != "vmgenid" && opts[0] != "driver=vmgenid") {
			continue
		}
		for _, o := range opts[1:] {
			if v, ok := strings.CutPrefix(o, "guid="); ok {
				return v, true
			}
		}
	}
	return "", false
}

// optionName returns "x" for "-x" and "--x".
func optionName(arg string) (string, bool) {
	if !strings.HasPrefix(arg, "-") || arg == "-" {
		return "", false
	}
	return strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-"), true
}

// splitOptions splits a QEMU option string at single commas; ",," stands
// for a literal comma.
func splitOptions(s string) []string {
	var opts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != ',' {
			cur.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == ',' {
			cur.WriteByte(',')
			i++
			continue
		}
		opts = append(opts, cur.String())
		cur.Reset()
	}
	return append(opts, cur.String())
}

// withOption sets key=value in opts (replacing an existing key) and joins
// them back into one QEMU option string.
func withOption(opts []string, key, value string) string {
	set := false
	parts := make([]string, 0, len(opts)+1)
	for _, o := range opts {
		if strings.HasPrefix(o, key+"=") {
			if set {
				continue
			}
			o, set = key+"="+value, true
		}
		parts = append(parts, strings.ReplaceAll(o, ",", ",,"))
	}
	if !set {
		parts = append(parts, key+"="+strings.ReplaceAll(value, ",", ",,"))
	}
	return strings.Join(parts, ",")
}
