package acpiinspect

import "github.com/vmgenid/vmgenid/internal/physmem"

// Memory reads physical memory from a file (/dev/mem, or a regular file
// whose offsets are physical addresses) opened at the first read, so that
// listing or evaluating objects that read no region never opens it. A
// file that cannot be opened makes every read fail with the reason, which
// aml.Options.ZeroRegions turns into zeros.
type Memory struct {
	path string
	m    *physmem.Mem
	err  error
}

// NewMemory returns a Memory reading path.
func NewMemory(path string) *Memory { return &Memory{path: path} }

// ReadPhys implements aml.MemoryReader. The evaluator calls it with the
// namespace locked, so calls never overlap.
func (r *Memory) ReadPhys(addr uint64, p []byte) error {
	if r.m == nil && r.err == nil {
		r.m, r.err = physmem.Open(r.path)
	}
	if r.err != nil {
		return r.err
	}
	return r.m.ReadPhys(addr, p)
}

// Close closes the file if it was opened.
func (r *Memory) Close() error {
	if r.m == nil {
		return nil
	}
	return r.m.Close()
}
