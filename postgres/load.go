package postgres

// Bulk loading: COPY instead of INSERT, for imports and benchmarks.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mcp-memory-go/memory"
)

// loadCols are the columns Load copies.
var loadCols = []string{"owner", "hash", "content", "type", "tags", "metadata", "created_at", "updated_at",
	"last_accessed_at", "access_count", "quality", "superseded_by", "model_id", "embedding", "revision", "seq"}

// Load adds memories with COPY, in one transaction: all of them or none.
// It is for bulk loads (an import, a benchmark) and several times faster
// than Insert. Unlike Insert it does not replace tombstones: a memory
// whose owner and hash exist already, live or deleted, fails the whole
// load with EConflict. It checks memories as Insert does (EInvalid). A
// model's first vectors create its HNSW index unless IndexNewModels is
// off; for a large load turn it off and call BuildIndexes afterwards.
func (s *Store) Load(ctx context.Context, mems []*memory.Memory) error {
	if len(mems) == 0 {
		return nil
	}
	seen := make(map[[2]string]bool, len(mems))
	dims := make(map[string]int)
	metas := make([]string, len(mems))
	for i, m := range mems {
		if err := validate(m); err != nil {
			return err
		}
		k := [2]string{m.Owner, m.Hash}
		if seen[k] {
			return memory.Errorf(memory.EConflict, "memory %s appears twice in the load", m.Hash)
		}
		seen[k] = true
		if err := batchDim(dims, m.EmbeddingModel, len(m.Embedding)); err != nil {
			return err
		}
		var err error
		if metas[i], err = encodeMetadata(m); err != nil {
			return err
		}
	}
	var models map[string]modelInfo
	err := s.change(ctx, func(tx pgx.Tx, seq, now int64) error {
		var err error
		if models, err = s.registerModels(ctx, tx, modelsOf(mems), dims); err != nil {
			return err
		}
		rows := pgx.CopyFromSlice(len(mems), func(i int) ([]any, error) {
			m := mems[i]
			return []any{m.Owner, m.Hash, m.Content, m.Type, memory.CleanTags(m.Tags), json.RawMessage(metas[i]),
				ms(m.CreatedAt), ms(m.UpdatedAt), nullTime(m.LastAccessedAt), m.AccessCount, m.Quality, m.SupersededBy,
				modelID(models, m.EmbeddingModel), vector(m.Embedding), now, seq}, nil
		})
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"memories"}, loadCols, rows)
		return err
	})
	if isUniqueViolation(err) {
		var pe *pgconn.PgError
		errors.As(err, &pe)
		return memory.Errorf(memory.EConflict, "a memory of the load exists already (%s)", pe.Detail)
	}
	if err != nil {
		return fmt.Errorf("load memories: %w", err)
	}
	s.remember(models)
	return nil
}

// DropSchema removes schema and everything in it from the database at dsn,
// if it exists: the throw-away store of a benchmark or a test (a Store
// opened with that Schema). Its errors never hold the password.
func DropSchema(ctx context.Context, dsn, schema string) error {
	s := New(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("drop schema: the connection string is not valid: %w", redact(err))
	}
	s.addr = describeAddr(cfg)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("drop schema %s: %w", schema, s.describe(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		return fmt.Errorf("drop schema %s: %w", schema, s.describe(err))
	}
	return nil
}
