package memorytest

// RunStoreTests and the helpers its subtests share.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
)

// RunStoreTests runs the memory.Store contract suite: every behaviour
// documented in store.go, as subtests. open must return a fresh, empty,
// open store for each subtest and arrange for it to be closed (t.Cleanup).
//
// Beyond the letter of store.go, the suite fixes these choices: tags are
// returned in the order they were given; Metadata and Tags are never nil
// after a read; times come back in UTC at millisecond precision; Find's
// NewestFirst breaks CreatedAt ties by the later insertion first and
// OldestFirst is its exact reverse; a missing required field, an
// owner-only Delete and a query vector of the wrong length are EInvalid.
func RunStoreTests(t *testing.T, open func(t *testing.T) memory.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s memory.Store)
	}{
		{"InsertGet", testInsertGet},
		{"InsertRequired", testInsertRequired},
		{"InsertConflict", testInsertConflict},
		{"TombstoneReplaced", testTombstoneReplaced},
		{"OwnerIsolation", testOwnerIsolation},
		{"Filters", testFilters},
		{"FilteredTopK", testFilteredTopK},
		{"FindPaging", testFindPaging},
		{"Update", testUpdate},
		{"Delete", testDelete},
		{"Touch", testTouch},
		{"Embeddings", testEmbeddings},
		{"KeywordSearch", testKeywordSearch},
		{"KeywordHostile", testKeywordHostile},
		{"VectorSearch", testVectorSearch},
		{"VectorFreshness", testVectorFreshness},
		{"VectorSearchMany", testVectorSearchMany},
		{"Adjacent", testAdjacent},
		{"Tags", testTags},
		{"Stats", testStats},
		{"Check", testCheck},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// The owners and embedders of the suite.
const (
	alice = "alice"
	bob   = "bob"
)

var (
	fake   = NewFakeEmbedder(64)
	fakeID = fake.Model().Name
)

// embed returns the fake vector of text.
func embed(text string) []float32 { return FakeVector(64, text) }

// mustInsert inserts memories or fails the test.
func mustInsert(t testing.TB, s memory.Store, ms ...*memory.Memory) {
	t.Helper()
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatalf("Insert()=%v, want nil", err)
	}
}

// mustGet returns a memory or fails the test.
func mustGet(t testing.TB, s memory.Store, owner, hash string) *memory.Memory {
	t.Helper()
	m, err := s.Get(t.Context(), owner, hash)
	if err != nil {
		t.Fatalf("Get(%s, %.12s)=%v, want nil error", owner, hash, err)
	}
	return m
}

// mustFind returns the hashes Find lists, and the total.
func mustFind(t testing.TB, s memory.Store, f memory.Filter, p memory.Page) ([]string, int) {
	t.Helper()
	ms, n, err := s.Find(t.Context(), f, p)
	if err != nil {
		t.Fatalf("Find(%+v)=%v, want nil error", f, err)
	}
	return Hashes(ms...), n
}

// mustKeyword returns keyword hits or fails the test.
func mustKeyword(t testing.TB, s memory.Store, f memory.Filter, terms []string, limit int) []memory.Hit {
	t.Helper()
	hits, err := s.KeywordSearch(t.Context(), f, terms, limit)
	if err != nil {
		t.Fatalf("KeywordSearch(%q)=%v, want nil error", terms, err)
	}
	checkScores(t, "KeywordSearch", hits, 0, -1)
	return hits
}

// mustVector returns vector hits or fails the test.
func mustVector(t testing.TB, s memory.Store, f memory.Filter, model string, vec []float32, limit int) []memory.Hit {
	t.Helper()
	hits, err := s.VectorSearch(t.Context(), f, model, vec, limit)
	if err != nil {
		t.Fatalf("VectorSearch()=%v, want nil error", err)
	}
	checkScores(t, "VectorSearch", hits, -1, 1)
	return hits
}

// checkScores checks hits are best first with scores in [lo, hi] (no upper
// bound if hi < lo).
func checkScores(t testing.TB, name string, hits []memory.Hit, lo, hi float64) {
	t.Helper()
	for i, h := range hits {
		if h.Memory == nil {
			t.Fatalf("%s()[%d].Memory=nil, want a memory", name, i)
		}
		if h.Score < lo || (hi >= lo && h.Score > hi) || h.Score != h.Score {
			t.Errorf("%s()[%d].Score=%v, want within [%v, %v]", name, i, h.Score, lo, hi)
		}
		if i > 0 && h.Score > hits[i-1].Score {
			t.Errorf("%s() scores %v then %v, want best first", name, hits[i-1].Score, h.Score)
		}
	}
}

// wantCode checks err carries the error code.
func wantCode(t testing.TB, call string, err error, code string) {
	t.Helper()
	if got := memory.ErrorCode(err); got != code {
		t.Errorf("%s error code=%q (%v), want %q", call, got, err, code)
	}
}

// sameSet reports whether a and b hold the same strings, ignoring order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// names maps hashes back to fixture names for readable failures.
type names map[string]string

func (n names) of(hashes []string) []string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		if name, ok := n[h]; ok {
			out[i] = name
		} else {
			out[i] = fmt.Sprintf("%.8s", h)
		}
	}
	return out
}

// diffMemory lists the fields in which got differs from want.
func diffMemory(got, want *memory.Memory) []string {
	var d []string
	eq := func(name string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s=%v, want %v", name, g, w))
		}
	}
	eq("Hash", got.Hash == want.Hash, got.Hash, want.Hash)
	eq("Content", got.Content == want.Content, got.Content, want.Content)
	eq("Owner", got.Owner == want.Owner, got.Owner, want.Owner)
	eq("Tags", slices.Equal(got.Tags, want.Tags) && got.Tags != nil, got.Tags, want.Tags)
	eq("Type", got.Type == want.Type, got.Type, want.Type)
	eq("Metadata", fmt.Sprint(got.Metadata) == fmt.Sprint(want.Metadata) && got.Metadata != nil, got.Metadata, want.Metadata)
	for _, tm := range []struct {
		name      string
		got, want time.Time
	}{
		{"CreatedAt", got.CreatedAt, want.CreatedAt},
		{"UpdatedAt", got.UpdatedAt, want.UpdatedAt},
		{"LastAccessedAt", got.LastAccessedAt, want.LastAccessedAt},
		{"DeletedAt", got.DeletedAt, want.DeletedAt},
	} {
		w := memory.TimeMS(tm.want)
		eq(tm.name, tm.got.Equal(w) && (tm.got.IsZero() || tm.got.Location() == time.UTC), tm.got, w)
	}
	eq("AccessCount", got.AccessCount == want.AccessCount, got.AccessCount, want.AccessCount)
	eq("Quality", got.Quality == want.Quality, got.Quality, want.Quality)
	eq("SupersededBy", got.SupersededBy == want.SupersededBy, got.SupersededBy, want.SupersededBy)
	eq("EmbeddingModel", got.EmbeddingModel == want.EmbeddingModel, got.EmbeddingModel, want.EmbeddingModel)
	eq("Embedding", slices.Equal(got.Embedding, want.Embedding), len(got.Embedding), len(want.Embedding))
	return d
}

// checkMemory fails the test if got differs from want.
func checkMemory(t testing.TB, call string, got, want *memory.Memory) {
	t.Helper()
	if d := diffMemory(got, want); len(d) > 0 {
		t.Errorf("%s: %s", call, strings.Join(d, "; "))
	}
}

// ctxOf is the context of a test.
func ctxOf(t testing.TB) context.Context { return t.Context() }
