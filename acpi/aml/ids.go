package aml

import "strings"

// DeviceIDs evaluates a device's _HID and _CID into text: a String as it
// is, an EisaId Integer decoded ("PNP0A06"), and a _CID Package element by
// element. Values that cannot be evaluated or are not IDs are left out, so
// a device without a usable ID matches nothing.
func (ns *Namespace) DeviceIDs(dev *Node) (hid string, cids []string) {
	if h := dev.Child("_HID"); h != nil {
		if v, err := ns.Evaluate(h); err == nil {
			hid, _ = IDString(v)
		}
	}
	if c := dev.Child("_CID"); c != nil {
		if v, err := ns.Evaluate(c); err == nil {
			if pkg, ok := v.(*Package); ok {
				for _, e := range pkg.Elements {
					if id, ok := IDString(e); ok {
						cids = append(cids, id)
					}
				}
			} else if id, ok := IDString(v); ok {
				cids = append(cids, id)
			}
		}
	}
	return hid, cids
}

// IDString turns an ID object, a String or an EisaId Integer, into text.
func IDString(v Object) (string, bool) {
	switch v := v.(type) {
	case String:
		return strings.TrimRight(string(v), "\x00"), true
	case Integer:
		return EISAIDString(uint64(v))
	}
	return "", false
}

// TypeName names an object's type for messages, with its article: "an
// Integer", "a String", "a Buffer", "a Package", "a Reference", or "an
// uninitialized object" for nil.
func TypeName(v Object) string {
	if v == nil {
		return "an uninitialized object"
	}
	t := typeName(v)
	if strings.ContainsRune("AEIOU", rune(t[0])) {
		return "an " + t
	}
	return "a " + t
}

// DisplayPath writes a namespace path the way ASL listings do, without the
// padding underscores of its segments: `\_SB_.PCI0` becomes `\_SB.PCI0`.
func DisplayPath(p string) string {
	segs := strings.Split(p, ".")
	for i, s := range segs {
		t := strings.TrimRight(s, "_")
		if (t == "" || t == `\`) && len(t) < len(s) {
			t = s[:len(t)+1] // a segment of underscores keeps one
		}
		segs[i] = t
	}
	return strings.Join(segs, ".")
}
