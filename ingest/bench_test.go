package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/embed/glove"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// embedder is the built-in model, loaded once for every benchmark.
var embedder = glove.New()

// benchIngester is an ingester over a fresh SQLite store with the built-in
// embedder: the default configuration end to end.
func benchIngester(b *testing.B) *ingest.Ingester {
	b.Helper()
	st := sqlite.New(filepath.Join(b.TempDir(), "m.db"))
	if err := st.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := embedder.Preload(context.Background()); err != nil {
		b.Fatal(err)
	}
	return &ingest.Ingester{Service: memory.NewService(st, embedder)}
}

// BenchmarkIngestPDF: a Chromium-printed PDF read, chunked, embedded and
// stored, into a fresh store each time; reports pages/s and chunks/s.
func BenchmarkIngestPDF(b *testing.B) {
	data, err := os.ReadFile("document/testdata/report.pdf")
	if err != nil {
		b.Fatal(err)
	}
	var pages, chunks int
	for b.Loop() {
		b.StopTimer()
		in := benchIngester(b)
		b.StartTimer()
		r, err := in.Ingest(context.Background(), "report.pdf", data, ingest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		pages += r.Pages
		chunks += r.Chunks
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
}

// BenchmarkIngestText: 100 KB of prose per file, each file new text.
func BenchmarkIngestText(b *testing.B) {
	in := benchIngester(b)
	var chunks, bytes int
	i := 0
	for b.Loop() {
		i++
		var sb strings.Builder
		for p := 0; sb.Len() < 100_000; p++ {
			fmt.Fprintf(&sb, "Section %d.%d of the operations handbook covers the night shift, the backup generator and the fuel deliveries in winter. ", i, p)
			if p%6 == 5 {
				sb.WriteString("\n\n")
			}
		}
		r, err := in.Ingest(context.Background(), fmt.Sprintf("handbook-%d.txt", i), []byte(sb.String()), ingest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		chunks += r.Stored
		bytes += sb.Len()
	}
	b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
	b.SetBytes(int64(bytes / max(b.N, 1)))
}
