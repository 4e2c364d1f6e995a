package clonesafe_test

import (
	"fmt"
	"log"
	"math/rand/v2"
	"slices"

	"github.com/vmgenid/vmgenid/clonesafe"
)

// An application that used math/rand/v2 with a seeded generator, say
//
//	r := rand.New(rand.NewPCG(seed1, seed2))
//
// gets the same sequence in every VM cloned from one snapshot. Replacing the
// Source is the whole change: the rand.Rand methods stay as they were.
func Example() {
	r := rand.New(clonesafe.NewSource())

	backoff := 100 + r.IntN(50) // jitter that differs between clones
	deck := []int{1, 2, 3, 4, 5, 6, 7, 8}
	r.Shuffle(len(deck), func(i, j int) { deck[i], deck[j] = deck[j], deck[i] })

	slices.Sort(deck)
	fmt.Println(backoff >= 100 && backoff < 150, deck)
	// Output: true [1 2 3 4 5 6 7 8]
}

// The top-level functions replace math/rand/v2's top-level functions and
// uuid.New where the values must not repeat across clones.
func Example_topLevel() {
	traceID := clonesafe.Uint64()
	var nonce [12]byte
	clonesafe.Read(nonce[:])
	id := clonesafe.UUIDv7()
	_ = traceID
	fmt.Println(id.Version(), clonesafe.UUIDv4().Version())
	// Output: VERSION_7 VERSION_4
}

// A service can report at start-up whether it runs with clone detection.
func ExampleProtected() {
	if !clonesafe.Protected() {
		log.Print("clone detection inactive: start the vmgenid daemon")
	}
}
