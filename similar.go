package memory

import (
	"context"
	"slices"
	"strings"
)

// Similar returns the memories most like the one with the given hash,
// excluding it: by its stored vector when it has one, by its words
// otherwise (keyword search over its content). Limit is 1..100; 0 means 10.
// Errors: ENotFound for an unknown hash, EInvalid for a bad limit.
func (s *Service) Similar(ctx context.Context, hash string, limit int) (SearchResult, error) {
	res := SearchResult{Mode: "similar", Results: []Result{}}
	switch {
	case limit == 0:
		limit = 10
	case limit < 0 || limit > 100:
		return res, Errorf(EInvalid, "limit must be between 1 and 100, got %d", limit)
	}
	target, err := s.Get(ctx, strings.TrimSpace(hash))
	if err != nil {
		return res, err
	}
	res.Query = target.Hash
	f := Filter{Owner: OwnerFrom(ctx)}
	var results []Result
	if model := s.model().Name; len(target.Embedding) > 0 && target.EmbeddingModel == model {
		hits, err := s.Storage.VectorSearch(ctx, f, model, target.Embedding, limit+1)
		if err != nil {
			return res, err
		}
		for _, h := range hits {
			sc := clamp01(h.Score)
			results = append(results, Result{Memory: h.Memory, Score: sc, SemanticScore: sc, MatchedBy: []string{SignalSemantic}})
		}
	} else {
		res.Notes = append(res.Notes, "the memory has no vector of the current model; results are keyword matches")
		if results, err = s.keyword(ctx, f, target.Content, limit+1); err != nil {
			return res, err
		}
	}
	results = slices.DeleteFunc(results, func(r Result) bool { return r.Hash == target.Hash })
	res.Results = append(res.Results, results[:min(limit, len(results))]...)
	res.Count = len(res.Results)
	return res, nil
}
