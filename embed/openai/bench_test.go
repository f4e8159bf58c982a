package openai_test

import (
	"context"
	"testing"

	"github.com/mcp-memory-go/memory/embed/openai"
)

// BenchmarkEmbed measures the cost per text against the local fake: JSON
// encoding, HTTP on loopback, decoding, validation and normalisation. The
// fake answers repeated requests from a cache, so little of its own work is
// counted; client and server share the machine's cores.
func BenchmarkEmbed(b *testing.B) {
	for _, bc := range []struct {
		name        string
		dim, batch  int
		texts       int
		base64Reply bool
	}{
		{"dim384/batch1", 384, 1, 64, false},
		{"dim384/batch64", 384, 64, 64, false},
		{"dim768/batch64", 768, 64, 256, false},
		{"dim768/batch64/base64", 768, 64, 256, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := newFake(b, bc.dim)
			f.set(func(sw *switches) { sw.base64, sw.cache = bc.base64Reply, true })
			e, _ := newEmbedder(b, f, func(c *openai.Config) { c.BatchSize = bc.batch })
			in := texts(bc.texts)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := e.Embed(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*bc.texts), "ns/text")
		})
	}
}
