// Package aml decodes and evaluates the part of ACPI Machine Language that
// firmware uses to describe VM generation ID devices (and their neighbours,
// such as VMClock).
//
// Load builds the ACPI namespace from the DSDT and SSDT definition blocks:
// Scope, Device, Processor, PowerResource, ThermalZone, Name, Method,
// Alias, OperationRegion, Field, Mutex, Event and buffer fields are
// modelled; External declares nothing, as in ACPICA; every other object is
// decoded only as far as needed to skip it.
// Code outside methods runs as the table loads, as in ACPICA; the resulting
// namespace of QEMU's and Firecracker's tables is the one ACPICA builds.
// Load (Object, DDBHandle), at module level or in a method, loads a table
// that AML finds at run time (a Buffer, a field, or a SystemMemory region
// read through the MemoryReader) as ACPICA does; LoadTable, which names a
// table of the XSDT, is unsupported.
// Evaluate runs a Name or Method the way an operating system's interpreter
// would, with ACPI's name-search rules, for the operators such devices use:
// integer, string, buffer and package data, locals and arguments, Store,
// Index, DerefOf, arithmetic and logic, If/Else, While, Return, method calls
// and reads of fields in SystemMemory operation regions (through a
// MemoryReader; nothing is ever written to memory).
//
// FindDevices and Notifiers are the two searches its callers need: the
// devices with a given _HID or _CID and their status (the VM generation ID
// and VMClock sources), and the methods whose Notify reaches a device (the
// GPE and GED handlers whose interrupt counters the daemon watches). The
// package knows no device of its own, no file and no table layout beyond
// the header of a table that AML loads: acpi hands it the definition
// blocks, and memory is read only through the caller's MemoryReader.
//
// The input is outside data. Every read is bounds-checked, every loop and
// recursion is counted against Options.MaxSteps and Options.MaxDepth, and
// allocations are capped, so hostile AML yields an *Error naming the opcode
// and the table offset, never a panic or a hang.
package aml

import (
	"errors"
	"fmt"
)

// MemoryReader reads physical memory for fields of SystemMemory operation
// regions. internal/physmem's Mem satisfies it.
type MemoryReader interface {
	ReadPhys(addr uint64, p []byte) error
}

// Block is one definition block to load.
type Block struct {
	// Table names the table the AML came from ("DSDT", "SSDT1"); it is
	// recorded in nodes and errors.
	Table string
	// AML is the definition block body, after the 36-byte table header.
	AML []byte
	// Base is the offset of AML within the table file (36 for a table read
	// whole), so that error offsets match `iasl -d` listings.
	Base int
	// Revision is the table header's revision. The DSDT's revision sets the
	// integer width for the whole namespace, as ACPI specifies: below 2,
	// integers are 32 bits wide. Zero is taken as "unknown": 64 bits.
	Revision uint8
}

// Options tune Load and Evaluate. The zero value gives sane defaults.
type Options struct {
	// Memory reads SystemMemory operation regions. Nil makes such reads
	// fail with an error saying no memory reader was given. Reads happen
	// when evaluated code (or module-level code, during Load) reads a
	// field; regions can be device MMIO, so evaluate only what is needed.
	Memory MemoryReader
	// ZeroRegions makes reads of fields in regions this evaluator cannot
	// read (no Memory, a failed memory read, address spaces other than
	// SystemMemory, IndexField and BankField units) return zeros, as
	// ACPICA's acpiexec simulates them, instead of failing. Regions of
	// OEM-defined address spaces, which acpiexec does not simulate, still
	// fail (ErrNoHandler). For inspecting tables and comparing with
	// acpiexec; never for reading a real ID.
	ZeroRegions bool
	// OSI is the set of interface names \_OSI answers true to, compared
	// exactly. What \_OSI answers is the host's policy, not the AML's:
	// firmware takes different paths for different answers. Nil means
	// LinuxOSI(), what Linux answers; an empty, non-nil slice answers
	// false to every name.
	OSI []string
	// MaxSteps bounds the work of one Load (per block) or Evaluate: each
	// decoded or executed term and each loop iteration is one step.
	// Zero means DefaultMaxSteps.
	MaxSteps int
	// MaxDepth bounds nesting: of AML constructs while decoding and of
	// method calls while evaluating. Zero means DefaultMaxDepth; values
	// above 1024 are taken as 1024.
	MaxDepth int
}

