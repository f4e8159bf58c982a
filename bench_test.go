package memory_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/embed/glove"
	"github.com/mcp-memory-go/memory/sqlite"
)

// benchWords are 5,000 English words in order of frequency (from the
// built-in model's vocabulary, ranks 150 and below, so mostly content
// words). Synthetic memories draw them from a Zipf distribution, as real
// text does, so that common words match many memories and rare ones few.
var benchWords = func() []string {
	b, err := os.ReadFile("testdata/benchwords.txt")
	if err != nil {
		panic(err)
	}
	return strings.Fields(string(b))
}()

// synthText returns n to n+spread words drawn by Zipf frequency.
func synthText(r *rand.Rand, z *rand.Zipf, n, spread int) string {
	w := make([]string, n+r.IntN(spread+1))
	for i := range w {
		w[i] = benchWords[z.Uint64()]
	}
	return strings.Join(w, " ")
}

func newZipf(r *rand.Rand) *rand.Zipf { return rand.NewZipf(r, 1.07, 2, uint64(len(benchWords)-1)) }

func synthSentence(r *rand.Rand) string { return synthText(r, newZipf(r), 10, 12) }

// openBenchService returns a service with the built-in model over a store
// holding n synthetic memories.
func openBenchService(b *testing.B, n int) *memory.Service {
	b.Helper()
	ctx := context.Background()
	st := sqlite.New(filepath.Join(b.TempDir(), "bench.db"))
	if err := st.Open(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := memory.NewService(st, glove.New())
	svc.RecordAccess = false
	r := rand.New(rand.NewPCG(1, uint64(n)))
	const batch = 5000
	for i := 0; i < n; i += batch {
		reqs := make([]memory.StoreRequest, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			reqs = append(reqs, memory.StoreRequest{Content: fmt.Sprintf("%s %d", synthSentence(r), j), Tags: []string{fmt.Sprintf("t%d", j%50)}})
		}
		if _, err := svc.StoreBatch(ctx, reqs); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.Preload(ctx); err != nil {
		b.Fatal(err)
	}
	return svc
}

// BenchmarkServiceSearch measures a whole search through the service with
// the built-in model, query embedding included, at 10k and 100k memories.
// p50 and p95 are reported as metrics.
func BenchmarkServiceSearch(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		svc := openBenchService(b, n)
		r := rand.New(rand.NewPCG(7, 7))
		z := newZipf(r)
		queries := make([]string, 200)
		for i := range queries {
			queries[i] = synthText(r, z, 3, 3)
		}
		// One untimed pass warms what a running server has warm (the page
		// caches, the prepared statements), so that the first mode timed
		// does not pay for it alone.
		for _, q := range queries {
			if _, err := svc.Search(context.Background(), memory.SearchRequest{Query: q}); err != nil {
				b.Fatal(err)
			}
		}
		// hybrid-fusion is hybrid without re-ranking, so that the cost of
		// re-ranking shows under the same load.
		for _, mode := range []string{memory.ModeHybrid, "hybrid-fusion", memory.ModeSemantic, memory.ModeKeyword} {
			b.Run(fmt.Sprintf("%s/n=%d", mode, n), func(b *testing.B) {
				if mode == "hybrid-fusion" {
					mode, svc.Rerank = memory.ModeHybrid, memory.Rerank{}
					defer func() { svc.Rerank = memory.DefaultRerank() }()
				}
				ctx := context.Background()
				lat := make([]time.Duration, 0, b.N)
				i := 0
				for b.Loop() {
					t0 := time.Now()
					if _, err := svc.Search(ctx, memory.SearchRequest{Query: queries[i%len(queries)], Mode: mode}); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
					i++
				}
				reportPercentiles(b, lat)
			})
		}
		b.Run(fmt.Sprintf("hybrid-tag-filter/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.Search(context.Background(), memory.SearchRequest{Query: queries[0], Tags: []string{"t7"}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkServiceStoreBatch measures batched stores with the built-in
// model: validation, hashing, duplicate checks, embedding and insertion.
func BenchmarkServiceStoreBatch(b *testing.B) {
	svc := openBenchService(b, 0)
	r := rand.New(rand.NewPCG(3, 3))
	const batch = 1000
	i := 0
	for b.Loop() {
		reqs := make([]memory.StoreRequest, batch)
		for j := range reqs {
			reqs[j] = memory.StoreRequest{Content: fmt.Sprintf("%s %d", synthSentence(r), i), Tags: []string{"bench"}}
			i++
		}
		if _, err := svc.StoreBatch(context.Background(), reqs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "memories/s")
}

// BenchmarkServiceStore measures single stores (one transaction each, with
// the semantic duplicate check), as an MCP client issues them.
func BenchmarkServiceStore(b *testing.B) {
	svc := openBenchService(b, 10_000)
	r := rand.New(rand.NewPCG(5, 5))
	i := 0
	for b.Loop() {
		if _, err := svc.Store(context.Background(), memory.StoreRequest{Content: fmt.Sprintf("%s %d", synthSentence(r), i), ConversationID: "bench"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "memories/s")
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	s := append([]time.Duration{}, lat...)
	slices.Sort(s)
	b.ReportMetric(float64(s[len(s)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(s[len(s)*95/100].Microseconds())/1000, "p95-ms")
}
