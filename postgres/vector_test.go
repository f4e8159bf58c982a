package postgres_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/postgres"
)

// clustered returns n unit vectors of dim dimensions around k random
// centres, as embeddings cluster by topic.
func clustered(r *rand.Rand, n, k, dim int) [][]float32 {
	centres := make([][]float64, k)
	for i := range centres {
		centres[i] = make([]float64, dim)
		for j := range centres[i] {
			centres[i][j] = r.NormFloat64()
		}
	}
	out := make([][]float32, n)
	for i := range out {
		c := centres[r.IntN(k)]
		v := make([]float32, dim)
		var ss float64
		for j := range v {
			x := c[j] + 0.7*r.NormFloat64()
			v[j], ss = float32(x), ss+x*x
		}
		for j := range v {
			v[j] /= float32(math.Sqrt(ss))
		}
		out[i] = v
	}
	return out
}

// vectorFixture stores n memories of alice with clustered vectors of model
// "clustered-32": every 100th tagged "rare", every 400th containing
// "needle", half typed "decision". It then analyzes the table, as
// autovacuum would after a while, so that the planner knows its size.
func vectorFixture(t *testing.T, s *postgres.Store, schema string, n int) [][]float32 {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 9))
	vecs := clustered(r, n, 40, 32)
	var ms []*memory.Memory
	for i, v := range vecs {
		content := fmt.Sprintf("clustered memory %d", i)
		opts := []memorytest.Option{memorytest.WithVector("clustered-32", v), memorytest.At(memorytest.Epoch.Add(time.Duration(i) * time.Second))}
		if i%100 == 0 {
			opts = append(opts, memorytest.WithTags("rare"))
		}
		if i%400 == 0 {
			content += " needle"
		}
		if i%2 == 0 {
			opts = append(opts, memorytest.WithType("decision"))
		}
		ms = append(ms, memorytest.NewMemory("alice", content, opts...))
	}
	for len(ms) > 0 {
		k := min(500, len(ms))
		if err := s.Insert(t.Context(), ms[:k]); err != nil {
			t.Fatal(err)
		}
		ms = ms[k:]
	}
	execSQL(t, "ANALYZE "+schema+".memories")
	return vecs
}

// TestVectorSearchIndex checks the HNSW path on a table large enough for
// the planner to choose the index: its answers against the exact scan's,
// unfiltered and under filters of every selectivity.
func TestVectorSearchIndex(t *testing.T) {
	schema := NewSchema(t)
	s := MustOpenSchema(t, schema)
	ctx := t.Context()
	vectorFixture(t, s, schema, 4000)
	r := rand.New(rand.NewPCG(3, 4))
	queries := clustered(r, 40, 40, 32)
	alice := memory.Filter{Owner: "alice"}

	plan, err := s.ExplainVectorSearch(ctx, alice, "clustered-32", queries[0], 10)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "Index Scan using memories_hnsw_") {
		t.Fatalf("the unfiltered search does not use the HNSW index:\n%s", plan)
	}

	for _, c := range []struct {
		name string
		f    memory.Filter
		// exact: the hits must be exactly the exact scan's (a selective
		// filter makes the search exact); else the recall must be that of
		// a working index. On this hard data (32 dimensions, wide
		// clusters) ef_search 40 finds about 85% of the true top 10; a
		// broken index or filter finds far fewer.
		exact bool
	}{
		{"unfiltered", alice, false},
		{"type of half", memory.Filter{Owner: "alice", Types: []string{"decision"}}, false},
		{"rare tag", memory.Filter{Owner: "alice", Tags: []string{"rare"}}, true},
		{"text in 10", memory.Filter{Owner: "alice", Contains: "NEEDLE"}, true},
		{"other owner", memory.Filter{Owner: "bob"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var found, total int
			for _, q := range queries {
				hits, err := s.VectorSearch(ctx, c.f, "clustered-32", q, 10)
				if err != nil {
					t.Fatal(err)
				}
				want, err := s.VectorSearchExact(ctx, c.f, "clustered-32", q, 10)
				if err != nil {
					t.Fatal(err)
				}
				got, exp := memorytest.HitHashes(hits), memorytest.HitHashes(want)
				if c.exact && !slices.Equal(got, exp) {
					t.Fatalf("VectorSearch()=%v, want the exact %v", got, exp)
				}
				if len(hits) != len(want) {
					t.Fatalf("VectorSearch()=%d hits, exact %d", len(hits), len(want))
				}
				for _, h := range got {
					if slices.Contains(exp, h) {
						found++
					}
				}
				total += len(exp)
			}
			if total == 0 {
				return
			}
			recall := float64(found) / float64(total)
			t.Logf("recall@10=%.3f", recall)
			if recall < 0.75 {
				t.Errorf("recall@10=%.3f, want >= 0.75", recall)
			}
		})
	}
}

// TestVectorSearchIndexGivesUp: when the index's iterative scan stops
// (hnsw.max_scan_tuples) before the filter let limit rows through, the
// exact scan answers, so a filtered search misses nothing.
func TestVectorSearchIndexGivesUp(t *testing.T) {
	dsn := withParams(t, testDSN(t), map[string]string{"hnsw.max_scan_tuples": "50", "enable_sort": "off"})
	schema := NewSchema(t)
	s := MustOpenDSN(t, dsn, schema)
	ctx := t.Context()
	vectorFixture(t, s, schema, 2000)
	f := memory.Filter{Owner: "alice", Contains: "needle"}
	q := clustered(rand.New(rand.NewPCG(5, 6)), 1, 40, 32)[0]
	plan, err := s.ExplainVectorSearch(ctx, f, "clustered-32", q, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "Index Scan using memories_hnsw_") {
		t.Fatalf("the search does not use the HNSW index:\n%s", plan)
	}
	hits, err := s.VectorSearch(ctx, f, "clustered-32", q, 10)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.VectorSearchExact(ctx, f, "clustered-32", q, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := memorytest.HitHashes(hits); len(got) != 5 || !slices.Equal(got, memorytest.HitHashes(want)) {
		t.Errorf("VectorSearch()=%v, want the 5 memories of the filter %v", got, memorytest.HitHashes(want))
	}
}

// TestStoreIndexScansUsesIndex: the planner settings of TestStoreIndexScans
// do send the contract suite's small vector searches through the index.
func TestStoreIndexScansUsesIndex(t *testing.T) {
	dsn := withParams(t, testDSN(t), map[string]string{"enable_seqscan": "off", "enable_sort": "off", "enable_bitmapscan": "off"})
	s := MustOpenDSN(t, dsn, NewSchema(t))
	fake := memorytest.NewFakeEmbedder(64)
	var ms []*memory.Memory
	for i := range 20 {
		ms = append(ms, memorytest.NewMemory("alice", fmt.Sprintf("small table memory %d", i), memorytest.WithEmbedding(fake)))
	}
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	plan, err := s.ExplainVectorSearch(context.Background(), memory.Filter{Owner: "alice", Tags: []string{"x"}}, fake.Model().Name, memorytest.FakeVector(64, "memory"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "Index Scan using memories_hnsw_") {
		t.Fatalf("the search does not use the HNSW index:\n%s", plan)
	}
}
