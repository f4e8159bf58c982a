package memory

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"
)

// Search modes.
const (
	ModeHybrid   = "hybrid"   // BM25 and vectors fused (default)
	ModeSemantic = "semantic" // vectors only
	ModeKeyword  = "keyword"  // BM25 only
	ModeExact    = "exact"    // case-insensitive substring, newest first
)

// Signals that can match a memory, reported in Result.MatchedBy.
const (
	SignalKeyword  = "keyword"
	SignalSemantic = "semantic"
	SignalExact    = "exact"
	SignalFilter   = "filter" // no query: matched by tags, type or time only
)

// SearchRequest asks for the memories that best match a query within
// filters. Every filter is applied inside the backend query, before ranking.
type SearchRequest struct {
	Query string
	// Mode is one of the Mode constants; "" means ModeHybrid.
	Mode string
	// Limit is 1..100; 0 means 10.
	Limit    int
	Tags     []string
	TagMatch TagMatch
	Types    []string
	// After and Before bound the creation time: After <= created < Before.
	After, Before time.Time
	// TimeExpr is a natural-language range ("last week"); it narrows
	// After/Before.
	TimeExpr string
	// ExtractTime looks for a time expression inside Query, uses it as a
	// filter and searches for the rest of the query (recall_memory).
	ExtractTime bool
	// MinScore drops results scoring below it.
	MinScore float64
	// QualityBoost in [0,1] re-ranks by (1-w)·score + w·quality, the
	// quality being EffectiveQuality (ratings, else stored and implicit
	// use); 0 means the service's QualityBoost.
	QualityBoost      float64
	IncludeSuperseded bool
}

// Result is one found memory with its score in [0,1] and the signals that
// matched it. For hybrid search, KeywordScore and SemanticScore are the
// normalised per-signal scores that were fused.
type Result struct {
	*Memory
	Score         float64  `json:"score"`
	MatchedBy     []string `json:"matched_by"`
	KeywordScore  float64  `json:"keyword_score,omitempty"`
	SemanticScore float64  `json:"semantic_score,omitempty"`
}

// SearchResult is the answer to a search.
type SearchResult struct {
	Query   string    `json:"query"`
	Mode    string    `json:"mode"`
	Results []Result  `json:"results"`
	Count   int       `json:"count"`
	After   time.Time `json:"after,omitzero"`
	Before  time.Time `json:"before,omitzero"`
	// Notes explain degraded answers, e.g. semantic search being off.
	Notes []string `json:"notes,omitempty"`
}

// Search finds the caller's memories. With an empty query it lists the
// memories matching the filters, newest first (at least one filter is then
// required). Semantic and hybrid modes fall back to keyword search, with a
// note, when no embedder is usable. Errors: EInvalid for bad arguments or a
// time expression that cannot be understood.
func (s *Service) Search(ctx context.Context, req SearchRequest) (SearchResult, error) {
	start := time.Now()
	defer func() {
		s.counters.searches.Add(1)
		s.counters.searchNanos.Add(int64(time.Since(start)))
	}()
	res := SearchResult{Mode: req.Mode, Results: []Result{}}
	if res.Mode == "" {
		res.Mode = ModeHybrid
	}
	limit := req.Limit
	switch {
	case limit == 0:
		limit = 10
	case limit < 0 || limit > 100:
		return res, Errorf(EInvalid, "limit must be between 1 and 100, got %d", req.Limit)
	case req.QualityBoost < 0 || req.QualityBoost > 1:
		return res, Errorf(EInvalid, "quality_boost must be between 0 and 1, got %g", req.QualityBoost)
	}
	f, err := s.baseFilter(ctx, req.Tags, req.TagMatch, req.Types...)
	if err != nil {
		return res, err
	}
	f.IncludeSuperseded = req.IncludeSuperseded
	query := strings.TrimSpace(req.Query)
	if req.ExtractTime && s.TimeExtractor != nil && req.TimeExpr == "" {
		if after, before, rest, ok := s.TimeExtractor(query, s.Now()); ok {
			f.After, f.Before, query = after, before, strings.TrimSpace(rest)
		}
	}
	if f.After, f.Before, err = s.narrow(f.After, f.Before, req.After, req.Before, req.TimeExpr); err != nil {
		return res, err
	}
	res.Query, res.After, res.Before = query, f.After, f.Before

	boost := req.QualityBoost
	if boost == 0 {
		boost = s.QualityBoost
	}
	fetch := limit
	if boost > 0 {
		fetch = min(3*limit, 300)
	}
	var results []Result
	switch {
	case query == "":
		if len(f.Tags) == 0 && len(f.Types) == 0 && f.After.IsZero() && f.Before.IsZero() {
			return res, Errorf(EInvalid, "query is required unless filtering by tags, memory type or time")
		}
		results, err = s.filterOnly(ctx, f, fetch)
	case res.Mode == ModeExact:
		f.Contains = query
		results, err = s.filterOnly(ctx, f, fetch)
		for i := range results {
			results[i].MatchedBy = []string{SignalExact}
		}
	case res.Mode == ModeKeyword:
		results, err = s.keyword(ctx, f, query, fetch)
	case res.Mode == ModeSemantic || res.Mode == ModeHybrid:
		results, err = s.ranked(ctx, f, query, res.Mode, fetch, &res.Notes)
	default:
		return res, Errorf(EInvalid, "mode must be one of hybrid, semantic, keyword, exact; got %q", req.Mode)
	}
	if err != nil {
		return res, err
	}
	if boost > 0 {
		now := s.now()
		for i := range results {
			results[i].Score = (1-boost)*results[i].Score + boost*EffectiveQuality(results[i].Memory, now)
		}
		sortResults(results)
	}
	for _, r := range results {
		if len(res.Results) == limit {
			break
		}
		if r.Score >= req.MinScore {
			res.Results = append(res.Results, r)
		}
	}
	res.Count = len(res.Results)
	s.touch(ctx, f.Owner, res.Results)
	return res, nil
}

