package sqlite

// Prepared statements, cached by SQL text: preparing the memory columns
// costs SQLite about 20 µs, more than running a point query.

import (
	"context"
	"database/sql"
	"sync"
)

// maxStmts bounds the cache; queries beyond it run unprepared. Filters
// make a few dozen distinct texts in practice (list lengths vary them).
const maxStmts = 256

// stmtCache holds prepared statements by SQL text.
//
// Preparing through *sql.DB takes a connection from the pool. A query in a
// transaction already holds one, and the pool is small (one connection a
// core), so a transaction must never wait to prepare: with every
// connection held by a transaction waiting for another, nothing would
// move. Transactions therefore only use statements already cached; a miss
// runs unprepared and has the statement prepared in the background for
// next time.
type stmtCache struct {
	mu       sync.Mutex
	m        map[string]*sql.Stmt
	inflight map[string]bool
	closed   bool
	// pending counts background prepares, which Close waits for so that
	// no connection outlives the Store.
	pending sync.WaitGroup
}

// lookup returns the cached statement for query, or nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// prepareLater prepares query in the background unless the cache is full,
// closed or already preparing it.
func (c *stmtCache) prepareLater(db *sql.DB, query string) {
	c.mu.Lock()
	if c.closed || c.inflight[query] || c.m[query] != nil || len(c.m) >= maxStmts {
		c.mu.Unlock()
		return
	}
	if c.inflight == nil {
		c.inflight = map[string]bool{}
	}
	c.inflight[query] = true
	c.pending.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.pending.Done()
		c.get(context.Background(), db, query)
		c.mu.Lock()
		delete(c.inflight, query)
		c.mu.Unlock()
	}()
}

// get returns the cached statement for query, preparing it if there is
// room, or nil to run the query unprepared.
func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	st, full := c.m[query], len(c.m) >= maxStmts
	c.mu.Unlock()
	if st != nil || full {
		return st
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared query reports the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		st.Close()
		return nil
	}
	if old := c.m[query]; old != nil {
		st.Close()
		return old
	}
	if c.m == nil {
		c.m = make(map[string]*sql.Stmt)
	}
	c.m[query] = st
	return st
}

// reopen makes a closed cache usable again (the Store was opened again).
func (c *stmtCache) reopen() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = false
}

// close closes every cached statement, after the background prepares
// have finished.
func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.pending.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// queryer runs queries on the database or in a transaction (tx != nil).
type queryer struct {
	s  *Store
	tx *sql.Tx
}

// on returns a queryer in tx, or on the database if tx is nil.
func (s *Store) on(tx *sql.Tx) queryer { return queryer{s: s, tx: tx} }

// stmt returns the prepared form of query for this queryer, or nil. In a
// transaction it never prepares (see stmtCache): a cached statement is
// bound to the transaction's connection, a miss is prepared for later.
func (q queryer) stmt(ctx context.Context, query string) *sql.Stmt {
	if q.tx == nil {
		return q.s.stmts.get(ctx, q.s.db, query)
	}
	st := q.s.stmts.lookup(query)
	if st == nil {
		q.s.stmts.prepareLater(q.s.db, query)
		return nil
	}
	return q.tx.StmtContext(ctx, st)
}

// QueryContext runs a query returning rows.
func (q queryer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.QueryContext(ctx, query, args...)
	}
	return q.s.db.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query returning at most one row.
func (q queryer) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.QueryRowContext(ctx, query, args...)
	}
	return q.s.db.QueryRowContext(ctx, query, args...)
}

// ExecContext runs a statement returning no rows.
func (q queryer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.ExecContext(ctx, query, args...)
	}
	return q.s.db.ExecContext(ctx, query, args...)
}
