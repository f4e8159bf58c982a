package metrics

import (
	"context"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/prometheus/client_golang/prometheus"
)

type embedMetrics struct {
	seconds prometheus.Histogram
	errors  prometheus.Counter
	texts   prometheus.Counter
}

func newEmbedMetrics() embedMetrics {
	return embedMetrics{
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "memory_embed_duration_seconds",
			Help:    "Time of embedding calls (one call embeds a batch of texts).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12), // 1 ms … 24 s
		}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "memory_embed_errors_total",
			Help: "Embedding calls that failed.",
		}),
		texts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "memory_embedded_texts_total",
			Help: "Texts given to the embedder.",
		}),
	}
}

// Embedder returns e wrapped so that every Embed call is timed
// (memory_embed_duration_seconds) and counted (memory_embedded_texts_total,
// memory_embed_errors_total). The wrapper implements memory.Preloader and
// memory.EmbedderReporter exactly when e does, and has an Unwrap method
// returning e. nil in, nil out.
func (m *Metrics) Embedder(e memory.Embedder) memory.Embedder {
	if e == nil {
		return nil
	}
	base := &embedder{Embedder: e, m: &m.embed}
	p, isP := e.(memory.Preloader)
	r, isR := e.(memory.EmbedderReporter)
	switch {
	case isP && isR:
		return struct {
			*embedder
			memory.Preloader
			memory.EmbedderReporter
		}{base, p, r}
	case isP:
		return struct {
			*embedder
			memory.Preloader
		}{base, p}
	case isR:
		return struct {
			*embedder
			memory.EmbedderReporter
		}{base, r}
	}
	return base
}

// embedder observes the Embed calls of the embedder it wraps.
type embedder struct {
	memory.Embedder
	m *embedMetrics
}

// Embed implements memory.Embedder.
func (e *embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	start := time.Now()
	vs, err := e.Embedder.Embed(ctx, texts)
	e.m.seconds.Observe(time.Since(start).Seconds())
	e.m.texts.Add(float64(len(texts)))
	if err != nil {
		e.m.errors.Inc()
	}
	return vs, err
}

// Unwrap returns the wrapped embedder.
func (e *embedder) Unwrap() memory.Embedder { return e.Embedder }
