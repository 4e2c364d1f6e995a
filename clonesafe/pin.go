package clonesafe

import _ "unsafe" // for go:linkname

// procPin disables preemption of the calling goroutine and returns the id of
// the P it runs on; procUnpin re-enables preemption. While pinned, no other
// goroutine can run on that P, so per-P data can be used without a lock.
// sync.Pool is built on the same pair; the runtime keeps both symbols
// available to packages outside the standard library (go.dev/issue/67401).
// Code between the two must not block, allocate heavily or call into the
// kernel: here it only runs ChaCha8.
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()
