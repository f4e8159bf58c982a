package httpapi

import (
	"context"
	"sync"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// snapshotTTL is how long an owner's analytics snapshot is reused. Every
// change published through Publish drops the owner's snapshot at once.
const snapshotTTL = 10 * time.Second

// item is what analytics need of a memory.
type item struct {
	hash    string
	created time.Time
	tags    []string
	typ     string
	size    int // bytes of content
}

// snapshot is an owner's memories as items, oldest first.
type snapshot struct {
	at    time.Time
	items []item
}

// snapshotCache keeps one snapshot per owner for a short time, so that a
// dashboard asking several analytics routes at once scans the store once.
type snapshotCache struct {
	mu    sync.Mutex
	snaps map[string]*snapshot
	// gens counts invalidations per owner, so that a scan that raced with
	// a change is not cached.
	gens map[string]uint64
	all  uint64 // counts invalidations of every owner
}

func newSnapshotCache() *snapshotCache {
	return &snapshotCache{snaps: map[string]*snapshot{}, gens: map[string]uint64{}}
}

// invalidateAll drops every owner's snapshot.
func (c *snapshotCache) invalidateAll() {
	c.mu.Lock()
	c.snaps = map[string]*snapshot{}
	c.all++
	c.mu.Unlock()
}

// invalidate drops owner's snapshot.
func (c *snapshotCache) invalidate(owner string) {
	c.mu.Lock()
	delete(c.snaps, owner)
	c.gens[owner]++
	c.mu.Unlock()
}

// snapshot returns the caller's memories as items, oldest first, from the
// cache when fresh, else from a scan through the service.
func (a *API) snapshot(ctx context.Context) ([]item, error) {
	a.init()
	owner, now := memory.OwnerFrom(ctx), a.now()
	c := a.snapshots
	c.mu.Lock()
	for o, s := range c.snaps {
		if now.Sub(s.at) >= snapshotTTL || now.Before(s.at) {
			delete(c.snaps, o)
		}
	}
	if s := c.snaps[owner]; s != nil {
		c.mu.Unlock()
		return s.items, nil
	}
	gen, all := c.gens[owner], c.all
	c.mu.Unlock()

	var items []item
	err := a.Service.Scan(ctx, func(m *memory.Memory) bool {
		items = append(items, item{hash: m.Hash, created: m.CreatedAt, tags: m.Tags, typ: m.Type, size: len(m.Content)})
		return true
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gens[owner] == gen && c.all == all {
		c.snaps[owner] = &snapshot{at: now, items: items}
	}
	c.mu.Unlock()
	return items, nil
}
