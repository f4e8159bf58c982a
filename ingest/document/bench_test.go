package document_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/ingest/document"
)

// BenchmarkPDF extracts and chunks a 3-page PDF printed by Chromium;
// reports pages/s.
func BenchmarkPDF(b *testing.B) {
	data := MustRead(b, "report.pdf")
	pages := 0
	for b.Loop() {
		doc, err := document.Extract(b.Context(), document.PDF, data, document.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		doc.Chunks(document.ChunkOptions{})
		pages += doc.Pages
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkText extracts and chunks 1 MiB of plain text in paragraphs;
// reports chunks/s and MB/s.
func BenchmarkText(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 1<<20; i++ {
		fmt.Fprintf(&sb, "Paragraph %d. The keepers logged the weather every four hours, and the storm of %d broke the lens. ", i, 1800+i%200)
		if i%5 == 4 {
			sb.WriteString("\n\n")
		}
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	chunks := 0
	for b.Loop() {
		doc, err := document.Extract(b.Context(), document.TXT, data, document.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		chunks += len(doc.Chunks(document.ChunkOptions{}))
	}
	b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
}
