package aml

import "fmt"

// Mutex ownership, as ACPICA models it for one thread (exmutex.c,
// dsmethod.c, acpica-tools 20200925). The evaluator is single-threaded, so
// an Acquire never waits; but ownership still decides what the AML may do:
// a Release of a mutex not held, or one that breaks the SyncLevel order,
// aborts the evaluation as it does under Linux. One interp is one ACPICA
// thread (one Evaluate, or one table's module-level code): whatever it still
// holds when it ends is released with it (AcpiExReleaseAllMutexes).

// methodSerialized is the Serialized bit of MethodFlags; bits 4-7 are the
// method's SyncLevel.
const methodSerialized = 0x08

// mutexSync is what a Mutex node holds: its SyncLevel (0-15).
type mutexSync uint8

// mutexHold is a mutex this interp holds.
type mutexHold struct {
	node  *Node
	depth int   // Acquires not yet released: the owner may acquire again
	orig  uint8 // the thread's SyncLevel before the first Acquire
}

// mutexState is one thread's mutexes and SyncLevel.
type mutexState struct {
	held      []mutexHold // in acquisition order: ACPICA's list, head last
	syncLevel uint8       // the thread's current SyncLevel
	// serial counts, per Serialized method, its calls running now: the
	// method's implicit mutex is held while it is above zero.
	serial map[*Node]serialHold
}

// serialHold is the implicit mutex of a Serialized method while it runs.
type serialHold struct {
	depth int
	orig  uint8
}

func levelOf(n *Node) uint8 {
	if s, ok := n.value.(mutexSync); ok {
		return uint8(s)
	}
	return 0 // \_GL_ and any mutex declared without flags
}

func (m *mutexState) find(n *Node) int {
	for i := range m.held {
		if m.held[i].node == n {
			return i
		}
	}
	return -1
}

// acquire is AcpiExAcquireMutex for the only thread: it always gets the
// mutex, unless the SyncLevel order forbids it.
func (m *mutexState) acquire(n *Node) error {
	if m.syncLevel > levelOf(n) {
		return fmt.Errorf("%w: cannot acquire mutex %s (SyncLevel %d), current SyncLevel is %d", ErrMutexOrder, n.Path(), levelOf(n), m.syncLevel)
	}
	if i := m.find(n); i >= 0 {
		m.held[i].depth++
		return nil
	}
	m.held = append(m.held, mutexHold{node: n, depth: 1, orig: m.syncLevel})
	m.syncLevel = levelOf(n)
	return nil
}

// release is AcpiExReleaseMutex: the mutex must be held and be of the
// current SyncLevel. The SyncLevel restored is the one saved by the most
// recent Acquire still held, as ACPICA does when mutexes of one level are
// released out of order.
func (m *mutexState) release(n *Node) error {
	i := m.find(n)
	if i < 0 {
		return fmt.Errorf("%w: mutex %s", ErrMutexNotAcquired, n.Path())
	}
	if levelOf(n) != m.syncLevel {
		return fmt.Errorf("%w: cannot release mutex %s (SyncLevel %d), current SyncLevel is %d", ErrMutexOrder, n.Path(), levelOf(n), m.syncLevel)
	}
	previous := m.held[len(m.held)-1].orig
	if m.held[i].depth--; m.held[i].depth == 0 {
		m.held = append(m.held[:i], m.held[i+1:]...)
		m.syncLevel = previous
	}
	return nil
}

// enterSerialized takes a Serialized method's implicit mutex for a call,
// which raises the thread's SyncLevel to the method's
// (AcpiDsBeginMethodExecution; for the evaluation's own call, top, ACPICA
// checks no order but sets the level as the thread starts, in
// AcpiPsParseAml). A recursive call only counts.
func (m *mutexState) enterSerialized(method *Node, level uint8, top bool) error {
	if !top && m.syncLevel > level {
		return fmt.Errorf("%w: cannot call Serialized method %s (SyncLevel %d), current SyncLevel is %d", ErrMutexOrder, method.Path(), level, m.syncLevel)
	}
	h, running := m.serial[method]
	if !running {
		h.orig = m.syncLevel
		m.syncLevel = level
	}
	h.depth++
	if m.serial == nil {
		m.serial = make(map[*Node]serialHold)
	}
	m.serial[method] = h
	return nil
}

// leaveSerialized releases it when the method's last running call ends
// (AcpiDsTerminateControlMethod).
func (m *mutexState) leaveSerialized(method *Node) {
	h, ok := m.serial[method]
	if !ok {
		return
	}
	if h.depth--; h.depth > 0 {
		m.serial[method] = h
		return
	}
	delete(m.serial, method)
	m.syncLevel = h.orig
}

// mutexOperand finds the mutex an Acquire or Release names.
func (in *interp) mutexOperand(t *term, f *frame) (*Node, error) {
	var n *Node
	if t.op == opNameRef {
		n = followAlias(in.ns, in.ns.resolve(f.scope, t.name))
		if n == nil {
			return nil, in.errAt(t, fmt.Errorf("%w: %s", ErrNotFound, t.name.String()))
		}
	} else {
		v, err := in.eval(t, f)
		if err != nil {
			return nil, err
		}
		r, ok := v.(*Reference)
		if !ok || r.Node == nil {
			return nil, in.errAt(t, fmt.Errorf("operand is a %s, not a Mutex", typeName(v)))
		}
		n = r.Node
	}
	if n.kind != KindMutex {
		return nil, in.errAt(t, fmt.Errorf("%s is a %s, not a Mutex", n.Path(), n.kind))
	}
	return n, nil
}
