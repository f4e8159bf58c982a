package postgres

// Vectors at rest: PendingEmbeddings and SetEmbeddings.

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/mcp-memory-go/memory"
)

// PendingEmbeddings returns up to limit live memories of any owner whose
// vector is missing or was made by another model, in no set order. It
// reads ranges of the model index (never embedded, ids below and above the
// model's) rather than testing "not this model", so that it finds the few
// pending rows of a large store without reading the others. It returns
// EInvalid for an empty model or a limit below 1.
func (s *Store) PendingEmbeddings(ctx context.Context, model string, limit int) ([]*memory.Memory, error) {
	if model == "" {
		return nil, memory.Errorf(memory.EInvalid, "pending embeddings need a model")
	}
	if limit < 1 {
		return nil, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	mi := modelInfo{}
	if storable(model) {
		var err error
		if mi, err = s.lookupModel(ctx, model); err != nil {
			return nil, err
		}
	}
	query := "SELECT " + memoryCols + " FROM memories m WHERE m.deleted_at IS NULL LIMIT $1"
	args := []any{limit}
	if mi.id != 0 {
		query = "SELECT " + memoryCols + " FROM memories m WHERE m.deleted_at IS NULL AND m.model_id IS NULL" +
			" UNION ALL SELECT " + memoryCols + " FROM memories m WHERE m.deleted_at IS NULL AND m.model_id < $2" +
			" UNION ALL SELECT " + memoryCols + " FROM memories m WHERE m.deleted_at IS NULL AND m.model_id > $2 LIMIT $1"
		args = append(args, mi.id)
	}
	var out []*memory.Memory
	err := s.read(ctx, func(q querier) error {
		var err error
		out, err = collect(q.Query(ctx, query, args...))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pending embeddings: %w", err)
	}
	return out, nil
}

// SetEmbeddings replaces the vectors of live memories in one statement;
// unknown memories are ignored, and of two updates of one memory the last
// wins. An update with a model and no vector records that the model found
// nothing to embed (the memory is no longer pending); one with neither
// removes the vector. It returns EInvalid for a vector without a model or
// a length that differs from the model's.
func (s *Store) SetEmbeddings(ctx context.Context, us []memory.EmbeddingUpdate) error {
	if len(us) == 0 {
		return nil
	}
	dims := make(map[string]int)
	last := make(map[[2]string]int, len(us))
	var names []string
	seen := map[string]bool{}
	for i, u := range us {
		if len(u.Vector) > 0 && u.Model == "" {
			return memory.Errorf(memory.EInvalid, "embedding of memory %s: a vector needs a model", u.Hash)
		}
		if !storable(u.Model) {
			return memory.Errorf(memory.EInvalid, "embedding model %q holds a NUL character or invalid UTF-8", u.Model)
		}
		if err := batchDim(dims, u.Model, len(u.Vector)); err != nil {
			return err
		}
		if storable(u.Owner) && storable(u.Hash) {
			last[[2]string{u.Owner, u.Hash}] = i
		}
		if u.Model != "" && !seen[u.Model] {
			seen[u.Model] = true
			names = append(names, u.Model)
		}
	}
	var models map[string]modelInfo
	err := s.change(ctx, func(tx pgx.Tx, seq, _ int64) error {
		var err error
		if models, err = s.registerModels(ctx, tx, names, dims); err != nil {
			return err
		}
		var (
			owners, hashes []string
			ids            []*int32
			vecs           []*pgvector.Vector
		)
		for i, u := range us {
			if last[[2]string{u.Owner, u.Hash}] != i || !storable(u.Owner) || !storable(u.Hash) {
				continue
			}
			var id *int32
			if u.Model != "" {
				v := models[u.Model].id
				id = &v
			}
			owners, hashes, ids, vecs = append(owners, u.Owner), append(hashes, u.Hash), append(ids, id), append(vecs, vector(u.Vector))
		}
		// A new vector is a change that sync carries (not a new revision).
		_, err = tx.Exec(ctx, `UPDATE memories m SET model_id = u.model_id, embedding = u.embedding, seq = $5
			FROM unnest($1::text[], $2::text[], $3::int[], $4::vector[]) AS u(owner, hash, model_id, embedding)
			WHERE m.owner = u.owner AND m.hash = u.hash AND m.deleted_at IS NULL`, owners, hashes, ids, vecs, seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("set embeddings: %w", err)
	}
	s.remember(models)
	return nil
}
