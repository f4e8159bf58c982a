package sqlite_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
)

// Several stores on one file stand for several processes: each has its
// own connections, its own slab and its own view of the change counter.

func TestShared_ReadYourWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	a, b := MustOpenStorePath(t, path), MustOpenStorePath(t, path)
	ctx := t.Context()
	e := memorytest.NewFakeEmbedder(16)
	model := e.Model().Name
	f := memory.Filter{Owner: "alice"}
	q := memorytest.FakeVector(16, "shared otter")

	seed := memorytest.NewMemory("alice", "seed memory", memorytest.WithEmbedding(e))
	if err := a.Insert(ctx, []*memory.Memory{seed}); err != nil {
		t.Fatal(err)
	}
	vector := func() []string {
		t.Helper()
		hits, err := b.VectorSearch(ctx, f, model, q, 10)
		if err != nil {
			t.Fatalf("B.VectorSearch()=%v", err)
		}
		return memorytest.HitHashes(hits)
	}
	keyword := func() []string {
		t.Helper()
		hits, err := b.KeywordSearch(ctx, f, []string{"otter"}, 10)
		if err != nil {
			t.Fatalf("B.KeywordSearch()=%v", err)
		}
		return memorytest.HitHashes(hits)
	}
	if got := vector(); !slices.Equal(got, []string{seed.Hash}) {
		t.Fatalf("B.VectorSearch()=%v, want the seed alone", got)
	}

	m := memorytest.NewMemory("alice", "shared otter", memorytest.WithTags("x"), memorytest.WithEmbedding(e))
	if err := a.Insert(ctx, []*memory.Memory{m}); err != nil {
		t.Fatal(err)
	}
	if got := vector(); !slices.Equal(got, []string{m.Hash, seed.Hash}) {
		t.Errorf("B.VectorSearch() after A.Insert=%v, want the new memory first", got)
	}
	if got := keyword(); !slices.Equal(got, []string{m.Hash}) {
		t.Errorf("B.KeywordSearch() after A.Insert=%v, want the new memory", got)
	}

	u := *m
	u.SupersededBy = seed.Hash
	if err := a.Update(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if got := vector(); slices.Contains(got, m.Hash) {
		t.Errorf("B.VectorSearch() after A superseded it=%v, want it hidden", got)
	}
	u.SupersededBy = ""
	if err := a.Update(ctx, &u); err != nil {
		t.Fatal(err)
	}
	other := memorytest.FakeVector(16, "quite different words")
	if err := a.SetEmbeddings(ctx, []memory.EmbeddingUpdate{{Owner: "alice", Hash: m.Hash, Model: model, Vector: other}}); err != nil {
		t.Fatal(err)
	}
	hits, err := b.VectorSearch(ctx, f, model, other, 1)
	if err != nil || len(hits) != 1 || hits[0].Memory.Hash != m.Hash || hits[0].Score < 0.999 {
		t.Errorf("B.VectorSearch() after A.SetEmbeddings=%v, %v, want the new vector", hits, err)
	}

	if _, err := a.Delete(ctx, memory.Filter{Owner: "alice", Tags: []string{"x"}}, memorytest.Epoch, false); err != nil {
		t.Fatal(err)
	}
	if got := vector(); slices.Contains(got, m.Hash) {
		t.Errorf("B.VectorSearch() after A.Delete=%v, want it gone", got)
	}
	if got := keyword(); len(got) != 0 {
		t.Errorf("B.KeywordSearch() after A.Delete=%v, want nothing", got)
	}
	// Re-inserted in A: the tombstone row comes back to life in B's slab.
	if err := a.Insert(ctx, []*memory.Memory{memorytest.NewMemory("alice", "shared otter", memorytest.WithEmbedding(e))}); err != nil {
		t.Fatal(err)
	}
	if got := vector(); !slices.Equal(got, []string{m.Hash, seed.Hash}) {
		t.Errorf("B.VectorSearch() after A re-inserted=%v, want it first", got)
	}
}

func TestShared_ConcurrentWriters(t *testing.T) {
	const writers, each = 3, 300
	path := filepath.Join(t.TempDir(), "memory.db")
	e := memorytest.NewFakeEmbedder(16)
	reader := MustOpenStorePath(t, path)
	stores := make([]memory.Store, writers)
	for i := range stores {
		stores[i] = MustOpenStorePath(t, path)
	}
	f := memory.Filter{Owner: "alice"}
	q := memorytest.FakeVector(16, "writer memory")
	ctx := t.Context()

	var writing, reading sync.WaitGroup
	errs := make(chan error, writers*each+1)
	for w, s := range stores {
		writing.Go(func() {
			for i := range each {
				m := memorytest.NewMemory("alice", fmt.Sprintf("writer memory %d %d", w, i), memorytest.WithEmbedding(e))
				if err := s.Insert(ctx, []*memory.Memory{m}); err != nil {
					errs <- fmt.Errorf("writer %d insert %d: %w", w, i, err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	reading.Go(func() { // searches while the writers write, refreshing its slab
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := reader.VectorSearch(ctx, f, e.Model().Name, q, 10); err != nil {
				errs <- fmt.Errorf("reader: %w", err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	writing.Wait()
	close(done)
	reading.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	fourth := MustOpenStorePath(t, path)
	for name, s := range map[string]memory.Store{"reader": reader, "fourth": fourth} {
		if _, total, err := s.Find(ctx, f, memory.Page{}); err != nil || total != writers*each {
			t.Errorf("%s.Find() total=%d, %v, want %d", name, total, err, writers*each)
		}
		hits, err := s.VectorSearch(ctx, f, e.Model().Name, q, 2*writers*each)
		if err != nil || len(hits) != writers*each {
			t.Errorf("%s.VectorSearch()=%d hits, %v, want %d", name, len(hits), err, writers*each)
		}
	}
}
