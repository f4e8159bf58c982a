package sqlite_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// checkIndexed fails the test unless the keyword index answers and returns
// the hits of FTS5's plain query, in the same order, with scores within
// 1e-9 (relative). It returns how many scores were bit for bit the same,
// and how many compared.
func checkIndexed(t *testing.T, s *sqlite.Store, call string, f memory.Filter, terms []string, limit int) (same, all int) {
	t.Helper()
	want, err := s.KeywordSearchPlain(t.Context(), f, terms, limit)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.KeywordSearchIndexed(t.Context(), f, terms, limit)
	if err != nil {
		t.Fatalf("%s on the index=%v", call, err)
	}
	if !ok {
		t.Errorf("%s: the index did not answer, want it to", call)
		return 0, 0
	}
	if len(got) != len(want) {
		t.Errorf("%s on the index=%d hits, want %d", call, len(got), len(want))
		return 0, 0
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Memory.Hash != w.Memory.Hash || math.Abs(g.Score-w.Score) > 1e-9*max(1, math.Abs(w.Score)) {
			t.Errorf("%s on the index[%d]=%s %v, want %s %v", call, i, g.Memory.Hash, g.Score, w.Memory.Hash, w.Score)
			return 0, 0
		}
		if g.Score == w.Score {
			same++
		}
		if fmt.Sprint(g.Memory) != fmt.Sprint(w.Memory) {
			t.Errorf("%s on the index[%d]=%v, want %v", call, i, g.Memory, w.Memory)
		}
	}
	return same, len(got)
}

// TestKeywordIndex_SameAsFTS5 checks the in-memory keyword index against
// FTS5's plain query on the ranking corpus (three owners, ties, repeated
// words, words in most memories, superseded and deleted memories) with
// texts that try the tokenizer (diacritics, apostrophes, other scripts,
// digits, a token longer than FTS5 keeps, a text without tokens), for
// every kind of filter and limits from 1 to more than the matches.
func TestKeywordIndex_SameAsFTS5(t *testing.T) {
	s := MustOpenStore(t)
	ms := seedRanking(t, s)
	long := strings.Repeat("x", 40000)
	var extra []*memory.Memory
	for i, text := range []string{
		"Café crème at the Hôtel, naïve façade", "cafe creme hotel naive facade", "CAFÉ!!!",
		"don't won't it's Mary's river", "東京 タワー 東京", "Москва река river", "2024-05-01 route 66 r2d2",
		long + " river", long + "y river", "!!! ??? ...", "Ǆemal ǅemal ǆemal ﬁre fire",
		"running runs ran runner river apple", "ǅ ǆ Ⅻ ½ ⁵ ① river",
	} {
		extra = append(extra, memorytest.NewMemory("alice", text, memorytest.At(memorytest.Epoch.Add(time.Duration(i)*time.Second))))
	}
	if err := s.Insert(t.Context(), extra); err != nil {
		t.Fatal(err)
	}
	filters := rankingFilters(ms)
	filters["nobody"] = memory.Filter{Owner: "dave"}
	queries := [][]string{
		{"common"},
		{"common", "often"},
		{"river", "zeta"},
		{"kettle"},
		{"jungle", "island", "harbor", "!!!"},
		{"apples", "apple", "stones"}, // the same token twice after stemming
		{"cafe", "hôtel", "naïve"},
		{"don", "t", "mary"},
		{"東京", "москва"},
		{"66", "r2d2", "2024"},
		{long, long + "y", "river"},
		{"ǆemal", "fire", "run"},
		{"nothing", "matches", "these"},
		{"½", "ⅻ", "river", "common"},
	}
	var same, all int
	for name, f := range filters {
		for _, terms := range queries {
			for _, limit := range []int{1, 7, 100, 5000} {
				n, a := checkIndexed(t, s, fmt.Sprintf("KeywordSearch(%s, %.40q, %d)", name, terms, limit), f, terms, limit)
				same, all = same+n, all+a
			}
		}
	}
	t.Logf("%d of %d scores bit for bit the same as FTS5's", same, all)
	if all < 1000 {
		t.Errorf("compared %d hits, want many more", all)
	}
	// A phrase of several tokens is FTS5's to match.
	if _, ok, err := s.KeywordSearchIndexed(t.Context(), filters["owner"], []string{"apple pie"}, 10); err != nil || ok {
		t.Errorf("KeywordSearchIndexed(apple pie)=%v, ok %v, want FTS5 to answer", err, ok)
	}
	checkFiltered(t, s, "phrase", filters["owner"], []string{"apple pie", "river"})
}

