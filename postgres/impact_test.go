package postgres_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
)

// TestImpactSearchExact: reading through impact classes, the other words'
// memories or all of them, gives exactly the full BM25 ranking (same
// memories, same order, same scores) for searches of one to four words,
// common and rare, single words and phrases, with every limit, with and
// without filters. Memories are of very different lengths and repeat
// words, so that every class is used.
func TestImpactSearchExact(t *testing.T) {
	schema := NewSchema(t)
	s := MustOpenSchema(t, schema)
	b, err := os.ReadFile("../testdata/benchwords.txt")
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(string(b))[:400]
	r := rand.New(rand.NewPCG(5, 8))
	z := rand.NewZipf(r, 1.1, 2, uint64(len(words)-1))
	var ms []*memory.Memory
	for i := range 3000 {
		n := 1 + r.IntN(12)
		if i%10 == 0 {
			n = 40 + r.IntN(200) // long memories
		}
		w := make([]string, n)
		for j := range w {
			w[j] = words[z.Uint64()]
		}
		m := memorytest.NewMemory(memory.LocalOwner, fmt.Sprintf("%s %d", strings.Join(w, " "), i),
			memorytest.WithTags([]string{"even", "odd"}[i%2]), memorytest.WithType([]string{"note", "decision", "fact"}[i%3]))
		m.CreatedAt = memorytest.Epoch.Add(time.Duration(i) * time.Minute)
		ms = append(ms, m)
	}
	if err := s.Load(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	execSQL(t, "ANALYZE "+schema+".memories") // as autovacuum does after a load
	queries := [][]string{{"the"}, {"of", "and"}, {"the", "to", "a", "in"}, {"people", "time"}, {words[200], "the"},
		{"of the"}, {"in the", "and"}, {words[350]}, {words[399], words[398], "of"}}
	for range 8 {
		q := make([]string, 1+r.IntN(4))
		for i := range q {
			q[i] = words[r.IntN(60)]
		}
		queries = append(queries, q)
	}
	filters := []memory.Filter{
		{Owner: memory.LocalOwner},
		{Owner: memory.LocalOwner, Tags: []string{"even"}},
		{Owner: memory.LocalOwner, Types: []string{"fact"}, After: memorytest.Epoch.Add(500 * time.Minute)},
	}
	used := 0
	for _, terms := range queries {
		for _, f := range filters {
			for _, limit := range []int{1, 10, 50} {
				want, _, err := s.KeywordSearchBy(t.Context(), f, terms, limit, "none")
				if err != nil {
					t.Fatal(err)
				}
				for _, mode := range []string{"rest", "all"} {
					got, byImpact, err := s.KeywordSearchBy(t.Context(), f, terms, limit, mode)
					if err != nil {
						t.Fatal(err)
					}
					if byImpact {
						used++
					}
					where := fmt.Sprintf("KeywordSearch(%q, tags %v types %v, %d) by impact (%s)", terms, f.Tags, f.Types, limit, mode)
					if len(got) != len(want) {
						t.Errorf("%s=%d hits, want %d", where, len(got), len(want))
						continue
					}
					for i := range want {
						if got[i].Memory.Hash != want[i].Memory.Hash || got[i].Score != want[i].Score {
							t.Errorf("%s[%d]=%.8s %v, want %.8s %v", where, i, got[i].Memory.Hash, got[i].Score, want[i].Memory.Hash, want[i].Score)
							break
						}
					}
				}
			}
		}
	}
	if total := len(queries) * len(filters) * 3; used < total/2 {
		t.Errorf("impact ranking used for %d of %d searches, want most", used, total)
	}
}
