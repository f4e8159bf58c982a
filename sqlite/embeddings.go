package sqlite

// Vectors at rest: model dimensions, PendingEmbeddings and SetEmbeddings.

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mcp-memory-go/memory"
)

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

// checkDims records the dimension of models new to the database and
// returns EInvalid if a vector's length differs from its model's.
func (s *Store) checkDims(ctx context.Context, tx *sql.Tx, dims map[string]int) error {
	for model, dim := range dims {
		s.mu.Lock()
		known := s.dims[model]
		s.mu.Unlock()
		if known == 0 {
			// Another process may have recorded the model since Open.
			err := s.on(tx).QueryRowContext(ctx, `INSERT INTO embedding_models (model, dim) VALUES (?, ?)
				ON CONFLICT (model) DO UPDATE SET dim = dim RETURNING dim`, model, dim).Scan(&known)
			if err != nil {
				return fmt.Errorf("record embedding model %q: %w", model, err)
			}
		}
		if known != dim {
			return memory.Errorf(memory.EInvalid, "model %q makes %d-dimensional vectors, not %d", model, known, dim)
		}
	}
	return nil
}

// rememberDims caches dimensions once their transaction committed.
func (s *Store) rememberDims(dims map[string]int) {
	if len(dims) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for model, dim := range dims {
		s.dims[model] = dim
	}
}

// modelDim returns the recorded dimension of model, or 0 if it has stored
// no vector.
func (s *Store) modelDim(ctx context.Context, model string) (int, error) {
	s.mu.Lock()
	dim := s.dims[model]
	s.mu.Unlock()
	if dim != 0 {
		return dim, nil
	}
	err := s.on(nil).QueryRowContext(ctx, "SELECT dim FROM embedding_models WHERE model = ?", model).Scan(&dim)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read dimension of model %q: %w", model, err)
	}
	s.rememberDims(map[string]int{model: dim})
	return dim, nil
}

// pendingSQL selects memories without a vector of model ?1, at most ?2. It
// reads two ranges of the embedding_model index rather than testing <>, so
// that it finds the few pending rows without reading the others, and stops
// at the limit.
const pendingSQL = "SELECT " + memoryCols + ` FROM memories m
	WHERE m.deleted_at IS NULL AND m.embedding_model < ?1
	UNION ALL
	SELECT ` + memoryCols + ` FROM memories m
	WHERE m.deleted_at IS NULL AND m.embedding_model > ?1
	LIMIT ?2`

// setVector stores the vector of memory id, or removes it if vec is empty.
func setVector(ctx context.Context, q queryer, id int64, vec []float32) error {
	var err error
	if len(vec) == 0 {
		_, err = q.ExecContext(ctx, "DELETE FROM memory_vectors WHERE memory_id = ?", id)
	} else {
		_, err = q.ExecContext(ctx, `INSERT INTO memory_vectors (memory_id, embedding) VALUES (?, ?)
			ON CONFLICT (memory_id) DO UPDATE SET embedding = excluded.embedding`, id, encodeVector(vec))
	}
	return err
}

// PendingEmbeddings returns up to limit live memories of any owner whose
// vector is missing or was made by another model, in no set order. It
// returns EInvalid for an empty model or a limit below 1.
func (s *Store) PendingEmbeddings(ctx context.Context, model string, limit int) ([]*memory.Memory, error) {
	if model == "" {
		return nil, memory.Errorf(memory.EInvalid, "pending embeddings need a model")
	}
	if limit < 1 {
		return nil, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	rows, err := s.on(nil).QueryContext(ctx, pendingSQL, model, limit)
	if err != nil {
		return nil, fmt.Errorf("pending embeddings: %w", err)
	}
	defer rows.Close()
	var out []*memory.Memory
	for rows.Next() {
		m, _, err := scanMemory(rows)
		if err != nil {
			return nil, fmt.Errorf("pending embeddings: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending embeddings: %w", err)
	}
	return out, nil
}

// SetEmbeddings replaces the vectors of live memories in one transaction;
// unknown memories are ignored. An update with a model and no vector
// records that the model found nothing to embed (the memory is no longer
// pending); one with neither removes the vector. It returns EInvalid for a
// vector without a model or a length that differs from the model's.
func (s *Store) SetEmbeddings(ctx context.Context, us []memory.EmbeddingUpdate) error {
	if len(us) == 0 {
		return nil
	}
	dims := make(map[string]int)
	for _, u := range us {
		if len(u.Vector) > 0 && u.Model == "" {
			return memory.Errorf(memory.EInvalid, "embedding of memory %s: a vector needs a model", u.Hash)
		}
		if err := batchDim(dims, u.Model, len(u.Vector)); err != nil {
			return err
		}
	}
	err := s.write(ctx, func(tx *sql.Tx, seq int64) error {
		if err := s.checkDims(ctx, tx, dims); err != nil {
			return err
		}
		q := s.on(tx)
		for _, u := range us {
			var id int64
			err := q.QueryRowContext(ctx, `UPDATE memories SET embedding_model = ?, embedding_dim = ?, seq = ?
				WHERE owner = ? AND hash = ? AND deleted_at IS NULL RETURNING id`,
				u.Model, len(u.Vector), seq, u.Owner, u.Hash).Scan(&id)
			if err == sql.ErrNoRows {
				continue
			}
			if err == nil {
				err = setVector(ctx, q, id, u.Vector)
			}
			if err != nil {
				return fmt.Errorf("set embedding of memory %s: %w", u.Hash, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.rememberDims(dims)
	return nil
}
