package hybrid_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/hybrid"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/postgres"
	"github.com/mcp-memory-go/memory/postgres/postgrestest"
)

// pgRemote is one PostgreSQL schema shared by the test's machines (run by
// scripts/postgres.sh; skipped without its server).
type pgRemote struct{ dsn, schema string }

func newPGRemote(t testing.TB) *pgRemote {
	return &pgRemote{dsn: postgrestest.DSN(t), schema: postgrestest.NewSchema(t)}
}

// open opens a PostgreSQL store on the shared schema.
func (p *pgRemote) open(t testing.TB) *postgres.Store {
	t.Helper()
	s := postgres.New(p.dsn)
	s.Schema = p.schema
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	return s
}

func (p *pgRemote) replica(t testing.TB) memory.Replica {
	s := p.open(t)
	t.Cleanup(func() { s.Close() })
	return s
}

func (p *pgRemote) node(t testing.TB, path string, edit ...func(*hybrid.Store)) *hybrid.Store {
	t.Helper()
	return nodeOn(t, path, p.open(t), append([]func(*hybrid.Store){func(h *hybrid.Store) { h.RemoteName = "postgres" }}, edit...)...)
}

// Two machines (two SQLite files) share one PostgreSQL database as the
// remote: concurrent writes, updates and deletes converge as they do on
// Cloudflare.
func TestTwoMachinesConvergePostgres(t *testing.T) { twoMachinesConverge(t, newPGRemote(t)) }

// A memory written on one machine reaches the other through PostgreSQL
// with its vector, a delete travels as a tombstone, and once converged a
// sync moves nothing.
func TestPostgresRemoteRoundTrip(t *testing.T) {
	p := newPGRemote(t)
	dir := t.TempDir()
	slow := func(h *hybrid.Store) { h.PushDelay, h.SyncInterval = time.Hour, time.Hour }
	a, b := p.node(t, filepath.Join(dir, "a.db"), slow), p.node(t, filepath.Join(dir, "b.db"), slow)
	ctx := t.Context()
	m := memorytest.NewMemory("alice", "the deploy key rotates every ninety days", memorytest.WithEmbedding(fake), memorytest.WithTags("ops"))
	if err := a.Insert(ctx, []*memory.Memory{m}); err != nil {
		t.Fatal(err)
	}
	if r := mustSync(t, a); r.Pushed != 1 {
		t.Errorf("SyncNow(a).Pushed=%d, want 1", r.Pushed)
	}
	mustSync(t, b)
	got, err := b.Get(ctx, "alice", m.Hash)
	if err != nil || got.EmbeddingModel != fake.Model().Name || len(got.Embedding) != 64 || got.Revision == 0 {
		t.Fatalf("b.Get()=%+v, %v; want the memory with its vector and revision", got, err)
	}
	remote := p.replica(t)
	if hits, err := remote.KeywordSearch(ctx, memory.Filter{Owner: "alice"}, []string{"deploy"}, 5); err != nil || len(hits) != 1 {
		t.Errorf("remote KeywordSearch=%d hits, %v; want 1", len(hits), err)
	}
	if _, err := b.Delete(ctx, memory.Filter{Owner: "alice", Hashes: []string{m.Hash}}, time.Now(), false); err != nil {
		t.Fatal(err)
	}
	mustSync(t, b)
	mustSync(t, a)
	if _, err := a.Get(ctx, "alice", m.Hash); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("a.Get(after b deleted it)=%v, want ENotFound", err)
	}
	if _, err := remote.Get(ctx, "alice", m.Hash); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("remote.Get(after the delete)=%v, want ENotFound", err)
	}
	// Converged: syncing again (with its drift check) moves nothing.
	for i, h := range []*hybrid.Store{a, b} {
		if r := mustSync(t, h); r.Pushed+r.Pulled != 0 {
			t.Errorf("node %d SyncNow() after convergence=%+v, want nothing moved", i, r)
		}
	}
}
