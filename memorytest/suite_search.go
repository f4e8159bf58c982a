package memorytest

// Contract tests of ranked searches: KeywordSearch (with hostile terms) and
// VectorSearch (scores, dimensions, freshness after writes).

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
)

func testKeywordSearch(t *testing.T, s memory.Store) {
	docs := []*memory.Memory{
		NewMemory(alice, "apple banana"),
		NewMemory(alice, "apple apple apple cherry"),
		NewMemory(alice, "banana split"),
		NewMemory(alice, "durian"),
	}
	mustInsert(t, s, docs...)
	f := memory.Filter{Owner: alice}
	for _, c := range []struct {
		terms []string
		limit int
		want  []string
	}{
		{[]string{"apple"}, 10, Hashes(docs[0], docs[1])},
		{[]string{"apple", "durian"}, 10, Hashes(docs[0], docs[1], docs[3])},
		{[]string{"cherry", "split"}, 10, Hashes(docs[1], docs[2])},
		{[]string{"zzz"}, 10, nil},
		{nil, 10, nil},
		{[]string{"", "  "}, 10, nil},
	} {
		got := HitHashes(mustKeyword(t, s, f, c.terms, c.limit))
		if !sameSet(got, c.want) {
			t.Errorf("KeywordSearch(%q)=%d hits, want %d", c.terms, len(got), len(c.want))
		}
	}
	if hits := mustKeyword(t, s, f, []string{"apple"}, 1); len(hits) != 1 {
		t.Errorf("KeywordSearch(limit 1)=%d hits, want 1", len(hits))
	}
	// The document with more of the rarer term ranks first.
	hits := mustKeyword(t, s, f, []string{"cherry", "banana"}, 10)
	if len(hits) != 3 || hits[0].Memory.Hash != docs[1].Hash {
		t.Errorf("KeywordSearch(cherry banana)=%v, want the cherry document first of 3", HitHashes(hits))
	}
	if len(hits) > 0 && hits[0].Score <= 0 {
		t.Errorf("KeywordSearch()[0].Score=%v, want > 0", hits[0].Score)
	}
}

