package detect

import (
	"errors"
	"testing"
)

// TestErrUnsupportedIsTheStandardOne: "not on this operating system" is one
// error across the tree, errors.ErrUnsupported, so that a caller tests for
// it once whichever package said it.
func TestErrUnsupportedIsTheStandardOne(t *testing.T) {
	if !errors.Is(ErrUnsupported, errors.ErrUnsupported) {
		t.Errorf("ErrUnsupported %q does not wrap errors.ErrUnsupported", ErrUnsupported)
	}
}