// Defaults for Options.
const (
	DefaultMaxSteps = 1_000_000
	DefaultMaxDepth = 128
)

// Caps on what AML may make the evaluator allocate.
const (
	// MaxBufferSize is the largest Buffer (or String) evaluation creates.
	MaxBufferSize = 1 << 20
	// MaxPackageElements is the largest Package or VarPackage.
	MaxPackageElements = 1 << 16
	// maxAllocation bounds the bytes one Evaluate may allocate in total.
	maxAllocation = 64 << 20
	// maxFieldBytes bounds one field read from memory: firmware has
	// buffer fields of a page and more (4192 bytes), and physmem reads at
	// most 64 KiB at once.
	maxFieldBytes = 1 << 16
)

func (o Options) steps() int {
	if o.MaxSteps <= 0 {
		return DefaultMaxSteps
	}
	return o.MaxSteps
}

func (o Options) depth() int {
	switch {
	case o.MaxDepth <= 0:
		return DefaultMaxDepth
	case o.MaxDepth > maxDepthCap:
		return maxDepthCap
	}
	return o.MaxDepth
}

// maxDepthCap bounds MaxDepth whatever the caller asks, to keep the Go
// stack of the recursive decoder and evaluator small.
const maxDepthCap = 1024

// Sentinel errors wrapped in *Error, for errors.Is.
var (
	// ErrMaxSteps: the step budget (Options.MaxSteps) ran out.
	ErrMaxSteps = errors.New("step limit reached (endless loop or too much work)")
	// ErrMaxDepth: nesting went deeper than Options.MaxDepth.
	ErrMaxDepth = errors.New("nesting limit reached (too deep or endless recursion)")
	// ErrTruncated: an object runs past the end of its enclosing object.
	ErrTruncated = errors.New("truncated AML")
	// ErrTooLarge: AML asked for a buffer, package or allocation above the caps.
	ErrTooLarge = errors.New("object too large")
	// ErrUnsupported: valid AML this evaluator does not implement.
	ErrUnsupported = errors.New("not supported")
	// ErrNotFound: a name did not resolve in the namespace.
	ErrNotFound = errors.New("name not found")
	// ErrNoHandler: a field is in a region of an OEM-defined address
	// space (0x80-0xFE), which no general-purpose OS has a handler for
	// (ACPICA: AE_NOT_EXIST), with or without Options.ZeroRegions.
	ErrNoHandler = errors.New("no handler for the region's address space")
	// ErrMutexNotAcquired: a Release of a mutex the evaluation does not
	// hold (ACPICA: AE_AML_MUTEX_NOT_ACQUIRED, which aborts the method).
	ErrMutexNotAcquired = errors.New("mutex not acquired")
	// ErrMutexOrder: an Acquire of a mutex (or a call of a Serialized
	// method) whose SyncLevel is below the current one, or a Release of a
	// mutex of another level than the current (ACPICA: AE_AML_MUTEX_ORDER).
	ErrMutexOrder = errors.New("mutex SyncLevel order violated")
	// errInternal marks a recovered panic: always a bug in this package.
	errInternal = errors.New("internal error")
)

// Error is a decoding or evaluation failure, located in its table.
type Error struct {
	Table  string // the table the AML came from
	Offset int    // byte offset in the table file
	Opcode string // the opcode being decoded or run ("Store", "PkgLength", …)
	Err    error  // what went wrong
}

// Error names the table, the offset, the opcode and the fault.
func (e *Error) Error() string {
	if e.Opcode == "" {
		return fmt.Sprintf("aml: %s offset 0x%x: %v", e.Table, e.Offset, e.Err)
	}
	return fmt.Sprintf("aml: %s offset 0x%x: %s: %v", e.Table, e.Offset, e.Opcode, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }
