package postgres

// Running statements: transactions and reads retried when the connection
// was lost before anything was committed, so that a server restart or a
// terminated session costs one failed attempt, not a failed request.

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// attempts bounds the runs of one transaction or read: the pool may hand
// out several connections the server has closed before it notices.
const attempts = 4

// querier is what reads and writes run on: the pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var errClosed = errors.New("the store is closed")

// write runs fn in a read-write transaction and commits it. A failure
// before the commit was sent (a lost connection, a deadlock) runs the
// whole transaction again; a failure of the commit itself is returned, as
// its outcome is unknown.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.inTx(ctx, pgx.TxOptions{}, fn)
}

// snapshot runs fn in a read-only transaction that sees one snapshot of
// the database (REPEATABLE READ), retried like write.
func (s *Store) snapshot(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func (s *Store) inTx(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx) error) error {
	pool, err := s.connected(ctx)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		var committing bool
		err = func() error {
			tx, err := pool.BeginTx(ctx, opts)
			if err != nil {
				return err
			}
			defer tx.Rollback(context.WithoutCancel(ctx))
			if err := fn(tx); err != nil {
				return err
			}
			committing = true
			return tx.Commit(ctx)
		}()
		if err == nil || committing || !s.again(ctx, pool, err, attempt) {
			break
		}
	}
	return s.describe(err)
}

// read runs fn, a read outside a transaction, again when the connection
// was lost.
func (s *Store) read(ctx context.Context, fn func(q querier) error) error {
	pool, err := s.connected(ctx)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		if err = fn(pool); err == nil || !s.again(ctx, pool, err, attempt) {
			break
		}
	}
	return s.describe(err)
}

// again reports whether to run a failed attempt again, after a pause that
// grows with the attempts. A lost connection resets the pool: what ended
// one session (a restart, a failover, a network cut) has most likely ended
// its idle neighbours too, which the pool would otherwise hand out next.
func (s *Store) again(ctx context.Context, pool *pgxpool.Pool, err error, attempt int) bool {
	if connectionLost(err) {
		pool.Reset()
	}
	if attempt >= attempts || ctx.Err() != nil || !retryable(err) {
		return false
	}
	t := time.NewTimer(time.Duration(attempt*attempt) * 10 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
