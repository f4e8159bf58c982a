package cloudflare

// Ranked searches: KeywordSearch (FTS5 BM25 in D1) and VectorSearch (exact
// cosine over D1's vectors, or Vectorize checked against D1).

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/internal/fts5q"
)

// KeywordSearch ranks owner's memories matching f by BM25 for any of the
// terms and returns at most limit hits, best first, with Score = -bm25.
// Terms are taken literally. It returns EInvalid for an invalid filter or a
// limit below 1.
func (s *Store) KeywordSearch(ctx context.Context, mf memory.Filter, terms []string, limit int) ([]memory.Hit, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	f, err := newFilter(mf)
	if err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	match := fts5q.Any(terms)
	if match == "" {
		return nil, nil
	}
	if f, err = s.prepare(ctx, f); err != nil {
		return nil, err
	}
	var b sqlBuilder
	b.add("SELECT "+memCols+`, r.rank FROM (SELECT m.id AS id, bm25(memories_fts) AS rank
		FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
		WHERE memories_fts MATCH ? AND `, match)
	f.where(&b)
	b.add(" ORDER BY rank, m.id LIMIT ?) AS r JOIN memories m ON m.id = r.id ORDER BY r.rank, r.id", limit)
	t, _, err := s.d1Query(ctx, "keyword search", b.stmt())
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	rs, err := s.readRows(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	hits := make([]memory.Hit, len(rs))
	for i, r := range rs {
		hits[i] = memory.Hit{Memory: r.m, Score: max(0, -colFloat(t.Rows[i][nMemCols]))}
	}
	return hits, nil
}

// VectorSearch ranks owner's memories matching f that have a vector of
// model by cosine similarity to vec. Scores are exact cosines computed from
// the vectors in D1, whichever way the candidates were found. It returns
// EInvalid for an invalid filter, a limit below 1 or a vector whose length
// differs from the model's.
func (s *Store) VectorSearch(ctx context.Context, mf memory.Filter, model string, vec []float32, limit int) ([]memory.Hit, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	f, err := newFilter(mf)
	if err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	dim, err := s.modelDim(ctx, model)
	if err != nil {
		return nil, err
	}
	if dim == 0 {
		return nil, nil // the model stored no vector
	}
	if len(vec) != dim {
		return nil, memory.Errorf(memory.EInvalid, "query vector has %d dimensions; model %q makes %d", len(vec), model, dim)
	}
	if norm(vec) == 0 {
		return nil, nil
	}
	if f, err = s.prepare(ctx, f); err != nil {
		return nil, err
	}
	if s.indexable(model, dim) && limit <= 100 {
		hits, ok, err := s.indexSearch(ctx, f, model, vec, limit)
		if err != nil {
			return nil, err
		}
		if ok {
			return s.loadHits(ctx, hits)
		}
	}
	hits, err := s.exactSearch(ctx, f, model, vec, limit, "")
	if err != nil {
		return nil, err
	}
	return s.loadHits(ctx, hits)
}

// modelDim returns the recorded dimension of model, or 0.
func (s *Store) modelDim(ctx context.Context, model string) (int, error) {
	s.mu.Lock()
	d := s.dims[model]
	s.mu.Unlock()
	if d != 0 {
		return d, nil
	}
	t, _, err := s.d1Query(ctx, "model dimension", q("SELECT dim FROM embedding_models WHERE model = ?", model))
	if err != nil {
		return 0, fmt.Errorf("read dimension of model %q: %w", model, err)
	}
	if len(t.Rows) == 0 {
		return 0, nil
	}
	d = int(colInt(t.Rows[0][0]))
	s.mu.Lock()
	s.dims[model] = d
	s.mu.Unlock()
	return d, nil
}

// scored is a candidate row id with its cosine.
type scored struct {
	id    int64
	score float64
}

// topK keeps the best k scored candidates (a min-heap on score, ties
// broken towards the older row).
type topK struct {
	k  int
	hs []scored
}

func (t *topK) Len() int { return len(t.hs) }
func (t *topK) Less(i, j int) bool {
	if t.hs[i].score != t.hs[j].score {
		return t.hs[i].score < t.hs[j].score
	}
	return t.hs[i].id > t.hs[j].id
}
func (t *topK) Swap(i, j int) { t.hs[i], t.hs[j] = t.hs[j], t.hs[i] }
func (t *topK) Push(x any)    { t.hs = append(t.hs, x.(scored)) }
func (t *topK) Pop() any {
	x := t.hs[len(t.hs)-1]
	t.hs = t.hs[:len(t.hs)-1]
	return x
}

// offer adds a candidate if it is among the best k.
func (t *topK) offer(c scored) {
	if len(t.hs) < t.k {
		heap.Push(t, c)
		return
	}
	if t.Less(0, 0) || c.score > t.hs[0].score || (c.score == t.hs[0].score && c.id < t.hs[0].id) {
		t.hs[0] = c
		heap.Fix(t, 0)
	}
}

// best returns the kept candidates, best first.
func (t *topK) best() []scored {
	out := append([]scored(nil), t.hs...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].id < out[j].id
	})
	return out
}

// exactPage is how many vectors one D1 read of an exact scan returns.
const exactPage = 500

