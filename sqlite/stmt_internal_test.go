package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestTransactionsNeverWaitToPrepare: as many transactions as the pool
// has connections each run a statement nobody has prepared yet. Preparing
// through the pool would need one more connection and wait forever (the
// daemon hung this way under a burst of dashboard requests); transactions
// must run such statements unprepared and cache them for later.
func TestTransactionsNeverWaitToPrepare(t *testing.T) {
	ctx := context.Background()
	s := New(filepath.Join(t.TempDir(), "m.db"))
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := s.db.Stats().MaxOpenConnections
	var holding sync.WaitGroup
	holding.Add(n)
	done := make(chan error, n)
	for i := range n {
		go func() {
			done <- s.read(ctx, func(tx *sql.Tx) error {
				holding.Done()
				holding.Wait() // every connection is now held by a transaction
				var v int
				return s.on(tx).QueryRowContext(ctx, fmt.Sprintf("SELECT %d + ?", i), 1).Scan(&v)
			})
		}()
	}
	for range n {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second): // a deadlock, not slowness: the queries take microseconds
			t.Fatalf("%d transactions holding all %d connections deadlocked preparing statements", n, n)
		}
	}
	// The statements were prepared in the background for next time.
	deadline := time.Now().Add(30 * time.Second)
	for s.stmts.lookup("SELECT 0 + ?") == nil {
		if time.Now().After(deadline) {
			t.Fatal("the statement a transaction missed was never prepared for later")
		}
		time.Sleep(time.Millisecond)
	}
}
