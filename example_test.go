package vmgenid_test

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/vmgenid/vmgenid"
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
// under a new identity. The first value is the state when Watch starts (or
// the first one published, if the daemon has not published yet).
func ExampleWatch() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for st := range vmgenid.Watch(ctx) {
		log.Printf("generation epoch %d: renewing per-machine secrets", st.Epoch)
	}
}

// Open reads the state file of a daemon run with --state, here
// "vmgenid daemon --state /run/myapp/vmgenid/state", which serves its
// events on /run/myapp/vmgenid/events.sock beside it.
func ExampleOpen() {
	f, err := vmgenid.Open("/run/myapp/vmgenid/state")
	if err != nil {
		log.Print(err) // wraps vmgenid.ErrNoState until that daemon has run
		return
	}
	defer f.Close()
	seen := f.Epoch()
	// ... seed a generator ...
	if f.Epoch() != seen {
		log.Print("the VM was cloned: reseed")
	}
}

// NewStateFile names the state file and the event socket of a daemon run
// with --state and --socket; nothing is opened until it is used, and Watch
// waits for the daemon to publish. Problems with the socket are passed to
// the function given to Watch while it polls the file instead.
func ExampleNewStateFile() {
	f := vmgenid.NewStateFile("/srv/app/vmgenid/state", "/srv/app/vmgenid/events.sock")
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for st := range f.Watch(ctx, func(err error) { log.Print(err) }) {
		fmt.Printf("epoch %d, %d changes since boot\n", st.Epoch, st.Changes)
	}
}
