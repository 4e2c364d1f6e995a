package source

import (
	"fmt"
	"sync"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/internal/physmem"
)

// memory is a physical-memory file opened on first use, so that finding
// devices works on machines without /dev/mem and the reason it is missing
// is reported where the ID is read. A failed open is retried next time.
type memory struct {
	path string

	mu  sync.Mutex
	mem *physmem.Mem
}

func newMemory(path string) *memory { return &memory{path: path} }

func (m *memory) get() (*physmem.Mem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mem == nil {
		mem, err := physmem.Open(m.path)
		if err != nil {
			return nil, err
		}
		m.mem = mem
	}
	return m.mem, nil
}

// ReadPhys implements aml.MemoryReader, opening the file first if need be.
func (m *memory) ReadPhys(addr uint64, p []byte) error {
	mem, err := m.get()
	if err != nil {
		return err
	}
	return mem.ReadPhys(addr, p)
}

// readID reads the 16 ID bytes of d with a stable read.
func (m *memory) readID(d Device) (genid.ID, string, error) {
	var id genid.ID
	if err := d.Readable(); err != nil {
		return id, "", fmt.Errorf("%s: no usable address: %w", d.Name, err)
	}
	mem, err := m.get()
	if err != nil {
		return id, "", err
	}
	id, err = genid.ReadStable(fmt.Sprintf("%s at %#x", mem.Method(), d.PAddr), func() (genid.ID, error) {
		var v genid.ID
		err := mem.ReadPhys(d.PAddr, v[:])
		return v, err
	})
	return id, mem.Method(), err
}

// Close closes the file if it was opened.
func (m *memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mem == nil {
		return nil
	}
	err := m.mem.Close()
	m.mem = nil
	return err
}
