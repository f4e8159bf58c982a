package postgres

// Small records (API keys, users, OAuth clients, grants and tokens): the
// shared shapes of reading one, listing them, and changing one that must
// exist.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mcp-memory-go/memory"
)

// getRecord scans the row of query with scan, or returns ENotFound naming
// what.
func getRecord[T any](ctx context.Context, s *Store, scan func(pgx.Row) (T, error), what, query string, args ...any) (T, error) {
	var v T
	err := s.read(ctx, func(q querier) error {
		var err error
		v, err = scan(q.QueryRow(ctx, query, args...))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return v, memory.Errorf(memory.ENotFound, "no %s", what)
	}
	if err != nil {
		return v, fmt.Errorf("read %s: %w", what, err)
	}
	return v, nil
}

// listRecords scans every row of query; never nil.
func listRecords[T any](ctx context.Context, s *Store, scan func(pgx.Row) (T, error), what, query string, args ...any) ([]T, error) {
	out := []T{}
	err := s.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// insertRecord runs an INSERT; a unique violation is EConflict naming
// what.
func (s *Store) insertRecord(ctx context.Context, what, query string, args ...any) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	})
	if isUniqueViolation(err) {
		return memory.Errorf(memory.EConflict, "%s exists", what)
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", what, err)
	}
	return nil
}

// changeRecord runs an UPDATE that must change a row, or returns ENotFound
// naming what.
func (s *Store) changeRecord(ctx context.Context, what, query string, args ...any) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return memory.Errorf(memory.ENotFound, "no %s", what)
		}
		return nil
	})
	if err != nil && memory.ErrorCode(err) != memory.ENotFound {
		return fmt.Errorf("change %s: %w", what, err)
	}
	return err
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// timeOf returns a scanned nullable time in UTC, or the zero time.
func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