// filterOnly lists memories matching f, newest first, all scoring 1.
func (s *Service) filterOnly(ctx context.Context, f Filter, limit int) ([]Result, error) {
	ms, _, err := s.Storage.Find(ctx, f, Page{Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(ms))
	for i, m := range ms {
		out[i] = Result{Memory: m, Score: 1, MatchedBy: []string{SignalFilter}}
	}
	return out, nil
}

// keyword ranks by BM25 alone; scores are relative to the best match.
func (s *Service) keyword(ctx context.Context, f Filter, query string, limit int) ([]Result, error) {
	hits, err := s.Storage.KeywordSearch(ctx, f, QueryTerms(query), limit)
	if err != nil {
		return nil, err
	}
	norm := normalize(hits, false)
	out := make([]Result, len(hits))
	for i, h := range hits {
		out[i] = Result{Memory: h.Memory, Score: norm[i], KeywordScore: norm[i], MatchedBy: []string{SignalKeyword}}
	}
	return out, nil
}

// ranked runs semantic or hybrid search, falling back to keyword search
// when there is no usable query vector.
func (s *Service) ranked(ctx context.Context, f Filter, query, mode string, limit int, notes *[]string) ([]Result, error) {
	vecs, err := s.embed(ctx, []string{query})
	switch {
	case err != nil:
		*notes = append(*notes, "semantic search is unavailable ("+ErrorMessage(err)+"); results are keyword matches")
		return s.keyword(ctx, f, query, limit)
	case isZero(vecs[0]):
		*notes = append(*notes, "the query has no words the embedding model knows; results are keyword matches")
		return s.keyword(ctx, f, query, limit)
	}
	model := s.model().Name
	if mode == ModeSemantic {
		hits, err := s.Storage.VectorSearch(ctx, f, model, vecs[0], limit)
		if err != nil {
			return nil, err
		}
		out := make([]Result, len(hits))
		for i, h := range hits {
			sc := clamp01(h.Score)
			out[i] = Result{Memory: h.Memory, Score: sc, SemanticScore: sc, MatchedBy: []string{SignalSemantic}}
		}
		return out, nil
	}
	n := max(limit, s.Candidates)
	if hs, ok := s.Storage.(HybridSearcher); ok {
		kw, dense, err := hs.HybridSearch(ctx, f, QueryTerms(query), model, vecs[0], n)
		if err != nil {
			return nil, err
		}
		return s.rerank(ctx, f, query, s.fuse(kw, dense))
	}
	// The two signals are independent reads: run them side by side, so
	// that a search takes the longer of the two rather than their sum.
	type found struct {
		hits []Hit
		err  error
	}
	kwc := make(chan found, 1)
	go func() {
		hits, err := s.Storage.KeywordSearch(ctx, f, QueryTerms(query), n)
		kwc <- found{hits, err}
	}()
	dense, err := s.Storage.VectorSearch(ctx, f, model, vecs[0], n)
	kw := <-kwc
	switch {
	case err != nil:
		return nil, err
	case kw.err != nil:
		return nil, kw.err
	}
	return s.rerank(ctx, f, query, s.fuse(kw.hits, dense))
}

// fuse combines keyword and dense hits over the union of both lists.
func (s *Service) fuse(kw, dense []Hit) []Result {
	byHash := map[string]*Result{}
	var order []string
	add := func(h Hit, signal string, score float64) *Result {
		r, ok := byHash[h.Memory.Hash]
		if !ok {
			r = &Result{Memory: h.Memory}
			byHash[h.Memory.Hash] = r
			order = append(order, h.Memory.Hash)
		}
		r.MatchedBy = append(r.MatchedBy, signal)
		return r
	}
	kn, dn := normalize(kw, false), normalize(dense, true)
	if s.Fusion == FusionRRF {
		k := float64(max(s.RRFK, 1))
		best := 2 / (k + 1)
		for i, h := range kw {
			r := add(h, SignalKeyword, 0)
			r.KeywordScore = kn[i]
			r.Score += 1 / (k + float64(i+1)) / best
		}
		for i, h := range dense {
			r := add(h, SignalSemantic, 0)
			r.SemanticScore = dn[i]
			r.Score += 1 / (k + float64(i+1)) / best
		}
	} else {
		w := clamp01(s.SemanticWeight)
		for i, h := range kw {
			r := add(h, SignalKeyword, 0)
			r.KeywordScore = kn[i]
			r.Score += (1 - w) * kn[i]
		}
		for i, h := range dense {
			r := add(h, SignalSemantic, 0)
			r.SemanticScore = dn[i]
			r.Score += w * dn[i]
		}
	}
	out := make([]Result, len(order))
	for i, h := range order {
		out[i] = *byHash[h]
		out[i].Score = clamp01(out[i].Score)
	}
	sortResults(out)
	return out
}

// normalize maps raw scores to [0,1]: keyword scores by their maximum (the
// minimum possible BM25 is 0), dense scores by min-max over the list.
func normalize(hits []Hit, minMax bool) []float64 {
	out := make([]float64, len(hits))
	if len(hits) == 0 {
		return out
	}
	lo, hi := hits[0].Score, hits[0].Score
	for _, h := range hits {
		lo, hi = math.Min(lo, h.Score), math.Max(hi, h.Score)
	}
	if !minMax {
		lo = 0
	}
	for i, h := range hits {
		switch {
		case hi > lo:
			out[i] = (h.Score - lo) / (hi - lo)
		case hi > 0:
			out[i] = 1
		}
	}
	return out
}

// sortResults orders by score, then newest first, then hash, so that equal
// inputs always give the same order.
func sortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.After(b.CreatedAt)
		}
		return a.Hash < b.Hash
	})
}

