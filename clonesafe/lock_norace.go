//go:build !race

package clonesafe

// shardLock is empty: without the race detector a shard is owned by pinning
// the goroutine to the shard's P.
type shardLock struct{}

// raceEnabled reports whether the race detector is on; it disables the
// pinned fast paths (see lock_race.go).
const raceEnabled = false

// acquire returns the calling P's shard, owned by the caller until release.
// The goroutine stays pinned to its P in between.
func acquire() *shard {
	p := procPin()
	if t := table.Load(); p < len(t.shards) {
		return &t.shards[p]
	}
	procUnpin()
	return acquireAfterGrow(p)
}

// release ends the ownership that acquire began.
func release(*shard) { procUnpin() }
