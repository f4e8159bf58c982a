package memory

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Fusion methods for hybrid search.
const (
	FusionWeighted = "weighted" // min-max normalised scores, weighted sum (default)
	FusionRRF      = "rrf"      // reciprocal-rank fusion
)

// Service holds the logic of the memory service once, for every transport
// and backend: validation, hashing, deduplication, splitting, embedding,
// search, ranking and fusion. Construct it with NewService, adjust the
// exported fields, and share it: it is safe for concurrent use.
type Service struct {
	// Storage persists memories. Required.
	Storage Store
	// Embedder makes vectors. Nil disables semantic search and semantic
	// deduplication; keyword and exact search keep working.
	Embedder Embedder
	// Backend names the storage for health reports ("sqlite", …).
	Backend string
	// Version is reported by Health.
	Version string
	Logger  *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time

	// MaxContentLength is the longest content (in characters) stored as one
	// memory; 0 means unlimited. Longer content is split when AutoSplit is
	// on, refused with ETooLarge otherwise.
	MaxContentLength int
	AutoSplit        bool
	// SplitOverlap is the number of characters consecutive chunks share.
	SplitOverlap int
	// SessionChunkSize splits stored sessions at turn boundaries above this
	// many characters; 0 never splits.
	SessionChunkSize int

	// SemanticDedup refuses a memory whose similarity to one stored within
	// DedupWindow is at least DedupThreshold (upstream: on, 24 h, 0.85),
	// compared on the calibrated scale (Calibrated, with the higher of the
	// model's and the owner's baseline), so that the threshold means the same
	// for every model. Requests with a conversation id and sessions skip it.
	SemanticDedup  bool
	DedupWindow    time.Duration
	DedupThreshold float64

	// Fusion is FusionWeighted or FusionRRF. SemanticWeight in [0,1] is the
	// dense share of the weighted fusion; RRFK is the RRF constant.
	Fusion         string
	SemanticWeight float64
	RRFK           int
	// Candidates is how many hits each signal contributes to hybrid fusion.
	Candidates int
	// Rerank refines hybrid rankings (rerank.go); the zero value keeps the
	// fused ranking.
	Rerank Rerank

	// RecordAccess counts every memory returned by a search as accessed.
	RecordAccess bool
	// QualityBoost is the default weight of quality in search ranking
	// (see SearchRequest.QualityBoost) for requests that give none; 0
	// (upstream's default, MCP_QUALITY_BOOST_ENABLED off) ranks by
	// relevance alone.
	QualityBoost float64

	// Graph keeps typed relations between memories (associations,
	// conflicts, summaries); nil turns graph queries and conflict
	// detection off. Archive keeps memories moved out by forgetting; nil
	// turns the archive off. cmd/memory sets both to the store when it
	// implements them.
	Graph   Graph
	Archive Archive

	// ConflictDetection links a newly stored memory to live memories of
	// nearly the same meaning (calibrated similarity, see Calibrated, >=
	// ConflictSimilarity) but different content (word divergence >=
	// ConflictDivergence, or other figures: see sameFigures) by a
	// contradicts edge, listed by Conflicts until resolved (upstream: on,
	// 0.95, 0.20). Needs Graph and an embedder.
	ConflictDetection  bool
	ConflictSimilarity float64
	ConflictDivergence float64

	// MistakeDedupThreshold is the similarity, on the calibrated scale as
	// for DedupThreshold, at which a new mistake note counts as a repeat of
	// a stored one (upstream 0.85).
	MistakeDedupThreshold float64

	// TimeParser turns a natural-language time expression into a
	// half-open range [after, before) relative to now (zero = unbounded).
	// Nil means time expressions are refused. cmd/memory wires timeexpr.
	TimeParser func(expr string, now time.Time) (after, before time.Time, err error)
	// TimeExtractor finds a time expression inside a query and returns the
	// range and the rest of the query; used by recall-style searches.
	TimeExtractor func(query string, now time.Time) (after, before time.Time, rest string, ok bool)

	// OnEvent, if set, is called after every change (store, update, delete)
	// with an Event describing it, whichever transport made it. It runs on
	// the caller's goroutine and must not block; the HTTP daemon fans events
	// out to its subscribers from here.
	OnEvent func(Event)

	started  time.Time
	counters serviceCounters
	// baselines caches settled similarity baselines by [owner, model].
	baselines sync.Map
	// mistakeMu serialises mistake notes, so that two reports of one
	// mistake at once count twice rather than make two notes.
	mistakeMu sync.Mutex
}

type serviceCounters struct {
	searches, searchNanos, stores, storeErrors atomic.Int64
}

// NewService returns a service over store and embedder (which may be nil)
// with upstream's defaults, except the hybrid fusion weight and the
// re-ranking, which our LoCoMo measurements set (see docs/retrieval.md).
func NewService(store Store, embedder Embedder) *Service {
	return &Service{
		Storage:          store,
		Embedder:         embedder,
		Logger:           slog.New(slog.DiscardHandler),
		Now:              time.Now,
		AutoSplit:        true,
		SplitOverlap:     50,
		SessionChunkSize: 1500,
		SemanticDedup:    true,
		DedupWindow:      24 * time.Hour,
		DedupThreshold:   0.85,
		Fusion:           FusionWeighted,
		SemanticWeight:   0.3,
		RRFK:             60,
		Candidates:       100,
		Rerank:           DefaultRerank(),
		RecordAccess:     true,

		ConflictDetection:     true,
		ConflictSimilarity:    0.95,
		ConflictDivergence:    0.20,
		MistakeDedupThreshold: 0.85,
		started:               time.Now(),
	}
}

// now returns the service clock in UTC at millisecond precision.
func (s *Service) now() time.Time { return TimeMS(s.Now()) }

// model returns the embedder's model, or the zero ModelInfo without one.
func (s *Service) model() ModelInfo {
	if s.Embedder == nil {
		return ModelInfo{}
	}
	return s.Embedder.Model()
}

// embed makes vectors for texts, or returns nil vectors and the reason when
// no embedder is configured or it fails.
func (s *Service) embed(ctx context.Context, texts []string) ([][]float32, error) {
	if s.Embedder == nil {
		return nil, Errorf(EUnavailable, "no embedding model is configured")
	}
	vecs, err := s.Embedder.Embed(ctx, texts)
	if err != nil {
		return nil, err
	}
	if len(vecs) != len(texts) {
		return nil, Errorf(EInternal, "embedder returned %d vectors for %d texts", len(vecs), len(texts))
	}
	return vecs, nil
}

// isZero reports whether v carries no semantic signal.
func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
