package sqlite

// HybridSearch: the keyword and vector hits of one query, their memories
// read once.

import (
	"context"
	"fmt"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/internal/fts5q"
)

var _ memory.HybridSearcher = (*Store)(nil)

// HybridSearch returns KeywordSearch(f, terms, limit) and VectorSearch(f,
// model, vec, limit), with the same errors, reading the memories of both
// lists in one query, without their vectors (see memory.HybridSearcher); a
// memory in both lists is the same value in each. When the keyword index
// cannot answer, it makes the two calls.
func (s *Store) HybridSearch(ctx context.Context, f memory.Filter, terms []string, model string, vec []float32, limit int) (kw, dense []memory.Hit, err error) {
	flt, err := vectorArgs(f, model, limit)
	if err != nil {
		return nil, nil, err
	}
	// A filter the slab and the keyword index cannot apply alone is read
	// once, for both lists.
	cands := new(candidateRows)
	var found []kwHit
	ok := true
	if texts := fts5q.Texts(terms); len(texts) > 0 {
		if found, ok, err = s.indexedKeywordTop(ctx, flt, texts, limit, cands); err != nil {
			return nil, nil, fmt.Errorf("keyword search: %w", err)
		}
	}
	if !ok {
		if kw, err = s.KeywordSearch(ctx, f, terms, limit); err != nil {
			return nil, nil, err
		}
		dense, err = s.VectorSearch(ctx, f, model, vec, limit)
		for _, hs := range [][]memory.Hit{kw, dense} {
			for _, h := range hs {
				h.Memory.Embedding = nil
			}
		}
		return kw, dense, err
	}
	top, err := s.vectorTop(ctx, flt, model, vec, limit, cands)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, 0, len(found)+len(top))
	for _, h := range found {
		ids = append(ids, h.id)
	}
	for _, t := range top {
		ids = append(ids, t.id)
	}
	byID, err := s.readIDs(ctx, memoryColsNoVector, ids)
	if err != nil {
		return nil, nil, err
	}
	if len(found) > 0 {
		kw = keywordHits(found, byID)
	}
	if len(top) > 0 {
		dense = vectorHits(top, byID)
	}
	return kw, dense, nil
}
