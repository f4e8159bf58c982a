package glove_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/embed/glove"
)

// benchSentence has 25 words, a typical stored memory.
const benchSentence = "My sister Caroline moved to Lisbon last spring; she works as a nurse at the children's hospital and doesn't like the long night shifts."

// BenchmarkEmbed measures one ~25-word sentence per Embed call. The two
// allocations per op are the returned [][]float32 and its vector.
func BenchmarkEmbed(b *testing.B) {
	e := glove.New()
	ctx := context.Background()
	if err := e.Preload(ctx); err != nil {
		b.Fatal(err)
	}
	texts := []string{benchSentence}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Embed(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmbedParallel runs BenchmarkEmbed's call on every P.
func BenchmarkEmbedParallel(b *testing.B) {
	e := glove.New()
	ctx := context.Background()
	if err := e.Preload(ctx); err != nil {
		b.Fatal(err)
	}
	texts := []string{benchSentence}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.Embed(ctx, texts); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkLoad measures decoding the embedded table: checksum, word index
// and per-word coefficients.
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := glove.New().Preload(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmbed1MB embeds one text of 1 MiB (repeated English prose).
func BenchmarkEmbed1MB(b *testing.B) {
	e := glove.New()
	ctx := context.Background()
	if err := e.Preload(ctx); err != nil {
		b.Fatal(err)
	}
	texts := []string{strings.Repeat(benchSentence+" ", 1<<20/(len(benchSentence)+1))}
	b.SetBytes(int64(len(texts[0])))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Embed(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
}
