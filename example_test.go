package vmgenid_test

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/vmgenid/vmgenid"
	"github.com/vmgenid/vmgenid/internal/state"
)

// reseedingSource is the reseed pattern: remember the epoch at the last
// seeding and compare it, with one memory load, before each use.
type reseedingSource struct {
	epoch uint64
	rng   *rand.ChaCha8
}

func (s *reseedingSource) Uint64() uint64 {
	if e := vmgenid.Epoch(); s.rng == nil || e != s.epoch {
		// The VM was cloned or restored since the last seeding (or this
		// is the first use): the generator's state may now be shared
		// with another machine. Take fresh seed material from the
		// kernel, which the daemon has already reseeded.
		var seed [32]byte
		crand.Read(seed[:])
		s.rng = rand.NewChaCha8(seed)
		s.epoch = e
	}
	return s.rng.Uint64()
}

// Check the epoch before every use of a user-space generator, and reseed
// when it has moved. Epoch costs one memory load, so the check is cheaper
// than the generator itself.
func ExampleEpoch() {
	var src reseedingSource
	token := src.Uint64()
	fmt.Printf("token %016x drawn at epoch %d\n", token, src.epoch)
}

// Current returns the whole record, consistent, for status output or to
// learn the ID itself.
func ExampleCurrent() {
	st, err := vmgenid.Current()
	if err != nil {
		log.Print(err) // wraps vmgenid.ErrNoState when no daemon runs
		return
	}
	fmt.Printf("epoch %d, id %v (known: %v), %d changes since boot\n", st.Epoch, st.ID, st.IDKnown, st.Changes)
}

// Watch suits long-lived work that must act at once on a clone: renew a
// cached session key, drop a connection pool, re-register with a service
// under a new identity.
func ExampleWatch() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, err := vmgenid.Watch(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for st := range changes {
		log.Printf("generation epoch %d: renewing per-machine secrets", st.Epoch)
	}
}

// Open reads a state file at another path, here one that this example
// publishes itself in the daemon's place.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "vmgenid-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "state")
	daemon, err := state.Create(path, state.Options{PublicID: true})
	if err != nil {
		log.Fatal(err)
	}
	defer daemon.Close()
	daemon.Publish(state.Record{Epoch: 1})

	pub, err := vmgenid.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer pub.Close()
	seen := pub.Epoch()
	fmt.Println("epoch", seen)

	daemon.Publish(state.Record{Epoch: state.NextEpoch(1), Changes: 1}) // the VM was cloned
	if e := pub.Epoch(); e != seen {
		fmt.Println("epoch moved to", e, "- reseed")
	}
	// Output:
	// epoch 1
	// epoch moved to 2 - reseed
}