// TestKeywordIndex_Zipf checks the index against FTS5 on memories of
// words drawn by Zipf frequency, as real text is, so that pruning meets
// terms in most memories, in some and in few, with random queries.
func TestKeywordIndex_Zipf(t *testing.T) {
	b, err := os.ReadFile("../testdata/benchwords.txt")
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(string(b))[:800]
	r := rand.New(rand.NewPCG(11, 12))
	z := rand.NewZipf(r, 1.07, 2, uint64(len(words)-1))
	text := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = words[z.Uint64()]
		}
		return strings.Join(w, " ")
	}
	s := MustOpenStore(t)
	var ms []*memory.Memory
	for i := range 4000 {
		owner := "alice"
		if i%7 == 0 {
			owner = "bob"
		}
		ms = append(ms, memorytest.NewMemory(owner, fmt.Sprintf("%s %d", text(3+r.IntN(30)), i),
			memorytest.At(memorytest.Epoch.Add(time.Duration(i)*time.Minute))))
	}
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	var same, all int
	for q := range 150 {
		terms := memory.QueryTerms(text(1 + r.IntN(6)))
		for _, limit := range []int{1, 10, 100} {
			f := memory.Filter{Owner: []string{"alice", "bob"}[q%2]}
			n, a := checkIndexed(t, s, fmt.Sprintf("KeywordSearch(%q, %d)", terms, limit), f, terms, limit)
			same, all = same+n, all+a
		}
	}
	t.Logf("%d of %d scores bit for bit the same as FTS5's", same, all)
}

// TestKeywordIndex_Fresh checks that the index follows every change, made
// by this store or by another process on the same file: inserts,
// deletions, re-inserted tombstones, updates (superseded memories), rows
// purged for good and a new tokenizer.
func TestKeywordIndex_Fresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	a := MustOpenStorePath(t, path)
	b := MustOpenStorePath(t, path)
	ctx := t.Context()
	f := memory.Filter{Owner: "alice"}
	check := func(step string, terms ...string) {
		t.Helper()
		for _, s := range []*sqlite.Store{a, b} {
			checkIndexed(t, s, fmt.Sprintf("after %s: KeywordSearch(%q)", step, terms), f, terms, 50)
		}
	}
	var ms []*memory.Memory
	for i := range 40 {
		ms = append(ms, memorytest.NewMemory("alice", fmt.Sprintf("river stone %d running", i), memorytest.At(memorytest.Epoch.Add(time.Duration(i)*time.Minute))))
	}
	if err := a.Insert(ctx, ms[:20]); err != nil {
		t.Fatal(err)
	}
	check("insert", "river", "run")
	if err := b.Insert(ctx, ms[20:]); err != nil {
		t.Fatal(err)
	}
	check("insert elsewhere", "river", "run", "39")
	if _, err := b.Delete(ctx, memory.Filter{Owner: "alice", Hashes: memorytest.Hashes(ms[3], ms[30])}, memorytest.Epoch, false); err != nil {
		t.Fatal(err)
	}
	check("delete", "river", "3", "30")
	if err := a.Insert(ctx, []*memory.Memory{ms[30]}); err != nil {
		t.Fatal(err)
	}
	check("re-insert", "30", "river")
	m := *ms[5]
	m.SupersededBy = ms[6].Hash
	if err := b.Update(ctx, &m); err != nil {
		t.Fatal(err)
	}
	check("supersede", "5", "river")
	// A purge (rows deleted for good) makes the index load again.
	if err := b.Exec(ctx, "DELETE FROM memories WHERE hash = ?", ms[7].Hash); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := a.KeywordSearchIndexed(ctx, f, []string{"river"}, 50); err != nil || ok {
		t.Errorf("KeywordSearchIndexed() after a purge=%v, ok %v, want FTS5 to answer while the index reloads", err, ok)
	}
	notice := func() { // each store notices the change, then loads anew
		for _, s := range []*sqlite.Store{a, b} {
			s.KeywordSearchIndexed(ctx, f, []string{"river"}, 1)
		}
	}
	notice()
	check("purge", "river", "7")
	// Another tokenizer: the index follows it (no stemming: "run" no
	// longer matches "running").
	if err := b.SetTokenizer(ctx, "unicode61"); err != nil {
		t.Fatal(err)
	}
	notice()
	check("new tokenizer", "run", "running", "river")
	if got, _, _ := a.KeywordSearchIndexed(ctx, f, []string{"run"}, 10); len(got) != 0 {
		t.Errorf("KeywordSearch(run) without stemming=%d hits, want none", len(got))
	}
	if loaded, broken := a.KeywordIndexState(); !loaded || broken {
		t.Errorf("KeywordIndexState()=%v, %v, want loaded and not broken", loaded, broken)
	}
}

