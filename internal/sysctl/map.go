package sysctl

import (
	"slices"
	"strings"
	"sync"
	"syscall"
)

// Map is an in-memory Reader for tests: a set of recorded variables, with
// errors that can be injected per name. Nodes exist implicitly as the
// prefixes of the variables' names. It is safe for concurrent use, so a test
// can change values while a watcher polls them.
type Map struct {
	mu     sync.Mutex
	values map[string][]byte
	errs   map[string]error
	reads  map[string]int
}

// NewMap returns a Map holding a copy of values.
func NewMap(values map[string][]byte) *Map {
	m := &Map{values: map[string][]byte{}, errs: map[string]error{}, reads: map[string]int{}}
	for k, v := range values {
		m.values[k] = slices.Clone(v)
	}
	return m
}

// Set stores a value (a copy of v) and clears any injected error for name.
func (m *Map) Set(name string, v []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.values[name] = slices.Clone(v)
	delete(m.errs, name)
}

// SetUint32 stores a 4-byte integer in the machine's byte order.
func (m *Map) SetUint32(name string, v uint32) {
	m.Set(name, nativeUint32(v))
}

// SetUint64 stores an 8-byte integer in the machine's byte order.
func (m *Map) SetUint64(name string, v uint64) {
	m.Set(name, nativeUint64(v))
}

// SetErr makes every later Raw or Children call on name fail with err
// (typically a syscall.Errno such as syscall.EPERM), until Set or Delete.
func (m *Map) SetErr(name string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.errs[name] = err
}

// Delete removes the variable and any injected error.
func (m *Map) Delete(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.values, name)
	delete(m.errs, name)
}

// Reads returns how many times Raw was called for name.
func (m *Map) Reads(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reads[name]
}

// Raw implements Reader. A name that is only a node (a prefix of others)
// fails with EISDIR, an unknown name with ENOENT.
func (m *Map) Raw(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads[name]++
	if err, ok := m.errs[name]; ok {
		return nil, &Error{Op: "read", Name: name, Err: err}
	}
	if v, ok := m.values[name]; ok {
		return slices.Clone(v), nil
	}
	if m.isNodeLocked(name) {
		return nil, &Error{Op: "read", Name: name, Err: syscall.EISDIR}
	}
	return nil, &Error{Op: "read", Name: name, Err: syscall.ENOENT}
}

// Children implements Reader, listing children in name order.
func (m *Map) Children(name string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err, ok := m.errs[name]; ok {
		return nil, &Error{Op: "list", Name: name, Err: err}
	}
	if _, ok := m.values[name]; ok {
		return nil, &Error{Op: "list", Name: name, Err: syscall.ENOTDIR}
	}
	prefix := name + "."
	seen := map[string]bool{}
	var kids []string
	for k := range m.values {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		kid, _, _ := strings.Cut(rest, ".")
		if !seen[kid] {
			seen[kid] = true
			kids = append(kids, kid)
		}
	}
	if len(kids) == 0 {
		return nil, &Error{Op: "list", Name: name, Err: syscall.ENOENT}
	}
	slices.Sort(kids)
	return kids, nil
}

func (m *Map) isNodeLocked(name string) bool {
	prefix := name + "."
	for k := range m.values {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
