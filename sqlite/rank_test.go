package sqlite_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// seedRanking stores memories of three owners whose texts vary in length
// (so that the length bound of pruning is loose or tight), repeat words
// (several occurrences of a phrase), share words with most other texts
// (IDF at its floor) or with few, and tie (texts of the same words), with
// superseded and deleted memories among them.
func seedRanking(t *testing.T, s *sqlite.Store) []*memory.Memory {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	words := []string{"common", "often", "apple", "pie", "river", "stone", "cloud", "amber",
		"delta", "ember", "fjord", "grove", "harbor", "island", "jungle", "kettle"}
	var ms []*memory.Memory
	for i := range 600 {
		var text []string
		switch {
		case i%40 == 0:
			// Ties: the same words, apart from the number.
			text = []string{"zeta", "river", "zeta"}
		default:
			for range 1 + r.IntN(40) {
				u := r.Float64()
				text = append(text, words[int(u*u*float64(len(words)))])
			}
			if r.IntN(10) == 0 {
				text = append(text, "apple", "pie")
			}
		}
		owner := "alice"
		switch n := r.IntN(20); {
		case n < 5:
			owner = "bob"
		case n == 5:
			owner = "carol"
		}
		opts := []memorytest.Option{
			memorytest.WithTags(fmt.Sprint("t", r.IntN(10)), fmt.Sprint("u", r.IntN(50))),
			memorytest.WithType([]string{"note", "decision", "task"}[r.IntN(3)]),
			memorytest.At(memorytest.Epoch.Add(time.Duration(i) * time.Minute)),
		}
		if r.IntN(3) == 0 {
			opts = append(opts, memorytest.Accessed(memorytest.Epoch.Add(time.Duration(r.IntN(5000))*time.Minute), 1))
		}
		if r.IntN(10) == 0 {
			opts = append(opts, memorytest.SupersededBy(memory.ContentHash("newer")))
		}
		ms = append(ms, memorytest.NewMemory(owner, fmt.Sprintf("%d %s", i, strings.Join(text, " ")), opts...))
	}
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	var doomed []string
	for i, m := range ms {
		if i%9 == 4 && m.Owner == "alice" {
			doomed = append(doomed, m.Hash)
		}
	}
	if _, err := s.Delete(t.Context(), memory.Filter{Owner: "alice", Hashes: doomed}, memorytest.Epoch, false); err != nil {
		t.Fatal(err)
	}
	return ms
}

// rankingFilters returns a filter of every kind over the memories of
// seedRanking, by name: some pass few of the matches (another owner's, a
// rare tag, a few hashes).
func rankingFilters(ms []*memory.Memory) map[string]memory.Filter {
	var some []string
	for _, m := range ms[100:130] {
		some = append(some, m.Hash)
	}
	return map[string]memory.Filter{
		"owner":      {Owner: "alice"},
		"small":      {Owner: "carol"},
		"superseded": {Owner: "alice", IncludeSuperseded: true},
		"tag":        {Owner: "alice", Tags: []string{"u7"}},
		"tags all":   {Owner: "alice", Tags: []string{"t1", "u3", "u4"}, TagMatch: memory.TagAll},
		"types":      {Owner: "bob", Types: []string{"task"}},
		"time":       {Owner: "alice", After: memorytest.Epoch.Add(300 * time.Minute), Before: memorytest.Epoch.Add(900 * time.Minute)},
		"hashes":     {Owner: "alice", Hashes: some},
		"stale":      {Owner: "alice", StaleBefore: memorytest.Epoch.Add(1000 * time.Minute)},
		"contains":   {Owner: "alice", Contains: "RIVER STONE"},
		"combined":   {Owner: "alice", Tags: []string{"t2", "t3"}, Types: []string{"note"}, IncludeSuperseded: true},
	}
}

// TestKeywordSearch_PrunedIsPlain checks that the pruned query returns the
// hits of the plain one, in the same order and with the same scores, for
// frequent and rare terms, phrases, every kind of filter and limits from 1
// to more than the matches, and that it did prune. Among the filters, some
// pass few of the matches (another owner's, a rare tag, a few hashes): the
// best scores then fill slowly and the first matches scanned are mostly
// filtered out. Its pruners ask for statistics after 16 matches (and after
// the default number for the owner filter), so that a small store
// exercises them.
func TestKeywordSearch_PrunedIsPlain(t *testing.T) {
	s := MustOpenStore(t)
	ms := seedRanking(t, s)
	filters := rankingFilters(ms)
	queries := [][]string{
		{"common"},
		{"common", "often"},
		{"river", "zeta"},
		{"kettle"},
		{"apple pie", "common"},
		{"jungle", "island", "harbor", "!!!"},
		{"apples", "apple", "stones"}, // the same token twice after stemming
	}
	// Limit 10 and, in turn, one of the others: every combination takes
	// too long under the race detector.
	others := []int{1, 60, 5000}
	var n, pruned, scanned, admitted int
	for _, name := range slices.Sorted(maps.Keys(filters)) {
		f := filters[name]
		for _, terms := range queries {
			n++
			limits := []int{10, others[n%len(others)]}
			if name == "owner" {
				limits = append([]int{10}, others...)
			}
			for _, limit := range limits {
				for _, statsAfter := range []int{16, 0} {
					if statsAfter == 0 && name != "owner" {
						continue
					}
					call := fmt.Sprintf("KeywordSearch(%s, %q, %d) with statistics after %d", name, terms, limit, statsAfter)
					st := checkPruned(t, s, call, f, terms, limit, statsAfter)
					if st.Stats {
						pruned++
						scanned += st.Scanned
						admitted += st.Admitted
					}
				}
			}
		}
	}
	// Both queries check the filter as Find does.
	for name, f := range filters {
		checkFiltered(t, s, name, f, queries[4])
	}
	// The frequent terms must have been pruned hard somewhere.
	if pruned == 0 || admitted*3 > scanned {
		t.Errorf("pruned %d searches, admitted %d of %d matches scanned, want fewer than a third", pruned, admitted, scanned)
	}
}

