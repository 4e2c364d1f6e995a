package aml_test

import (
	"errors"
	"testing"

	"github.com/vmgenid/vmgenid/acpi/aml"
)

// TestEvalMutex: mutex ownership and SyncLevel order as ACPICA runs them on
// one thread (eval-mutex.asl; acpiexec 20200925's results, in the order
// evaluated, since an evaluation's state outlives it only in the
// namespace): a Release of a mutex not held aborts the method; so does an
// Acquire below the current SyncLevel, a Release of another level, and a
// call of a Serialized method of a lower level; mutexes still held when an
// evaluation ends are released.
func TestEvalMutex(t *testing.T) {
	ns := loadAML(t, aml.Options{}, "eval-mutex")
	for _, c := range []struct {
		path string
		want aml.Object // when err is nil
		err  error
	}{
		{`\M001`, aml.Integer(1), nil},
		{`\M002`, nil, aml.ErrMutexNotAcquired},
		{`\CNT0`, aml.Integer(0x22), nil}, // M002 stopped at the Release
		{`\M003`, nil, aml.ErrMutexNotAcquired},
		{`\M004`, nil, aml.ErrMutexOrder},
		{`\M005`, nil, aml.ErrMutexOrder},
		{`\M006`, aml.Integer(6), nil},
		{`\M007`, nil, aml.ErrMutexNotAcquired},
		{`\M008`, aml.Integer(8), nil},
		{`\M009`, nil, aml.ErrMutexOrder},
		{`\SERA`, nil, aml.ErrMutexOrder},
		{`\M010`, nil, aml.ErrMutexOrder},
		{`\M011`, aml.Integer(0x11), nil},
		{`\M012`, nil, aml.ErrMutexNotAcquired},
		{`\M013`, aml.Integer(0x13), nil},
		{`\M014`, aml.Integer(0x99), nil},
		{`\M006`, aml.Integer(6), nil},
		{`\M007`, nil, aml.ErrMutexNotAcquired},
	} {
		got, err := ns.Evaluate(ns.Lookup(c.path))
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%s = %s, %v; want %v", c.path, aml.ObjectString(got), err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s = %s, %v; want %s", c.path, aml.ObjectString(got), err, aml.ObjectString(c.want))
		}
	}
}