// exactSearch scores every candidate of f with a vector of model, reading
// them from D1 a page at a time; extra narrows the candidates (SQL on m).
func (s *Store) exactSearch(ctx context.Context, f filter, model string, vec []float32, limit int, extra string, extraArgs ...any) ([]scored, error) {
	top := &topK{k: limit}
	qn := norm(vec)
	after := int64(0)
	for {
		var b sqlBuilder
		b.add("SELECT m.id, m.embedding FROM memories m WHERE ")
		f.where(&b)
		b.add(" AND m.embedding_model = ? AND m.embedding IS NOT NULL AND m.id > ?", model, after)
		if extra != "" {
			b.add(" AND "+extra, extraArgs...)
		}
		b.add(" ORDER BY m.id LIMIT ?", exactPage)
		t, _, err := s.d1Query(ctx, "exact vector scan", b.stmt())
		if err != nil {
			return nil, fmt.Errorf("vector search: %w", err)
		}
		for _, r := range t.Rows {
			id := colInt(r[0])
			after = id
			v, err := decodeVector(colString(r[1]))
			if err != nil {
				return nil, fmt.Errorf("vector search: row %d: %w", id, err)
			}
			if c, ok := cosine(vec, qn, v); ok {
				top.offer(scored{id, c})
			}
		}
		if len(t.Rows) < exactPage {
			return top.best(), nil
		}
	}
}

// freshMargin widens the rows searches score exactly beyond those Vectorize
// says it has not processed, for the clocks of D1 and Vectorize.
const freshMargin = 10 * time.Second

// indexSearch finds the hits through Vectorize. Rows Vectorize may not have
// applied (marked, or accepted after the time it processed up to, with a
// margin) are scored exactly from D1 instead of trusted; every match is
// checked against f in D1. It returns ok = false when that could have missed
// a match, or when the filter leaves so few candidates that an exact scan
// is as cheap.
func (s *Store) indexSearch(ctx context.Context, f filter, model string, vec []float32, limit int) ([]scored, bool, error) {
	if s.cfg.ExactCandidates > 0 {
		var b sqlBuilder
		b.add("SELECT count(*) FROM memories m WHERE ")
		f.where(&b)
		b.add(" AND m.embedding_model = ? AND m.embedding IS NOT NULL", model)
		t, _, err := s.d1Query(ctx, "count candidates", b.stmt())
		if err != nil {
			return nil, false, fmt.Errorf("vector search: %w", err)
		}
		if len(t.Rows) == 1 && colInt(t.Rows[0][0]) <= int64(s.cfg.ExactCandidates) {
			return nil, false, nil
		}
	}
	info, err := s.indexState(ctx, false)
	if err != nil {
		s.log.Warn("vectorize info failed; scoring exactly", "err", err)
		return nil, false, nil
	}
	upTo := info.processedUpTo()
	if upTo.IsZero() {
		return nil, false, nil // nothing confirmed processed
	}
	freshCond := "(m.vindex <> 0 OR m.vindexed_at IS NULL OR m.vindexed_at >= ?)"
	since := upTo.Add(-freshMargin).UnixMilli()
	fresh, err := s.exactSearch(ctx, f, model, vec, limit, freshCond, since)
	if err != nil {
		return nil, false, err
	}
	topN := min(100, 2*limit+10)
	matches, err := s.queryIndex(ctx, vec, topN, indexFilter(f, model))
	if err != nil {
		s.log.Warn("vectorize query failed; scoring exactly", "err", err)
		return nil, false, nil
	}
	ids := make([]string, len(matches))
	for i, m := range matches {
		ids[i] = m.ID
	}
	js, _ := json.Marshal(ids)
	checked, err := s.exactSearch(ctx, f, model, vec, len(ids)+1,
		"m.vector_id IN (SELECT value FROM json_each(?)) AND NOT "+freshCond, string(js), since)
	if err != nil {
		return nil, false, err
	}
	all := append(fresh, checked...)
	sort.Slice(all, func(i, j int) bool {
		if all[i].score != all[j].score {
			return all[i].score > all[j].score
		}
		return all[i].id < all[j].id
	})
	if len(matches) == topN {
		// Vectorize may hold more of the filter's memories than it
		// returned; each scores at most the lowest match. The answer is
		// sure only if the limit-th hit scores at least that.
		lowest := matches[len(matches)-1].Score
		for _, m := range matches {
			lowest = min(lowest, m.Score)
		}
		if len(all) < limit || all[limit-1].score < lowest-1e-6 {
			return nil, false, nil
		}
	}
	if len(all) > limit {
		all = all[:limit]
	}
	return all, true, nil
}

// loadHits reads the memories of scored candidates, keeping their order.
func (s *Store) loadHits(ctx context.Context, cs []scored) ([]memory.Hit, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.id
	}
	js, _ := json.Marshal(ids)
	t, _, err := s.d1Query(ctx, "load hits", q("SELECT "+memCols+" FROM memories m WHERE m.id IN (SELECT value FROM json_each(?))", string(js)))
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	rs, err := s.readRows(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	byID := make(map[int64]*memory.Memory, len(rs))
	for _, r := range rs {
		byID[r.id] = r.m
	}
	hits := make([]memory.Hit, 0, len(cs))
	for _, c := range cs {
		if m := byID[c.id]; m != nil {
			hits = append(hits, memory.Hit{Memory: m, Score: c.score})
		}
	}
	return hits, nil
}

// norm is the Euclidean length of v.
func norm(v []float32) float64 {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	return math.Sqrt(ss)
}

// cosine returns the cosine of q (of length qn) and v, clamped to [-1, 1];
// false for a zero or mismatched v.
func cosine(q []float32, qn float64, v []float32) (float64, bool) {
	if len(v) != len(q) {
		return 0, false
	}
	var dot, vv float64
	for i, x := range v {
		dot += float64(q[i]) * float64(x)
		vv += float64(x) * float64(x)
	}
	if vv == 0 || qn == 0 {
		return 0, false
	}
	return max(-1, min(1, dot/(qn*math.Sqrt(vv)))), true
}