// TestKeywordSearch_PrunedTokenizers checks the pruned query under other
// tokenizers: without stemming, and with trigrams, where every term is a
// phrase of several tokens.
func TestKeywordSearch_PrunedTokenizers(t *testing.T) {
	for _, tok := range []string{"unicode61", "trigram"} {
		t.Run(tok, func(t *testing.T) {
			s := MustOpenStorePath(t, filepath.Join(t.TempDir(), "memory.db"), func(s *sqlite.Store) { s.Tokenizer = tok })
			seedRanking(t, s)
			f := memory.Filter{Owner: "alice"}
			var stats bool
			for _, terms := range [][]string{{"common", "often"}, {"river zeta"}, {"apples", "mon"}} {
				for _, limit := range []int{1, 10} {
					call := fmt.Sprintf("KeywordSearch(%q, %d) with %s", terms, limit, tok)
					stats = checkPruned(t, s, call, f, terms, limit, 16).Stats || stats
				}
			}
			if !stats {
				t.Errorf("no search loaded the statistics, want some pruned")
			}
		})
	}
}

// checkFiltered fails the test unless KeywordSearch returns, for a filter,
// the hits of the owner's unfiltered search that Find lists for it: the
// pruned and the plain queries check tags and hashes differently from
// Find.
func checkFiltered(t *testing.T, s *sqlite.Store, name string, f memory.Filter, terms []string) {
	t.Helper()
	all, err := s.KeywordSearchPlain(t.Context(), memory.Filter{Owner: f.Owner, IncludeSuperseded: true}, terms, 100000)
	if err != nil {
		t.Fatal(err)
	}
	listed, _, err := s.Find(t.Context(), f, memory.Page{})
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]bool{}
	for _, m := range listed {
		in[m.Hash] = true
	}
	var want []memory.Hit
	for _, h := range all {
		if in[h.Memory.Hash] {
			want = append(want, h)
		}
	}
	for _, plain := range []bool{false, true} {
		got, err := s.KeywordSearch(t.Context(), f, terms, 100000)
		if plain {
			got, err = s.KeywordSearchPlain(t.Context(), f, terms, 100000)
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("KeywordSearch(%s, %q) plain=%v=%d hits, want the %d that Find lists", name, terms, plain, len(got), len(want))
			continue
		}
		for i := range got {
			if got[i].Memory.Hash != want[i].Memory.Hash || got[i].Score != want[i].Score {
				t.Errorf("KeywordSearch(%s, %q) plain=%v [%d]=%s %v, want %s %v", name, terms, plain, i, got[i].Memory.Hash, got[i].Score, want[i].Memory.Hash, want[i].Score)
				break
			}
		}
	}
}

// checkPruned fails the test unless the pruned query completes and returns
// the hits of the plain one, and returns how it ran.
func checkPruned(t *testing.T, s *sqlite.Store, call string, f memory.Filter, terms []string, limit, statsAfter int) sqlite.KeywordStats {
	t.Helper()
	want, err := s.KeywordSearchPlain(t.Context(), f, terms, limit)
	if err != nil {
		t.Fatal(err)
	}
	got, st, err := s.KeywordSearchStats(t.Context(), f, terms, limit, statsAfter)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Pruned {
		t.Errorf("%s ran the plain query, want the pruned one to complete", call)
	}
	if len(got) != len(want) {
		t.Errorf("%s=%d hits, want %d", call, len(got), len(want))
		return st
	}
	for i := range got {
		if got[i].Memory.Hash != want[i].Memory.Hash || got[i].Score != want[i].Score {
			t.Errorf("%s[%d]=%s %v, want %s %v", call, i, got[i].Memory.Hash, got[i].Score, want[i].Memory.Hash, want[i].Score)
			break
		}
	}
	return st
}

// TestKeywordSearch_Ties checks that hits of equal scores come in insertion
// order however many there are beyond the limit.
func TestKeywordSearch_Ties(t *testing.T) {
	s := MustOpenStore(t)
	var ms []*memory.Memory
	for i := range 300 {
		ms = append(ms, memorytest.NewMemory("alice", fmt.Sprintf("same words here %d", i)))
	}
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	f := memory.Filter{Owner: "alice"}
	got, st, err := s.KeywordSearchStats(t.Context(), f, []string{"same"}, 7, 16)
	if err != nil || !st.Pruned {
		t.Fatalf("KeywordSearch()=%v, pruned %v", err, st.Pruned)
	}
	want := memorytest.Hashes(ms[:7]...)
	if h := memorytest.HitHashes(got); fmt.Sprint(h) != fmt.Sprint(want) {
		t.Errorf("KeywordSearch()=%v, want the first 7 inserted %v", h, want)
	}
}
