package memory

import (
	"context"
	"fmt"
	"time"
)

// Health is the state of the service as memory_health and `memory status`
// report it.
type Health struct {
	// Status is "healthy", "degraded" (working with a reduced feature, e.g.
	// no semantic search) or "unhealthy" (storage failing its check).
	Status   string     `json:"status"`
	Version  string     `json:"version"`
	Backend  string     `json:"backend"`
	Storage  StoreStats `json:"storage"`
	Semantic Semantic   `json:"semantic_search"`
	// Problems lists what is wrong, each with what to do about it.
	Problems []string `json:"problems,omitempty"`
	UptimeS  float64  `json:"uptime_seconds"`
}

// Semantic describes the embedding side of the service.
type Semantic struct {
	Enabled bool   `json:"enabled"`
	Reason  string `json:"reason,omitempty"`
	Model   string `json:"model,omitempty"`
	Dim     int    `json:"dim,omitempty"`
	// Mismatched counts memories whose vector is missing or was made by
	// another model: `memory reembed` fixes them.
	Mismatched int64          `json:"memories_needing_reembed"`
	Embedder   map[string]any `json:"embedder,omitempty"`
}

// ProblemReporter is implemented by stores that can be working yet need
// attention (a hybrid store whose sync fails): each problem says what is
// wrong and what to do, and makes the health "degraded".
type ProblemReporter interface {
	Problems(ctx context.Context) []string
}

// Health checks the storage and the embedder and says what, if anything,
// needs attention. It fails only when the storage cannot be read at all.
func (s *Service) Health(ctx context.Context) (Health, error) {
	h := Health{Status: "healthy", Version: s.Version, Backend: s.Backend, UptimeS: time.Since(s.started).Seconds()}
	st, err := s.Storage.Stats(ctx, "")
	if err != nil {
		return h, err
	}
	h.Storage = st
	if err := s.Storage.Check(ctx); err != nil {
		h.Status = "unhealthy"
		h.Problems = append(h.Problems, "storage check failed: "+err.Error()+" (restore a backup)")
	}
	if r, ok := s.Storage.(ProblemReporter); ok {
		h.Problems = append(h.Problems, r.Problems(ctx)...)
	}
	h.Semantic = s.semantic(ctx, st)
	if !h.Semantic.Enabled {
		h.Problems = append(h.Problems, "semantic search is off: "+h.Semantic.Reason+"; keyword and exact search still work")
	}
	if h.Semantic.Enabled && h.Semantic.Mismatched > 0 {
		h.Problems = append(h.Problems, fmt.Sprintf("%d memories have no vector of model %s (model switched or embedding failed): run `memory reembed`", h.Semantic.Mismatched, h.Semantic.Model))
	}
	if h.Status == "healthy" && len(h.Problems) > 0 {
		h.Status = "degraded"
	}
	return h, nil
}

func (s *Service) semantic(ctx context.Context, st StoreStats) Semantic {
	if s.Embedder == nil {
		return Semantic{Reason: "no embedding model is configured"}
	}
	m := s.Embedder.Model()
	sem := Semantic{Enabled: true, Model: m.Name, Dim: m.Dim}
	if r, ok := s.Embedder.(EmbedderReporter); ok {
		sem.Embedder = r.Report()
	}
	if p, ok := s.Embedder.(Preloader); ok {
		if err := p.Preload(ctx); err != nil {
			sem.Enabled, sem.Reason = false, "the embedding model cannot be loaded: "+ErrorMessage(err)
		}
	}
	for model, n := range st.Models {
		if model != m.Name {
			sem.Mismatched += n
		}
	}
	return sem
}

// Stats are usage figures for memory_stats.
type Stats struct {
	Storage       StoreStats     `json:"storage"`
	Searches      int64          `json:"searches"`
	AvgSearchMS   float64        `json:"average_search_ms"`
	Stores        int64          `json:"stores"`
	StoreErrors   int64          `json:"store_errors"`
	Backend       string         `json:"backend"`
	Model         string         `json:"embedding_model,omitempty"`
	Embedder      map[string]any `json:"embedder,omitempty"`
	UptimeSeconds float64        `json:"uptime_seconds"`
}

// Stats returns the caller's storage figures and this process's counters.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	st, err := s.Storage.Stats(ctx, OwnerFrom(ctx))
	if err != nil {
		return Stats{}, err
	}
	out := Stats{
		Storage: st, Backend: s.Backend, Model: s.model().Name,
		Searches: s.counters.searches.Load(), Stores: s.counters.stores.Load(), StoreErrors: s.counters.storeErrors.Load(),
		UptimeSeconds: time.Since(s.started).Seconds(),
	}
	if out.Searches > 0 {
		out.AvgSearchMS = float64(s.counters.searchNanos.Load()) / float64(out.Searches) / 1e6
	}
	if r, ok := s.Embedder.(EmbedderReporter); ok {
		out.Embedder = r.Report()
	}
	return out, nil
}

// Tags returns the caller's tags with their counts, most used first.
func (s *Service) Tags(ctx context.Context) ([]TagCount, error) {
	tags, err := s.Storage.Tags(ctx, OwnerFrom(ctx))
	return nonNil(tags), err
}

// Reembed gives every memory without a vector of the current model one,
// in batches, calling progress after each batch with the number done and
// the number there were to do. It is resumable: interrupted, it continues
// where it stopped on the next call. Reads keep working meanwhile (memories
// not yet re-embedded are found by keyword search).
func (s *Service) Reembed(ctx context.Context, batch int, progress func(done, total int64)) (int64, error) {
	if s.Embedder == nil {
		return 0, Errorf(EUnavailable, "no embedding model is configured")
	}
	if batch <= 0 {
		batch = 256
	}
	st, err := s.Storage.Stats(ctx, "")
	if err != nil {
		return 0, err
	}
	model := s.model().Name
	var total, done int64
	for m, n := range st.Models {
		if m != model {
			total += n
		}
	}
	for {
		todo, err := s.Storage.PendingEmbeddings(ctx, model, batch)
		if err != nil {
			return done, err
		}
		if len(todo) == 0 {
			return done, nil
		}
		texts := make([]string, len(todo))
		for i, m := range todo {
			texts[i] = m.Content
		}
		vecs, err := s.embed(ctx, texts)
		if err != nil {
			return done, fmt.Errorf("embedding batch: %w", err)
		}
		us := make([]EmbeddingUpdate, len(todo))
		for i, m := range todo {
			us[i] = EmbeddingUpdate{Owner: m.Owner, Hash: m.Hash, Model: model}
			if !isZero(vecs[i]) {
				us[i].Vector = vecs[i]
			}
		}
		if err := s.Storage.SetEmbeddings(ctx, us); err != nil {
			return done, err
		}
		done += int64(len(todo))
		if progress != nil {
			progress(done, max(total, done))
		}
	}
}
