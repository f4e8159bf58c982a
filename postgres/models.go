package postgres

// Embedding models: each gets a small id and, once its first vector is
// stored, a dimension and an HNSW index of its own.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mcp-memory-go/memory"
)

// modelInfo is what the database records of an embedding model.
type modelInfo struct {
	id  int32
	dim int // 0 until the model stored a vector
}

// batchDim records that model makes dim-long vectors in dims, or returns
// EInvalid if the batch already used another length for it.
func batchDim(dims map[string]int, model string, dim int) error {
	if dim == 0 {
		return nil
	}
	if d, ok := dims[model]; ok && d != dim {
		return memory.Errorf(memory.EInvalid, "model %q vectors have %d and %d dimensions in one batch", model, d, dim)
	}
	dims[model] = dim
	return nil
}

// cached returns what this process knows of model.
func (s *Store) cached(model string) (modelInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mi, ok := s.models[model]
	return mi, ok
}

// remember caches models once the transaction that read or recorded them
// committed. A dimension, once set, never changes.
func (s *Store) remember(models map[string]modelInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, mi := range models {
		if old := s.models[name]; mi.dim > 0 || old.id == 0 {
			s.models[name] = mi
		}
	}
}

// loadModels reads every recorded model (a handful of rows) through pool,
// as the store connects.
func (s *Store) loadModels(ctx context.Context, pool *pgxpool.Pool) error {
	models := map[string]modelInfo{}
	rows, err := pool.Query(ctx, "SELECT model, id, dim FROM embedding_models")
	if err == nil {
		var (
			name string
			mi   modelInfo
		)
		_, err = pgx.ForEachRow(rows, []any{&name, &mi.id, &mi.dim}, func() error { models[name] = mi; return nil })
	}
	if err != nil {
		return fmt.Errorf("read embedding models: %w", s.describe(err))
	}
	s.remember(models)
	return nil
}

// lookupModel returns the recorded model, or a zero modelInfo if it never
// stored anything.
func (s *Store) lookupModel(ctx context.Context, model string) (modelInfo, error) {
	if mi, ok := s.cached(model); ok && mi.dim > 0 {
		return mi, nil
	}
	var mi modelInfo
	err := s.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, "SELECT id, dim FROM embedding_models WHERE model = $1", model).Scan(&mi.id, &mi.dim)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return modelInfo{}, nil
	}
	if err != nil {
		return modelInfo{}, fmt.Errorf("read embedding model %q: %w", model, err)
	}
	s.remember(map[string]modelInfo{model: mi})
	return mi, nil
}

// registerModels returns the records of models within tx, adding the new
// ones and setting the dimension of those storing their first vector
// (dims holds the vector lengths of the batch). A model that gets its
// dimension here gets its HNSW index too, in the same transaction, when
// IndexNewModels is set. It returns EInvalid if a vector's length differs
// from its model's. The caller passes the result to remember after the
// commit.
func (s *Store) registerModels(ctx context.Context, tx pgx.Tx, models []string, dims map[string]int) (map[string]modelInfo, error) {
	out := make(map[string]modelInfo, len(models))
	for _, model := range models {
		dim := dims[model]
		mi, ok := s.cached(model)
		if !ok || (mi.dim == 0 && dim > 0) {
			var err error
			if mi, err = s.registerModel(ctx, tx, model, dim); err != nil {
				return nil, err
			}
		}
		if dim > 0 && mi.dim != dim {
			return nil, memory.Errorf(memory.EInvalid, "model %q makes %d-dimensional vectors, not %d", model, mi.dim, dim)
		}
		out[model] = mi
	}
	return out, nil
}

