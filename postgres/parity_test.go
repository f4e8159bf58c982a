package postgres_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/embed/glove"
	"github.com/mcp-memory-go/memory/postgres"
	"github.com/mcp-memory-go/memory/sqlite"
)

// parityCorpus returns sentences of words drawn by Zipf frequency from the
// repository's benchmark word list (as real text is: common words match
// many memories, rare ones few), and some with inflections, diacritics,
// numbers and punctuation, so that stemming and tokenising are compared
// too.
func parityCorpus(t *testing.T, n int) []string {
	t.Helper()
	b, err := os.ReadFile("../testdata/benchwords.txt")
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(string(b))
	r := rand.New(rand.NewPCG(11, 13))
	z := rand.NewZipf(r, 1.07, 2, uint64(len(words)-1))
	out := []string{
		"The runners were running in the rain; one runner runs daily",
		"Connection to staging.example.com failed at 10:42 (error E1234)",
		"Café au lait at the naïve résumé workshop, São Paulo",
		"Generously funded organizations organize relational databases",
		"Happiness is a warm cup of tea and a good book",
		"Deploy v1.2.3 to production after the database migration",
		"under_score and camelCase identifiers in the parser",
	}
	for len(out) < n {
		w := make([]string, 6+r.IntN(20))
		for i := range w {
			w[i] = words[z.Uint64()]
		}
		out = append(out, strings.Join(w, " "))
	}
	return out
}

// paritySearches are searches whose answers both backends must agree on.
var paritySearches = []memory.SearchRequest{
	{Query: "running runner"},
	{Query: "staging example com error"},
	{Query: "cafe resume sao paulo"},
	{Query: "organization relations"},
	{Query: "happiness book"},
	{Query: "deploy production 1 2 3"},
	{Query: "under_score parser"},
	{Query: "news market security"},
	{Query: "tuesday game season", Tags: []string{"even"}},
	{Query: "political court foreign government"},
	{Query: "family life good"},
	{Query: "university research students"},
	{Query: "the of and"},
	{Query: "zzzz nothing matches this"},
}

// TestParityWithSQLite stores the same memories through the service on
// SQLite and on PostgreSQL and runs the same searches in every mode: the
// backends must return the same memories in the same order with the same
// scores. Keyword scores are BM25 on both (the same formula, stemmer and
// statistics for one owner); vector scores are cosine similarities. The
// PostgreSQL store searches with a candidate list longer than the table,
// which makes its HNSW index exact, so that the comparison is of meaning,
// not of the index's recall (measured by `memory bench postgres`).
func TestParityWithSQLite(t *testing.T) {
	pg := MustOpenStore(t, func(s *postgres.Store) { s.EfSearch = 1000 })
	lite := sqlite.New(filepath.Join(t.TempDir(), "parity.db"))
	if err := lite.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	emb := glove.New()
	corpus := parityCorpus(t, 800)
	svcs := map[string]*memory.Service{}
	for name, st := range map[string]memory.Store{"sqlite": lite, "postgres": pg} {
		svc := memory.NewService(st, emb)
		svc.RecordAccess, svc.SemanticDedup = false, false
		clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		svc.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
		for i := 0; i < len(corpus); i += 100 {
			var reqs []memory.StoreRequest
			for j, c := range corpus[i:min(i+100, len(corpus))] {
				tag := "odd"
				if (i+j)%2 == 0 {
					tag = "even"
				}
				reqs = append(reqs, memory.StoreRequest{Content: c, Tags: []string{tag}})
			}
			if _, err := svc.StoreBatch(t.Context(), reqs); err != nil {
				t.Fatalf("%s: StoreBatch()=%v", name, err)
			}
		}
		svcs[name] = svc
	}

	compared := 0
	for _, mode := range []string{memory.ModeKeyword, memory.ModeSemantic, memory.ModeHybrid} {
		for _, fusion := range []string{memory.FusionWeighted, memory.FusionRRF} {
			if fusion == memory.FusionRRF && mode != memory.ModeHybrid {
				continue
			}
			for _, req := range paritySearches {
				req.Mode, req.Limit = mode, 20
				var res [2]memory.SearchResult
				for i, name := range []string{"sqlite", "postgres"} {
					svcs[name].Fusion = fusion
					var err error
					if res[i], err = svcs[name].Search(t.Context(), req); err != nil {
						t.Fatalf("%s: Search(%q, %s)=%v", name, req.Query, mode, err)
					}
				}
				where := fmt.Sprintf("Search(%q, %s, %s)", req.Query, mode, fusion)
				compareResults(t, where, res[0].Results, res[1].Results)
				compared += len(res[0].Results)
			}
		}
	}
	if compared < 200 {
		t.Errorf("compared %d results in all, want a corpus that matches more", compared)
	}

	// The raw keyword scores are BM25 itself on both, not only the same
	// after normalisation.
	f := memory.Filter{Owner: memory.LocalOwner}
	for _, terms := range [][]string{{"news"}, {"market", "security"}, {"running"}, {"staging", "example"}} {
		a, err := lite.KeywordSearch(t.Context(), f, terms, 10)
		if err != nil {
			t.Fatal(err)
		}
		b, err := pg.KeywordSearch(t.Context(), f, terms, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != len(b) || len(a) == 0 {
			t.Fatalf("KeywordSearch(%q): sqlite %d hits, postgres %d", terms, len(a), len(b))
		}
		for i := range a {
			if math.Abs(a[i].Score-b[i].Score) > 1e-9*a[i].Score {
				t.Errorf("KeywordSearch(%q)[%d].Score: sqlite %v, postgres %v", terms, i, a[i].Score, b[i].Score)
			}
		}
	}
}

// near reports whether two scores are equal but for rounding: vectors are
// float32, whose products each backend sums in its own order, so cosine
// similarities agree to about 1e-7 (and min-max normalisation may stretch
// that); BM25 scores agree to the last few bits.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6 }

// compareResults fails unless both backends returned the same memories
// with the same scores, in the same order but among equal scores (a tie
// may be broken by the last bit of a sum).
func compareResults(t *testing.T, where string, a, b []memory.Result) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: sqlite %d results, postgres %d", where, len(a), len(b))
		return
	}
	for i := 0; i < len(a); {
		j := i + 1
		for j < len(a) && near(a[j].Score, a[i].Score) {
			j++
		}
		want := map[string]bool{}
		for _, r := range a[i:j] {
			want[r.Hash] = true
		}
		for k := i; k < j; k++ {
			if !near(a[k].Score, b[k].Score) {
				t.Errorf("%s[%d].Score: sqlite %v, postgres %v (%q)", where, k, a[k].Score, b[k].Score, a[k].Content)
				return
			}
			// The last group may be cut by the limit differently.
			if !want[b[k].Hash] && j < len(a) {
				t.Errorf("%s[%d]: sqlite %q, postgres %q", where, k, a[k].Content, b[k].Content)
				return
			}
		}
		i = j
	}
}