// touch records access to the returned memories; a failure is only logged,
// since the search itself succeeded.
func (s *Service) touch(ctx context.Context, owner string, rs []Result) {
	if !s.RecordAccess || len(rs) == 0 {
		return
	}
	hashes := make([]string, len(rs))
	for i, r := range rs {
		hashes[i] = r.Hash
	}
	if err := s.Storage.Touch(ctx, owner, hashes, s.now()); err != nil {
		s.Logger.Warn("recording access", "err", err)
	}
}

// timeRange resolves explicit bounds and a time expression into one range.
func (s *Service) timeRange(after, before time.Time, expr string) (time.Time, time.Time, error) {
	return s.narrow(time.Time{}, time.Time{}, after, before, expr)
}

// narrow intersects the range [a0, b0) with explicit bounds and a time
// expression. An empty intersection is an EInvalid error.
func (s *Service) narrow(a0, b0, after, before time.Time, expr string) (time.Time, time.Time, error) {
	a, b := later(a0, TimeMS(after)), earlier(b0, TimeMS(before))
	if expr = strings.TrimSpace(expr); expr != "" {
		if s.TimeParser == nil {
			return a, b, Errorf(EInvalid, "time expressions are not supported by this server; use after/before dates")
		}
		ea, eb, err := s.TimeParser(expr, s.Now())
		if err != nil {
			return a, b, Errorf(EInvalid, "%s", err.Error())
		}
		a, b = later(a, TimeMS(ea)), earlier(b, TimeMS(eb))
	}
	if !a.IsZero() && !b.IsZero() && !a.Before(b) {
		return a, b, Errorf(EInvalid, "the time range is empty: after %s is not before %s", a.Format(time.RFC3339), b.Format(time.RFC3339))
	}
	return a, b, nil
}

// later returns the later of two lower bounds (zero = unbounded).
func later(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.After(a)) {
		return b
	}
	return a
}

// earlier returns the earlier of two upper bounds (zero = unbounded).
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func clamp01(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}
