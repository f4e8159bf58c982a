package sqlite

// VectorSearchMany: the nearest memories of many query vectors from one
// scan of the slab, for consolidation's neighbour search.

import (
	"context"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/mcp-memory-go/memory"
)

var _ memory.BatchVectorSearcher = (*Store)(nil)

// VectorSearchMany returns, for each of vecs, what VectorSearch would
// return for it with the same filter, model and limit, from one pass over
// the vectors: at 100,000 memories, 500 queries read the slab once rather
// than 500 times. A memory found for several queries is one *Memory shared
// by their hits. Errors are VectorSearch's.
func (s *Store) VectorSearchMany(ctx context.Context, f memory.Filter, model string, vecs [][]float32, limit int) ([][]memory.Hit, error) {
	flt, err := vectorArgs(f, model, limit)
	if err != nil {
		return nil, err
	}
	out := make([][]memory.Hit, len(vecs))
	dim, err := s.modelDim(ctx, model)
	if err != nil || dim == 0 || len(vecs) == 0 {
		return out, err
	}
	qs := make([][]float32, len(vecs))
	for i, v := range vecs {
		if len(v) != dim {
			return nil, memory.Errorf(memory.EInvalid, "query vector %d has %d dimensions; model %q has %d", i, len(v), model, dim)
		}
		q := slices.Clone(v)
		if normalize(q) != 0 {
			qs[i] = q
		}
	}
	sl, ids, err := s.slabFor(ctx, flt, model, dim, nil)
	if err != nil || sl == nil {
		return out, err
	}
	tops := searchMany(sl, flt, qs, limit, ids)
	var all []int64
	for _, t := range tops {
		for _, sc := range t {
			all = append(all, sc.id)
		}
	}
	byID, err := s.hydrateIDs(ctx, all)
	if err != nil {
		return nil, err
	}
	for i, t := range tops {
		if len(t) > 0 {
			out[i] = vectorHits(t, byID)
		}
	}
	return out, nil
}

// searchMany scans the slab (or the candidate rows ids) once for every
// query; a nil query gets no results.
func searchMany(sl *slab, f filter, qs [][]float32, k int, ids []int64) [][]scored {
	sl.mu.RLock()
	defer sl.mu.RUnlock()
	out := make([][]scored, len(qs))
	sc, ok := newScan(sl, f, ids)
	if !ok {
		return out
	}
	n := len(sc.slots)
	if sc.all {
		n = len(sl.ids)
	}
	workers := runtime.GOMAXPROCS(0)
	if n < minParallel/8 || workers < 2 {
		workers = 1
	}
	tops := make([][]topK, workers)
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		tops[w] = make([]topK, len(qs))
		for i := range tops[w] {
			tops[w][i].k = k
		}
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			continue
		}
		wg.Go(func() { sl.scanRangeMany(qs, sc, lo, hi, tops[w]) })
	}
	wg.Wait()
	for qi := range qs {
		var all []scored
		for w := range workers {
			all = append(all, tops[w][qi].h...)
		}
		sort.Slice(all, func(i, j int) bool { return worse(all[j], all[i]) })
		out[qi] = all[:min(k, len(all))]
	}
	return out
}

// scanRangeMany scores positions [lo, hi) of the scan for every query
// into tops: each vector is read once and scored against all queries
// while it is in cache.
func (sl *slab) scanRangeMany(qs [][]float32, sc scan, lo, hi int, tops []topK) {
	dim := sl.dim
	for p := lo; p < hi; p++ {
		i := p
		if !sc.all {
			i = int(sc.slots[p])
		}
		if !sl.matches(i, sc) {
			continue
		}
		v := sl.vecs[i*dim : (i+1)*dim]
		id := sl.ids[i]
		for qi, q := range qs {
			if q == nil {
				continue
			}
			s := dot(q, v)
			t := &tops[qi]
			if len(t.h) == t.k && s < t.h[0].score {
				continue
			}
			t.offer(scored{score: s, id: id})
		}
	}
}
