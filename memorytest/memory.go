package memorytest

// Builders of valid memories for tests.

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/mcp-memory-go/memory"
)

// Epoch is the creation time NewMemory gives memories: a fixed instant, so
// tests are deterministic. Use At to set another.
var Epoch = time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)

// Option changes a memory made by NewMemory.
type Option func(*memory.Memory)

// NewMemory returns a memory valid for Store.Insert: content normalised,
// hash computed from it, type "note", no tags, empty metadata, quality
// 0.5, created and updated at Epoch, no vector. Options change it in
// order.
func NewMemory(owner, content string, opts ...Option) *memory.Memory {
	m := &memory.Memory{
		Owner:     owner,
		Content:   memory.NormalizeContent(content),
		Hash:      memory.ContentHash(content),
		Type:      "note",
		Tags:      []string{},
		Metadata:  map[string]any{},
		Quality:   memory.DefaultQuality,
		CreatedAt: Epoch,
		UpdatedAt: Epoch,
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// WithTags sets the tags, normalised (lower-cased, trimmed, deduplicated).
// It panics on tags the service would refuse.
func WithTags(tags ...string) Option {
	return func(m *memory.Memory) {
		t, err := memory.NormalizeTags(tags)
		if err != nil {
			panic(fmt.Sprintf("memorytest: %v", err))
		}
		m.Tags = t
	}
}

// WithType sets the memory type.
func WithType(typ string) Option { return func(m *memory.Memory) { m.Type = typ } }

// WithMetadata sets a copy of the metadata.
func WithMetadata(md map[string]any) Option {
	return func(m *memory.Memory) { m.Metadata = maps.Clone(md) }
}

// At sets the creation and update times, at millisecond precision.
func At(t time.Time) Option {
	return func(m *memory.Memory) { m.CreatedAt, m.UpdatedAt = memory.TimeMS(t), memory.TimeMS(t) }
}

// Updated sets the update time alone.
func Updated(t time.Time) Option { return func(m *memory.Memory) { m.UpdatedAt = memory.TimeMS(t) } }

// Accessed sets the last access time and the access count.
func Accessed(at time.Time, count int64) Option {
	return func(m *memory.Memory) { m.LastAccessedAt, m.AccessCount = memory.TimeMS(at), count }
}

// WithQuality sets the quality score.
func WithQuality(q float64) Option { return func(m *memory.Memory) { m.Quality = q } }

// SupersededBy marks the memory as replaced by the memory with hash.
func SupersededBy(hash string) Option { return func(m *memory.Memory) { m.SupersededBy = hash } }

// WithVector sets the vector and its model.
func WithVector(model string, v []float32) Option {
	return func(m *memory.Memory) { m.EmbeddingModel, m.Embedding = model, v }
}

// WithEmbedding sets the vector e makes of the content. It panics if e
// fails (the fake embedder never does).
func WithEmbedding(e memory.Embedder) Option {
	return func(m *memory.Memory) {
		vs, err := e.Embed(context.Background(), []string{m.Content})
		if err != nil {
			panic(fmt.Sprintf("memorytest: embed: %v", err))
		}
		m.EmbeddingModel, m.Embedding = e.Model().Name, vs[0]
	}
}

// Hashes returns the hashes of memories, in order.
func Hashes(ms ...*memory.Memory) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Hash
	}
	return out
}

// HitHashes returns the hashes of the hits' memories, in order.
func HitHashes(hits []memory.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Memory.Hash
	}
	return out
}