func testKeywordHostile(t *testing.T, s memory.Store) {
	mustInsert(t, s,
		NewMemory(alice, "apple banana NEAR cherry"),
		NewMemory(alice, "école café 日本語 🍎 apple"),
		NewMemory(alice, "col: quoted \"text\" and * star"),
	)
	hostile := []string{
		`"`, `""`, `"apple"`, `*`, `apple*`, `*apple`, `NEAR`, `NEAR(apple banana)`, `NEAR/2`,
		`AND`, `OR`, `NOT`, `apple OR banana`, `apple AND`, `-apple`, `-`, `+apple`, `^apple`,
		`col:apple`, `content:apple`, `{content}:apple`, `(apple`, `apple)`, `'`, `\`, `%`, `_`,
		`:`, `.`, `école`, `日本語`, `🍎`, "a\x00b", "tab\tnewline\n", strings.Repeat("x", 500),
	}
	f := memory.Filter{Owner: alice}
	for _, term := range hostile {
		mustKeyword(t, s, f, []string{term}, 10)
	}
	mustKeyword(t, s, f, hostile, 10)
	mustKeyword(t, s, memory.Filter{Owner: alice, Tags: []string{`"`}, Contains: `%"*`}, hostile, 10)
	if hits := mustKeyword(t, s, f, []string{"NEAR"}, 10); len(hits) > 1 {
		t.Errorf("KeywordSearch(NEAR)=%d hits, want at most the one containing the word", len(hits))
	}
}

func testVectorSearch(t *testing.T, s memory.Store) {
	docs := []*memory.Memory{
		NewMemory(alice, "red apple pie", WithEmbedding(fake)),
		NewMemory(alice, "green apple tart", WithEmbedding(fake)),
		NewMemory(alice, "blue ocean wave", WithEmbedding(fake)),
		NewMemory(alice, "no vector here"),
	}
	mustInsert(t, s, docs...)
	f := memory.Filter{Owner: alice}
	hits := mustVector(t, s, f, fakeID, embed("red apple pie"), 10)
	if len(hits) != 3 || hits[0].Memory.Hash != docs[0].Hash || hits[0].Score < 0.999 {
		t.Fatalf("VectorSearch(same text)=%v, want the same text first with cosine 1 of 3 hits", hits)
	}
	if hits[1].Memory.Hash != docs[1].Hash {
		t.Errorf("VectorSearch()[1]=%q, want the one sharing a word", hits[1].Memory.Content)
	}
	if want := Cosine(embed("red apple pie"), embed("green apple tart")); math.Abs(hits[1].Score-want) > 1e-5 {
		t.Errorf("VectorSearch()[1].Score=%v, want cosine %v", hits[1].Score, want)
	}
	if hits := mustVector(t, s, f, fakeID, embed("red apple pie"), 2); len(hits) != 2 {
		t.Errorf("VectorSearch(limit 2)=%d hits, want 2", len(hits))
	}
	if hits := mustVector(t, s, f, fakeID, make([]float32, 64), 10); len(hits) != 0 {
		t.Errorf("VectorSearch(zero vector)=%d hits, want 0", len(hits))
	}
	if hits := mustVector(t, s, f, "never-used-model", embed("apple"), 10); len(hits) != 0 {
		t.Errorf("VectorSearch(unknown model)=%d hits, want 0", len(hits))
	}
	_, err := s.VectorSearch(ctxOf(t), f, fakeID, make([]float32, 63), 10)
	wantCode(t, "VectorSearch(63 dimensions)", err, memory.EInvalid)

	// Cosines span [-1, 1] and order the hits.
	manual := []*memory.Memory{
		NewMemory(alice, "manual same", WithVector("manual-3", []float32{1, 0, 0})),
		NewMemory(alice, "manual orthogonal", WithVector("manual-3", []float32{0, 1, 0})),
		NewMemory(alice, "manual opposite", WithVector("manual-3", []float32{-1, 0, 0})),
		NewMemory(alice, "manual diagonal", WithVector("manual-3", []float32{0.6, 0.8, 0})),
	}
	mustInsert(t, s, manual...)
	hits = mustVector(t, s, f, "manual-3", []float32{2, 0, 0}, 10)
	want := []float64{1, 0.6, 0, -1}
	if len(hits) != len(want) {
		t.Fatalf("VectorSearch(manual)=%d hits, want %d", len(hits), len(want))
	}
	for i, h := range hits {
		if math.Abs(h.Score-want[i]) > 1e-6 {
			t.Errorf("VectorSearch(manual)[%d].Score=%v, want %v", i, h.Score, want[i])
		}
	}
}

func testVectorFreshness(t *testing.T, s memory.Store) {
	ctx := ctxOf(t)
	f := memory.Filter{Owner: alice}
	q := embed("fresh kiwi")
	base := NewMemory(alice, "stale kiwi base", WithEmbedding(fake))
	mustInsert(t, s, base)
	mustVector(t, s, f, fakeID, q, 10) // load any cache

	m := NewMemory(alice, "fresh kiwi", WithTags("k"), WithEmbedding(fake))
	mustInsert(t, s, m)
	if got := HitHashes(mustVector(t, s, f, fakeID, q, 1)); !slices.Equal(got, Hashes(m)) {
		t.Fatalf("VectorSearch() right after Insert=%v, want the new memory", got)
	}
	u := *m
	u.CreatedAt = Epoch.Add(time.Hour)
	if err := s.Update(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if got := HitHashes(mustVector(t, s, memory.Filter{Owner: alice, After: Epoch.Add(time.Minute)}, fakeID, q, 5)); !slices.Equal(got, Hashes(m)) {
		t.Errorf("VectorSearch(after) right after Update=%v, want the moved memory", got)
	}
	if err := s.SetEmbeddings(ctx, []memory.EmbeddingUpdate{{Owner: alice, Hash: m.Hash, Model: fakeID, Vector: embed("something else entirely")}}); err != nil {
		t.Fatal(err)
	}
	if hits := mustVector(t, s, f, fakeID, embed("something else entirely"), 1); len(hits) != 1 || hits[0].Memory.Hash != m.Hash || hits[0].Score < 0.999 {
		t.Errorf("VectorSearch() right after SetEmbeddings=%v, want the new vector used", HitHashes(hits))
	}
	if _, err := s.Delete(ctx, memory.Filter{Owner: alice, Tags: []string{"k"}}, Epoch, false); err != nil {
		t.Fatal(err)
	}
	if got := HitHashes(mustVector(t, s, f, fakeID, q, 10)); slices.Contains(got, m.Hash) {
		t.Errorf("VectorSearch() right after Delete=%v, want it gone", got)
	}
	// Many writes between two searches.
	var ms []*memory.Memory
	for i := range 50 {
		ms = append(ms, NewMemory(alice, fmt.Sprintf("kiwi batch %d", i), WithEmbedding(fake)))
	}
	mustInsert(t, s, ms...)
	if hits := mustVector(t, s, f, fakeID, q, 100); len(hits) != 51 {
		t.Errorf("VectorSearch() after a batch=%d hits, want 51", len(hits))
	}
}
