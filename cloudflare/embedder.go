package cloudflare

// Workers AI text embeddings as a memory.Embedder.

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mcp-memory-go/memory"
)

// DefaultEmbeddingModel is upstream's Workers AI model.
const DefaultEmbeddingModel = "@cf/baai/bge-base-en-v1.5"

// modelDims are the dimensions of the Workers AI embedding models this
// package knows; others learn theirs from the first answer.
var modelDims = map[string]int{
	"@cf/baai/bge-small-en-v1.5": 384,
	"@cf/baai/bge-base-en-v1.5":  768,
	"@cf/baai/bge-large-en-v1.5": 1024,
	"@cf/baai/bge-m3":            1024,
}

// ModelDim returns the dimension of a Workers AI embedding model, or 0 if
// this package does not know it.
func ModelDim(model string) int { return modelDims[model] }

// Limits of one embeddings call.
const (
	// embedBatch is the most texts Workers AI embeds in one request.
	embedBatch = 100
	// DefaultMaxChars is how much of a text is embedded: the BGE models
	// read 512 tokens; a token of English text is about four characters.
	DefaultMaxChars = 1800
)

var _ memory.Embedder = (*Embedder)(nil)

// Embedder makes vectors with a Workers AI embedding model. Create it with
// NewEmbedder; it is safe for concurrent use.
type Embedder struct {
	c        *client
	model    string
	maxChars int

	mu  sync.Mutex
	dim int
}

// NewEmbedder returns an embedder of model (DefaultEmbeddingModel if empty)
// for the account of cfg (APIToken and AccountID are required). Texts
// longer than maxChars characters (DefaultMaxChars if 0) are cut at a word
// boundary before they are sent.
func NewEmbedder(cfg Config, model string, maxChars int) (*Embedder, error) {
	for _, f := range []struct {
		s  Setting
		ok bool
	}{{SettingToken, cfg.APIToken != ""}, {SettingAccount, cfg.AccountID != ""}} {
		if !f.ok {
			return nil, &SetupError{Setting: f.s, Msg: "not set"}
		}
	}
	if model == "" {
		model = DefaultEmbeddingModel
	}
	if maxChars <= 0 {
		maxChars = DefaultMaxChars
	}
	return &Embedder{c: cfg.newClient(), model: model, maxChars: maxChars, dim: modelDims[model]}, nil
}

// Model implements memory.Embedder: the Workers AI model id and its
// dimension (0 until the first answer for a model this package does not
// know).
func (e *Embedder) Model() memory.ModelInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	return memory.ModelInfo{Name: e.model, Dim: e.dim}
}

// Embed implements memory.Embedder: one L2-normalised vector per text, in
// batches of 100 texts per request.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for chunk := range slices.Chunk(texts, embedBatch) {
		in := make([]string, len(chunk))
		for i, t := range chunk {
			in[i] = clipWords(t, e.maxChars)
		}
		var res struct {
			Shape []int       `json:"shape"`
			Data  [][]float32 `json:"data"`
		}
		path := "/ai/run/" + escapeModel(e.model)
		if err := e.c.postJSON(ctx, "ai", "embed", path, map[string]any{"text": in}, &res); err != nil {
			return nil, fmt.Errorf("embed with %s: %w", e.model, err)
		}
		if len(res.Data) != len(in) {
			return nil, fmt.Errorf("embed with %s: %d vectors for %d texts", e.model, len(res.Data), len(in))
		}
		for _, v := range res.Data {
			if err := e.learnDim(len(v)); err != nil {
				return nil, err
			}
			out = append(out, normalize(v))
		}
	}
	return out, nil
}

// learnDim records the dimension of the first answer and refuses answers
// of another.
func (e *Embedder) learnDim(n int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dim == 0 {
		e.dim = n
	}
	if n != e.dim {
		return fmt.Errorf("embed with %s: a %d-dimensional vector, want %d", e.model, n, e.dim)
	}
	return nil
}

// escapeModel escapes each segment of a model id ("@cf/baai/…").
func escapeModel(m string) string {
	parts := strings.Split(m, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// clipWords cuts s to at most n characters, at the last space before the
// cut when there is one.
func clipWords(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexAny(string(r), " \n\t"); i > len(string(r))/2 {
		return string(r)[:i]
	}
	return string(r)
}

// normalize scales v to unit length (a zero vector stays zero).
func normalize(v []float32) []float32 {
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
