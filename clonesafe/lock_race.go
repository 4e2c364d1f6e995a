//go:build race

package clonesafe

import "sync"

// shardLock is a mutex under the race detector, which cannot see that a
// pinned P is exclusive: with -race every shard is owned through its mutex
// instead (the P id only picks the shard), so the detector checks the same
// data flow with synchronisation it understands.
type shardLock = sync.Mutex

// raceEnabled reports whether the race detector is on; it disables the
// pinned fast paths, which only a pin protects.
const raceEnabled = true

// acquire returns a shard, owned by the caller until release.
func acquire() *shard {
	p := procPin()
	procUnpin()
	t := table.Load()
	if p >= len(t.shards) {
		return acquireAfterGrow(p)
	}
	s := &t.shards[p]
	s.lock.Lock()
	return s
}

// release ends the ownership that acquire began.
func release(s *shard) { s.lock.Unlock() }
