// Package clonesafe provides random numbers, random bytes and UUIDs that do
// not repeat across VM clones and snapshot restores.
//
// A user-space generator seeded at start-up is part of the VM's memory: every
// clone restored from one snapshot continues the same stream, so two clones
// hand out the same trace IDs, UUIDs, jitter and sampling decisions. The
// kernel reseeds its own generator on a VM fork, user space does not.
// NetBSD's arc4random solves this with the entropy epoch (kern.entropy.epoch):
// it remembers the epoch it was seeded under and reseeds when the epoch
// moves. This package does the same for Go, on the epoch that the vmgenid
// daemon publishes in its state file (see the root package's Epoch). It
// reads that epoch through the root package (and the word it loads,
// internal/epochword) and knows nothing else of the daemon; Go programs
// call it in place of math/rand/v2 and their own UUID generators.
//
// # What is guaranteed
//
// Every generator here is the standard library's ChaCha8 (math/rand/v2,
// c2sp.org/chacha8rand), seeded with SHA-256 of 32 bytes from crypto/rand,
// the entropy epoch and, when the daemon knows it, the current VM generation
// ID. Before producing any output, every call loads the current epoch (two
// loads inlined into the call: a pointer, then the epoch word of the mapped
// state file; no system call) and compares it with the epoch the generator
// was seeded under; if they differ, the generator is reseeded from scratch
// first. The new seed is fresh OS entropy: no output after the epoch
// moved derives from state that existed before it, so a snapshot's copies of
// a generator's state (its key and its buffer of precomputed output) are
// discarded, never used.
//
// The generation ID is mixed in as a second line of defence: if the kernel's
// pool had not yet been reseeded when a clone draws its seed, clones with
// different generation IDs still get different seeds.
//
// # Limits
//
//   - Detection latency. Protection starts when the daemon advances the epoch.
//     Between the moment a clone resumes and the moment its daemon notices the
//     new generation ID (its poll interval, 100 ms by default, or sooner
//     through a kernel event), the clone and its parent continue the same
//     streams. Use crypto/rand for secrets: on Linux ≥ 5.18 with the kernel's
//     vmgenid driver it is reseeded on the ACPI notification itself.
//   - One call in flight. The epoch is compared before a call produces output;
//     a snapshot taken between that comparison and the return makes that one
//     call's result appear in every copy. Read compares again for every
//     4 KiB chunk.
//   - Without a daemon (Protected reports false) there is no clone detection.
//     The generators then reseed from the OS on a timer: each generator's seed
//     is replaced at its next use after every 5 ms tick, so a clone shares its
//     parent's stream for at most one tick of its own monotonic clock after it
//     resumes — 5 ms plus the Go timer's latency, which is well under a
//     millisecond normally but can reach the scheduler's 10 ms preemption
//     quantum when every P is busy. The timer runs only while generators are
//     used: it is re-armed by the reseeds it causes, so an idle program is
//     not woken. One line is logged through the standard log package the
//     first time this happens (silence it with log.SetOutput if you must).
//   - Values already handed out are the caller's: a UUID stored in a
//     variable before the snapshot exists in every clone.
//   - UUIDv7 values are ordered within one process; clones of one process
//     share the time-ordering state but draw different random bits.
//
// # Choosing a function
//
// Uint64, Read, Reader, UUIDv4 and UUIDv7 are safe for concurrent use and
// scale with GOMAXPROCS: each P (the runtime's scheduling context) owns one
// generator, and a call pins its goroutine to the P for the few nanoseconds
// it needs, the technique sync.Pool uses, so there is no shared lock and no
// shared cache line on the hot path. (Under the race detector, which cannot
// see that a pinned P is exclusive, each generator is guarded by a mutex
// instead: slower, same semantics.) NewSource returns a Source for one
// goroutine, to be wrapped with math/rand/v2's rand.New wherever a program
// used rand.New(rand.NewPCG(...)) or the top-level math/rand/v2 functions.
//
// Uint64 costs about 1.3 times the runtime's math/rand/v2 Uint64 (which is
// not clone-safe), with or without a daemon; the difference is mostly the
// pin. The repository's "make bench-clonesafe" measures both in one run.
package clonesafe