// registerModel records model (with its dimension, if dim > 0 and none is
// recorded yet) and returns its record. Concurrent registrations of one
// model wait for each other on its row.
func (s *Store) registerModel(ctx context.Context, tx pgx.Tx, model string, dim int) (modelInfo, error) {
	mi := modelInfo{dim: dim}
	err := tx.QueryRow(ctx, `INSERT INTO embedding_models (model, dim) VALUES ($1, $2)
		ON CONFLICT (model) DO NOTHING RETURNING id`, model, dim).Scan(&mi.id)
	switch {
	case err == nil:
		if dim > 0 {
			return mi, s.createIndex(ctx, tx, mi)
		}
		return mi, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return mi, fmt.Errorf("record embedding model %q: %w", model, err)
	}
	// Recorded already, by this or another process.
	lock := ""
	if dim > 0 {
		lock = " FOR NO KEY UPDATE"
	}
	if err := tx.QueryRow(ctx, "SELECT id, dim FROM embedding_models WHERE model = $1"+lock, model).Scan(&mi.id, &mi.dim); err != nil {
		return mi, fmt.Errorf("read embedding model %q: %w", model, err)
	}
	if mi.dim != 0 || dim == 0 {
		return mi, nil
	}
	if _, err := tx.Exec(ctx, "UPDATE embedding_models SET dim = $2 WHERE id = $1", mi.id, dim); err != nil {
		return mi, fmt.Errorf("record the dimension of embedding model %q: %w", model, err)
	}
	mi.dim = dim
	return mi, s.createIndex(ctx, tx, mi)
}

// indexName is the name of a model's HNSW index.
func indexName(mi modelInfo) string { return "memories_hnsw_" + strconv.Itoa(int(mi.id)) }

// indexSQL creates a model's HNSW index: a partial index on its rows over
// their vectors cast to the model's dimension (an index needs a fixed
// one), with the store's build parameters. Only integers are formatted
// into it.
func (s *Store) indexSQL(mi modelInfo) string {
	var with []string
	if s.HNSWM > 0 {
		with = append(with, "m = "+strconv.Itoa(s.HNSWM))
	}
	if s.HNSWEfConstruction > 0 {
		with = append(with, "ef_construction = "+strconv.Itoa(s.HNSWEfConstruction))
	}
	opts := ""
	if len(with) > 0 {
		opts = " WITH (" + strings.Join(with, ", ") + ")"
	}
	return fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON memories USING hnsw ((embedding::vector(%d)) vector_cosine_ops)%s WHERE model_id = %d",
		indexName(mi), mi.dim, opts, mi.id)
}

// createIndex creates the HNSW index of a model whose first vectors are
// being stored, unless IndexNewModels is off. The index is empty but the
// statement scans the table and blocks other writers while it does: once
// per model.
func (s *Store) createIndex(ctx context.Context, tx pgx.Tx, mi modelInfo) error {
	if !s.IndexNewModels {
		return nil
	}
	if _, err := tx.Exec(ctx, s.indexSQL(mi)); err != nil {
		return fmt.Errorf("create the vector index of embedding model %d: %w", mi.id, err)
	}
	return nil
}

// BuildIndexes creates the HNSW index of every model that has vectors but
// no index yet (after a bulk load with IndexNewModels off) and refreshes
// the planner's statistics. It uses MaintenanceWorkMem and the server's
// parallel maintenance workers, and blocks writes to memories while it
// builds: at a million vectors it takes minutes.
func (s *Store) BuildIndexes(ctx context.Context) error {
	pool, err := s.connected(ctx)
	if err != nil {
		return fmt.Errorf("build vector indexes: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("build vector indexes: %w", s.describe(err))
	}
	defer conn.Release()
	if s.MaintenanceWorkMem != "" {
		if _, err := conn.Exec(ctx, "SELECT set_config('maintenance_work_mem', $1, false)", s.MaintenanceWorkMem); err != nil {
			return fmt.Errorf("build vector indexes: maintenance_work_mem %q: %w", s.MaintenanceWorkMem, err)
		}
		defer conn.Exec(context.WithoutCancel(ctx), "RESET maintenance_work_mem")
	}
	rows, err := conn.Query(ctx, "SELECT id, dim FROM embedding_models WHERE dim > 0 ORDER BY id")
	if err != nil {
		return fmt.Errorf("build vector indexes: %w", s.describe(err))
	}
	var (
		mi  modelInfo
		all []modelInfo
	)
	if _, err := pgx.ForEachRow(rows, []any{&mi.id, &mi.dim}, func() error { all = append(all, mi); return nil }); err != nil {
		return fmt.Errorf("build vector indexes: %w", s.describe(err))
	}
	for _, mi := range all {
		if _, err := conn.Exec(ctx, s.indexSQL(mi)); err != nil {
			return fmt.Errorf("build the vector index of embedding model %d: %w", mi.id, s.describe(err))
		}
	}
	if _, err := conn.Exec(ctx, "ANALYZE memories"); err != nil {
		return fmt.Errorf("analyze memories: %w", s.describe(err))
	}
	return nil
}
