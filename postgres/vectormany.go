package postgres

// VectorSearchMany: many vector searches at once, for consolidation's
// neighbour search.

import (
	"context"
	"sync"

	"github.com/mcp-memory-go/memory"
)

var _ memory.BatchVectorSearcher = (*Store)(nil)

// manyParallel bounds the searches VectorSearchMany runs at once: each
// holds a connection of the pool, whose default size is 4.
const manyParallel = 4

// VectorSearchMany returns, for each of vecs, what VectorSearch returns
// for it with the same filter, model and limit. Each search is an index
// probe of its own, so they run side by side on several connections: the
// server works on them in parallel and the round trips overlap. It checks
// every vector's length before searching (EInvalid); otherwise its errors
// are VectorSearch's.
func (s *Store) VectorSearchMany(ctx context.Context, f memory.Filter, model string, vecs [][]float32, limit int) ([][]memory.Hit, error) {
	out := make([][]memory.Hit, len(vecs))
	if _, err := newFilter(f); err != nil || len(vecs) == 0 {
		return out, err
	}
	if model != "" && storable(model) {
		mi, err := s.lookupModel(ctx, model)
		if err != nil {
			return nil, err
		}
		for i, v := range vecs {
			if mi.dim > 0 && len(v) != mi.dim {
				return nil, memory.Errorf(memory.EInvalid, "query vector %d has %d dimensions; model %q has %d", i, len(v), model, mi.dim)
			}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  = make(chan int)
	)
	for range min(manyParallel, len(vecs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				hits, err := s.VectorSearch(ctx, f, model, vecs[i], limit)
				if err != nil {
					once.Do(func() { first = err; cancel() })
					continue
				}
				out[i] = hits
			}
		}()
	}
	for i := range vecs {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, ctx.Err()
}
