package consolidate_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/embed/glove"
	"github.com/mcp-memory-go/memory/sqlite"
)

// BenchmarkConsolidate measures one monthly pass (a batch of 500, every
// phase, as a dry run so that each iteration does the same work) over a
// store of 10,000 memories with the built-in GloVe-SIF vectors: Zipf
// word-salad sentences aged over two years, one in ten read since.
//
//	go test -run '^$' -bench Consolidate ./consolidate
func BenchmarkConsolidate(b *testing.B) {
	for _, n := range []int{10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.db")
			st := sqlite.New(path)
			if err := st.Open(context.Background()); err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			emb := glove.New()
			svc := memory.NewService(st, emb)
			svc.Graph, svc.Archive = st, st
			seedBench(b, svc, n)
			c := consolidate.New(svc, st)
			ctx := context.Background()
			if err := st.Preload(ctx); err != nil {
				b.Fatal(err)
			}
			var r consolidate.Report
			for b.Loop() {
				var err error
				if r, err = c.Consolidate(ctx, consolidate.Monthly, consolidate.Options{DryRun: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.Processed), "memories/pass")
			links := 0
			for _, n := range r.Associations.ByType {
				links += n
			}
			b.ReportMetric(float64(links), "links/pass")
		})
	}
}

func seedBench(b *testing.B, svc *memory.Service, n int) {
	b.Helper()
	words, err := os.ReadFile("../testdata/benchwords.txt")
	if err != nil {
		b.Fatal(err)
	}
	vocab := strings.Fields(string(words))
	r := rand.New(rand.NewPCG(1, 0))
	z := rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))
	now := time.Now()
	ctx := context.Background()
	for done := 0; done < n; {
		var ms []*memory.Memory
		var texts []string
		for range min(1000, n-done) {
			ws := make([]string, 10+r.IntN(13))
			for j := range ws {
				ws[j] = vocab[z.Uint64()]
			}
			text := fmt.Sprintf("%s (%d)", strings.Join(ws, " "), r.Uint64())
			at := memory.TimeMS(now.Add(-time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour)))))
			m := &memory.Memory{Owner: memory.LocalOwner, Hash: memory.ContentHash(text), Content: text, Tags: []string{"bench"},
				Type: "note", Metadata: map[string]any{}, CreatedAt: at, UpdatedAt: at, Quality: memory.DefaultQuality}
			if r.IntN(10) == 0 {
				m.AccessCount, m.LastAccessedAt = 1+r.Int64N(20), memory.TimeMS(at.Add(time.Duration(r.Int64N(int64(now.Sub(at))+1))))
			}
			ms, texts = append(ms, m), append(texts, text)
		}
		vecs, err := svc.Embedder.Embed(ctx, texts)
		if err != nil {
			b.Fatal(err)
		}
		for i, m := range ms {
			m.Embedding, m.EmbeddingModel = vecs[i], svc.Embedder.Model().Name
		}
		if err := svc.Storage.Insert(ctx, ms); err != nil {
			b.Fatal(err)
		}
		done += len(ms)
	}
}
