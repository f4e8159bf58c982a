// Package memorytest holds what tests of every package share: the Store
// contract suite each backend runs (RunStoreTests), a deterministic fake
// embedder, and builders of valid memories.
package memorytest

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"unicode"

	"github.com/mcp-memory-go/memory"
)

// NewFakeEmbedder returns a deterministic embedder of dim-dimensional
// vectors named "fake-<dim>" (see FakeVector). It never fails unless its
// context is done. It panics if dim < 1.
func NewFakeEmbedder(dim int) memory.Embedder {
	if dim < 1 {
		panic(fmt.Sprintf("memorytest: fake embedder dimension %d", dim))
	}
	return fakeEmbedder{dim: dim}
}

type fakeEmbedder struct{ dim int }

// Model implements memory.Embedder.
func (e fakeEmbedder) Model() memory.ModelInfo {
	return memory.ModelInfo{Name: fmt.Sprintf("fake-%d", e.dim), Dim: e.dim}
}

// Embed implements memory.Embedder.
func (e fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = FakeVector(e.dim, t)
	}
	return out, nil
}

// FakeVector is the vector the fake embedder makes: each lower-cased word
// (a run of letters and digits) adds 1 to the component its FNV-1a hash
// selects, and the sum is scaled to unit length. Every component is >= 0,
// so texts sharing a word have a cosine > 0, texts with the same words the
// same vector (cosine 1), and a text without words the zero vector.
func FakeVector(dim int, text string) []float32 {
	v := make([]float32, dim)
	for _, w := range Words(text) {
		h := fnv.New64a()
		h.Write([]byte(w))
		v[h.Sum64()%uint64(dim)]++
	}
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 {
		return v
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range v {
		v[i] *= inv
	}
	return v
}

// Words splits text into lower-cased runs of letters and digits.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// Cosine returns the cosine similarity of a and b, 0 if either is zero.
func Cosine(a, b []float32) float64 { return memory.Cosine(a, b) }
