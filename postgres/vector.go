package postgres

// Vector search: the HNSW index of the model with pgvector's iterative
// scan, and an exact scan whenever the index may have missed a match.
//
// A filtered search must never miss a match (memory.Filter). The index
// answers with the filter applied to every candidate it visits, and with
// hnsw.iterative_scan it keeps visiting until it has limit matches or has
// seen hnsw.max_scan_tuples candidates. So when it returns limit hits they
// are the approximate top-k within the filter, and when it returns fewer
// the filter may be selective enough for the index to have given up: the
// exact query then scores every memory in the filter. The planner also
// picks the exact plan by itself when a filter (an owner, tags, a type)
// selects few rows through its own index.

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/mcp-memory-go/memory"
)

// maxEfSearch is pgvector's upper bound of hnsw.ef_search.
const maxEfSearch = 1000

// VectorSearch ranks owner's memories matching f that have a vector of
// model by cosine similarity to vec and returns at most limit hits, best
// first, through the model's HNSW index (see the top of vector.go for how
// filters are kept exact). A zero vec, or a model with no vector stored,
// gives no hits. It returns EInvalid for an invalid filter, a limit below
// 1, an empty model, or a vec whose length differs from the model's
// vectors.
func (s *Store) VectorSearch(ctx context.Context, f memory.Filter, model string, vec []float32, limit int) ([]memory.Hit, error) {
	return s.vectorSearch(ctx, f, model, vec, limit, false)
}

// VectorSearchExact is VectorSearch without the index: it scores every
// memory matching f. It gives the true top-k, to measure the index's
// recall against.
func (s *Store) VectorSearchExact(ctx context.Context, f memory.Filter, model string, vec []float32, limit int) ([]memory.Hit, error) {
	return s.vectorSearch(ctx, f, model, vec, limit, true)
}

func (s *Store) vectorSearch(ctx context.Context, f memory.Filter, model string, vec []float32, limit int, exact bool) ([]memory.Hit, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	if model == "" {
		return nil, memory.Errorf(memory.EInvalid, "vector search needs a model")
	}
	if !storable(model) {
		return nil, nil
	}
	mi, err := s.lookupModel(ctx, model)
	if err != nil {
		return nil, err
	}
	if mi.dim == 0 {
		return nil, nil
	}
	if len(vec) != mi.dim {
		return nil, memory.Errorf(memory.EInvalid, "query vector has %d dimensions; model %q has %d", len(vec), model, mi.dim)
	}
	if zero(vec) || flt.none {
		return nil, nil
	}
	q := pgvector.NewVector(vec)
	if !exact {
		hits, err := s.indexSearch(ctx, flt, mi, q, limit)
		if err != nil || len(hits) == limit {
			return hits, err
		}
	}
	return s.exactSearch(ctx, flt, mi, q, limit)
}

// indexSearch asks the model's HNSW index. The CTE takes the first limit
// rows the iterative scan yields, which come in nearly but not exactly
// ascending distance (relaxed order), and the outer query sorts them.
func (s *Store) indexSearch(ctx context.Context, f filter, mi modelInfo, q pgvector.Vector, limit int) ([]memory.Hit, error) {
	query, args := indexSearchSQL(f, mi, q, limit)
	var hits []memory.Hit
	err := s.inTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := s.indexSettings(ctx, tx, limit); err != nil {
			return err
		}
		var err error
		hits, err = scanHits(tx.Query(ctx, query, args...))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	return hits, nil
}

// indexSearchSQL returns the query of indexSearch and its arguments. Only
// integers are formatted into it: the model's id must be a literal for the
// planner to match the partial index's predicate.
func indexSearchSQL(f filter, mi modelInfo, q pgvector.Vector, limit int) (string, []any) {
	var b sqlBuilder
	qv := b.arg(q)
	b.add("WITH r AS MATERIALIZED (SELECT m.id, m.embedding::vector(", strconv.Itoa(mi.dim), ") <=> ", qv,
		" AS d FROM memories m WHERE m.model_id = ", strconv.Itoa(int(mi.id)), " AND m.embedding IS NOT NULL AND ")
	f.where(&b)
	b.add(" ORDER BY d LIMIT ", b.arg(limit), ") SELECT ", memoryCols, ", r.d FROM r JOIN memories m ON m.id = r.id ORDER BY r.d, r.id")
	return b.String(), b.args
}

// indexSettings sets the HNSW scan of the transaction: a candidate list of
// at least limit, and the iterative scan that keeps going until the filter
// has let limit rows through.
func (s *Store) indexSettings(ctx context.Context, tx pgx.Tx, limit int) error {
	settings := "SELECT set_config('hnsw.ef_search', $1, true)"
	if s.iterative {
		settings += ", set_config('hnsw.iterative_scan', 'relaxed_order', true)"
	}
	_, err := tx.Exec(ctx, settings, strconv.Itoa(min(max(s.EfSearch, limit), maxEfSearch)))
	return err
}

// exactSearch scores every memory of the filter with a vector of the
// model: the ORDER BY expression differs from the index's, so no index
// can order it. A stored zero vector has no direction and scores 0.
func (s *Store) exactSearch(ctx context.Context, f filter, mi modelInfo, q pgvector.Vector, limit int) ([]memory.Hit, error) {
	var b sqlBuilder
	qv := b.arg(q)
	b.add("SELECT ", memoryCols, ", r.d FROM (SELECT m.id, coalesce(nullif(m.embedding <=> ", qv,
		", 'NaN'), 1) AS d FROM memories m WHERE m.model_id = ", b.arg(mi.id), " AND m.embedding IS NOT NULL AND ")
	f.where(&b)
	b.add(" ORDER BY d, m.id LIMIT ", b.arg(limit), ") r JOIN memories m ON m.id = r.id ORDER BY r.d, r.id")
	var hits []memory.Hit
	err := s.read(ctx, func(q querier) error {
		var err error
		hits, err = scanHits(q.Query(ctx, b.String(), b.args...))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("exact vector search: %w", err)
	}
	return hits, nil
}

// scanHits reads memories with their cosine distance, as hits scored by
// cosine similarity in [-1, 1].
func scanHits(rows pgx.Rows, err error) ([]memory.Hit, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []memory.Hit
	for rows.Next() {
		var d float64
		m, err := scanMemory(rows, &d)
		if err != nil {
			return nil, err
		}
		if math.IsNaN(d) {
			d = 1
		}
		hits = append(hits, memory.Hit{Memory: m, Score: max(-1, min(1, 1-d))})
	}
	return hits, rows.Err()
}

// zero reports whether v has no direction: all zeros, or not finite.
func zero(v []float32) bool {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	return ss == 0 || math.IsNaN(ss) || math.IsInf(ss, 0)
}
