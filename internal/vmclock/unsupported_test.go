package vmclock

import (
	"errors"
	"testing"
)

// TestErrUnsupportedOSIsTheStandardOne: "not on this operating system" is
// one error across the tree, errors.ErrUnsupported.
func TestErrUnsupportedOSIsTheStandardOne(t *testing.T) {
	if !errors.Is(ErrUnsupportedOS, errors.ErrUnsupported) {
		t.Errorf("ErrUnsupportedOS %q does not wrap errors.ErrUnsupported", ErrUnsupportedOS)
	}
}