// TestKeywordIndex_Background checks that keyword search answers (from
// FTS5) before the index is loaded, loads it in the background, and that
// Close stops a load under way.
func TestKeywordIndex_Background(t *testing.T) {
	s := MustOpenStore(t)
	ms := seedRanking(t, s)
	f := memory.Filter{Owner: "alice"}
	want, err := s.KeywordSearchPlain(t.Context(), f, []string{"river"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		got, err := s.KeywordSearch(t.Context(), f, []string{"river"}, 10)
		if err != nil || fmt.Sprint(memorytest.HitHashes(got)) != fmt.Sprint(memorytest.HitHashes(want)) {
			t.Fatalf("KeywordSearch()=%v, %v, want %v", memorytest.HitHashes(got), err, memorytest.HitHashes(want))
		}
		if loaded, _ := s.KeywordIndexState(); loaded || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if loaded, broken := s.KeywordIndexState(); !loaded || broken {
		t.Errorf("KeywordIndexState()=%v, %v, want the index loaded in the background", loaded, broken)
	}
	// Closing while a load runs.
	other := sqlite.New(s.Path())
	if err := other.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	other.KeywordSearch(t.Context(), f, []string{"river"}, 10)
	if err := other.Close(); err != nil {
		t.Errorf("Close() during a load=%v", err)
	}
	_ = ms
}

// TestKeywordIndex_Off checks NoKeywordIndex: FTS5 answers, no index.
func TestKeywordIndex_Off(t *testing.T) {
	s := MustOpenStorePath(t, filepath.Join(t.TempDir(), "memory.db"), func(s *sqlite.Store) { s.NoKeywordIndex = true })
	seedRanking(t, s)
	if err := s.Preload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.KeywordSearchIndexed(t.Context(), memory.Filter{Owner: "alice"}, []string{"river"}, 10); err != nil || ok {
		t.Errorf("KeywordSearchIndexed() with NoKeywordIndex=%v, ok %v, want no index", err, ok)
	}
}

// TestHybridSearch_SameAsTwoCalls checks that HybridSearch returns what
// KeywordSearch and VectorSearch return, with the keyword index loaded or
// not, for filters the index checks itself and others.
func TestHybridSearch_SameAsTwoCalls(t *testing.T) {
	fake := memorytest.NewFakeEmbedder(16)
	s := MustOpenStore(t)
	words := []string{"river", "stone", "apple", "cloud", "amber", "delta", "ember", "grove"}
	r := rand.New(rand.NewPCG(5, 6))
	var ms []*memory.Memory
	for i := range 300 {
		text := fmt.Sprintf("%s %s %s %d", words[r.IntN(len(words))], words[r.IntN(len(words))], words[r.IntN(3)], i)
		ms = append(ms, memorytest.NewMemory([]string{"alice", "bob"}[i%2], text, memorytest.WithEmbedding(fake),
			memorytest.WithTags(fmt.Sprint("t", i%5)), memorytest.At(memorytest.Epoch.Add(time.Duration(i)*time.Minute))))
	}
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	model := fake.Model().Name
	for _, loaded := range []bool{false, true} {
		if loaded {
			if err := s.Preload(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		for name, f := range map[string]memory.Filter{
			"owner": {Owner: "alice"},
			"tag":   {Owner: "alice", Tags: []string{"t2"}},
			"time":  {Owner: "bob", After: memorytest.Epoch.Add(100 * time.Minute)},
		} {
			for _, terms := range [][]string{{"river", "apple"}, {"grove"}, {}, {"apple pie"}} {
				vec := memorytest.FakeVector(16, strings.Join(terms, " ")+" cloud")
				kw, dense, err := s.HybridSearch(t.Context(), f, terms, model, vec, 20)
				if err != nil {
					t.Fatal(err)
				}
				wantKW, err := s.KeywordSearch(t.Context(), f, terms, 20)
				if err != nil {
					t.Fatal(err)
				}
				wantDense, err := s.VectorSearch(t.Context(), f, model, vec, 20)
				if err != nil {
					t.Fatal(err)
				}
				for _, hs := range [][]memory.Hit{wantKW, wantDense} {
					for _, h := range hs {
						h.Memory.Embedding = nil // HybridSearch does not read them
					}
				}
				call := fmt.Sprintf("HybridSearch(%s, %q) loaded=%v", name, terms, loaded)
				if fmt.Sprint(hitList(kw)) != fmt.Sprint(hitList(wantKW)) {
					t.Errorf("%s keyword=%v, want %v", call, hitList(kw), hitList(wantKW))
				}
				if fmt.Sprint(hitList(dense)) != fmt.Sprint(hitList(wantDense)) {
					t.Errorf("%s vector=%v, want %v", call, hitList(dense), hitList(wantDense))
				}
			}
		}
	}
	if _, _, err := s.HybridSearch(t.Context(), memory.Filter{Owner: "alice"}, []string{"river"}, model, []float32{1}, 10); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("HybridSearch(wrong dimensions)=%v, want EInvalid", err)
	}
	if _, _, err := s.HybridSearch(t.Context(), memory.Filter{Owner: "alice"}, []string{"river"}, model, make([]float32, 16), 0); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("HybridSearch(limit 0)=%v, want EInvalid", err)
	}
}

// hitList describes hits: each memory in full and its score.
func hitList(hs []memory.Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = fmt.Sprintf("%v %v", h.Memory, h.Score)
	}
	return out
}

// A new database's keyword index loads empty and stays in use after the
// first stores: FTS5 writes its averages record empty until the first
// row, and reading that as a mismatch had sent every new user's first
// session back to FTS5.
func TestKeywordIndex_FreshDatabase(t *testing.T) {
	s := MustOpenStore(t)
	if err := s.Preload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if loaded, broken := s.KeywordIndexState(); !loaded || broken {
		t.Fatalf("KeywordIndexState() on an empty database=%v, %v, want loaded and not broken", loaded, broken)
	}
	m := memorytest.NewMemory("alice", "the first memory of a new user")
	if err := s.Insert(t.Context(), []*memory.Memory{m}); err != nil {
		t.Fatal(err)
	}
	hits, err := s.KeywordSearch(t.Context(), memory.Filter{Owner: "alice"}, []string{"first"}, 5)
	if err != nil || len(hits) != 1 {
		t.Fatalf("KeywordSearch(first)=%d hits, %v; want 1", len(hits), err)
	}
	if loaded, broken := s.KeywordIndexState(); !loaded || broken {
		t.Errorf("KeywordIndexState() after the first store=%v, %v, want loaded and not broken", loaded, broken)
	}
}

// TestKeywordIndex_Compaction deletes more than a quarter of the indexed
// memories, which renumbers the index's slots and rebuilds its lists:
// searches still answer exactly as FTS5, before and after more writes.
func TestKeywordIndex_Compaction(t *testing.T) {
	s := MustOpenStore(t)
	ctx := t.Context()
	f := memory.Filter{Owner: "alice"}
	var ms []*memory.Memory
	for i := range 3000 {
		ms = append(ms, memorytest.NewMemory("alice", fmt.Sprintf("river stone %d running w%d w%d", i, i%7, i%13), memorytest.At(memorytest.Epoch.Add(time.Duration(i)*time.Second))))
	}
	if err := s.Insert(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if err := s.Preload(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(step string) {
		t.Helper()
		for _, terms := range [][]string{{"river"}, {"w3"}, {"w5", "w11"}, {"2999"}, {"17"}} {
			checkIndexed(t, s, fmt.Sprintf("after %s: KeywordSearch(%q)", step, terms), f, terms, 40)
		}
	}
	var gone []string
	for i, m := range ms {
		if i%3 != 0 { // two thirds: past the compaction threshold
			gone = append(gone, m.Hash)
		}
	}
	if _, err := s.Delete(ctx, memory.Filter{Owner: "alice", Hashes: gone}, memorytest.Epoch, false); err != nil {
		t.Fatal(err)
	}
	check("deleting two thirds")
	more := memorytest.NewMemory("alice", "river w3 after the compaction", memorytest.At(memorytest.Epoch.Add(time.Hour)))
	if err := s.Insert(ctx, []*memory.Memory{more}); err != nil {
		t.Fatal(err)
	}
	check("a store after it")
	if loaded, broken := s.KeywordIndexState(); !loaded || broken {
		t.Errorf("KeywordIndexState()=%v, %v, want loaded and not broken", loaded, broken)
	}
}
