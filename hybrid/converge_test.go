package hybrid_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/hybrid"
	"github.com/mcp-memory-go/memory/memorytest"
)

// sharedRemote is a remote that several machines share: a Cloudflare
// account or a PostgreSQL database.
type sharedRemote interface {
	// replica opens a client of the remote.
	replica(t testing.TB) memory.Replica
	// node opens a hybrid store on the SQLite file path against the
	// remote.
	node(t testing.TB, path string, edit ...func(*hybrid.Store)) *hybrid.Store
}

// Two machines (two SQLite files) share one Cloudflare account. They write,
// update and delete concurrently, some of it on the same memories; after
// syncing, both machines and the remote hold exactly the same memories,
// every conflict resolved to the newer version, and nothing acknowledged is
// lost.
func TestTwoMachinesConverge(t *testing.T) { twoMachinesConverge(t, newAccount(t)) }

func twoMachinesConverge(t *testing.T, a sharedRemote) {
	dir := t.TempDir()
	// Slow automatic syncs, so that the conflicts really happen
	// concurrently; the test forces the syncs.
	slow := func(h *hybrid.Store) { h.PushDelay, h.SyncInterval = time.Hour, time.Hour }
	nodes := []*hybrid.Store{a.node(t, filepath.Join(dir, "a.db"), slow), a.node(t, filepath.Join(dir, "b.db"), slow)}
	ctx := t.Context()

	// Round 1: each writes its own memories and the same ten contents
	// with different tags, at the same time.
	var wg sync.WaitGroup
	for n, h := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				m := memorytest.NewMemory("alice", fmt.Sprintf("node %d memory %d", n, i), memorytest.WithEmbedding(fake))
				if err := h.Insert(ctx, []*memory.Memory{m}); err != nil {
					t.Errorf("node %d Insert()=%v", n, err)
				}
				if i < 10 {
					s := memorytest.NewMemory("alice", fmt.Sprintf("shared memory %d", i), memorytest.WithTags(fmt.Sprintf("from-%d", n)))
					if err := h.Insert(ctx, []*memory.Memory{s}); err != nil {
						t.Errorf("node %d Insert(shared)=%v", n, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	converge(t, a, nodes)

	// Round 2: concurrent updates of the same memories, deletes on one
	// side of memories the other updates, and fresh writes.
	shared := func(i int) string { return memorytest.NewMemory("alice", fmt.Sprintf("shared memory %d", i)).Hash }
	own := func(n, i int) string {
		return memorytest.NewMemory("alice", fmt.Sprintf("node %d memory %d", n, i)).Hash
	}
	for n, h := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				m, err := h.Get(ctx, "alice", shared(i))
				if err != nil {
					t.Errorf("node %d Get(shared %d)=%v", n, i, err)
					continue
				}
				m.Tags = []string{fmt.Sprintf("edited-by-%d", n)}
				m.UpdatedAt = memorytest.Epoch.Add(time.Duration(n) * time.Hour)
				if err := h.Update(ctx, m); err != nil {
					t.Errorf("node %d Update()=%v", n, err)
				}
				// Node 0 deletes memories of node 1 that node 1 edits.
				other := own(1-n, i)
				if n == 0 {
					if _, err := h.Delete(ctx, memory.Filter{Owner: "alice", Hashes: []string{other}}, time.Now(), false); err != nil {
						t.Errorf("node %d Delete()=%v", n, err)
					}
				} else if o, err := h.Get(ctx, "alice", own(n, i)); err == nil {
					o.Type = "decision"
					h.Update(ctx, o)
				}
				if err := h.Insert(ctx, []*memory.Memory{memorytest.NewMemory("alice", fmt.Sprintf("node %d late %d", n, i))}); err != nil {
					t.Errorf("node %d Insert(late)=%v", n, err)
				}
			}
		}()
	}
	wg.Wait()
	// The expected winner of each memory: the newer of the two versions.
	want := map[memory.Key]memory.Version{}
	for _, h := range nodes {
		cursor := ""
		for {
			ms, next, err := h.Local().Changes(ctx, cursor, 500)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 0 {
				break
			}
			for _, m := range ms {
				if v := memory.VersionOf(m); v.Compare(want[memory.KeyOf(m)]) > 0 {
					want[memory.KeyOf(m)] = v
				}
			}
			cursor = next
		}
	}
	converge(t, a, nodes)
	got := snapshot(t, nodes[0].Local())
	if len(got) != len(want) || len(want) != 30*2+10+10*2 {
		t.Errorf("memories after convergence=%d, expected %d (want %d)", len(got), len(want), 30*2+10+10*2)
	}
	for k, v := range want {
		if s, ok := got[k]; !ok || s[:len(fmt.Sprint(v))] != fmt.Sprint(v) {
			t.Errorf("%.8s converged to %q, want version %v", k.Hash, s, v)
		}
	}
	st, _ := nodes[0].Local().Stats(ctx, "alice")
	if st.Memories+st.Tombstones != int64(len(want)) {
		t.Errorf("Stats()=%+v, want %d memories and tombstones", st, len(want))
	}
}

