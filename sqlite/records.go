package sqlite

// Small records (API keys, users, OAuth clients and grants): the shared
// shapes of reading one by id, listing them, and inserting a new one.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mcp-memory-go/memory"
)

// getRecord scans the row of query, or returns ENotFound naming what.
func getRecord[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), what, query string, args ...any) (T, error) {
	v, err := scan(s.db.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, memory.Errorf(memory.ENotFound, "no %s", what)
	}
	if err != nil {
		return v, fmt.Errorf("read %s: %w", what, err)
	}
	return v, nil
}

// listRecords scans every row of query; never nil.
func listRecords[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), what, query string, args ...any) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// insertRecord inserts a row in a write transaction unless a row of table
// already has the id (EConflict naming what).
func (s *Store) insertRecord(ctx context.Context, table, id, what, insert string, args ...any) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE id = ?", id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return memory.Errorf(memory.EConflict, "%s exists", what)
		}
		_, err := tx.ExecContext(ctx, insert, args...)
		return err
	})
}