// converge syncs the nodes until they and the remote hold the same
// memories.
func converge(t *testing.T, a sharedRemote, nodes []*hybrid.Store) {
	t.Helper()
	remote := a.replica(t)
	eventually(t, "the nodes converge", func() string {
		for _, h := range nodes {
			mustSync(t, h)
		}
		r := snapshot(t, remote)
		for i, h := range nodes {
			if d := diff(snapshot(t, h.Local()), r); d != "" {
				return fmt.Sprintf("node %d and the remote: %s", i, d)
			}
			if st, _ := h.SyncStatus(t.Context()); st.Pending != 0 {
				return fmt.Sprintf("node %d has %d pending", i, st.Pending)
			}
		}
		return ""
	})
}

// A machine whose embedding model differs gets the other machines'
// memories with their vectors, and embeds them with its own model after the
// pull, so that its semantic search finds them.
func TestPulledMemoriesEmbedded(t *testing.T) {
	a := newAccount(t)
	dir := t.TempDir()
	ctx := t.Context()
	first := a.node(t, filepath.Join(dir, "a.db"))
	other := memorytest.NewFakeEmbedder(32)
	var svc *memory.Service
	second := a.node(t, filepath.Join(dir, "b.db"), func(h *hybrid.Store) {
		h.AfterPull = func(ctx context.Context) { svc.Reembed(ctx, 100, nil) }
	})
	svc = memory.NewService(second, other)
	m := memorytest.NewMemory("alice", "harbour cranes unload ships", memorytest.WithEmbedding(fake))
	if err := first.Insert(ctx, []*memory.Memory{m}); err != nil {
		t.Fatal(err)
	}
	mustSync(t, first)
	mustSync(t, second)
	got, err := second.Get(ctx, "alice", m.Hash)
	if err != nil || got.EmbeddingModel != other.Model().Name || len(got.Embedding) != 32 {
		t.Fatalf("pulled memory: %v, model %q with %d dimensions; want it embedded by %s", err, got.EmbeddingModel, len(got.Embedding), other.Model().Name)
	}
	res, err := svc.Search(memory.WithOwner(ctx, "alice"), memory.SearchRequest{Query: "harbour cranes", Mode: memory.ModeSemantic})
	if err != nil || len(res.Results) != 1 {
		t.Errorf("semantic search on the second machine=%d results, %v", len(res.Results), err)
	}
	// Its own vector does not travel back over the first machine's.
	mustSync(t, second)
	mustSync(t, first)
	if got, _ := first.Get(ctx, "alice", m.Hash); got.EmbeddingModel != fake.Model().Name {
		t.Errorf("the first machine's vector became %q", got.EmbeddingModel)
	}
}
