// Package sqlite is the default memory.Store: one SQLite file (through
// github.com/ncruces/go-sqlite3, no cgo) holding memories, their tags, an
// FTS5 index for keyword search and vectors as BLOBs, with an in-memory slab
// of those vectors for exact top-k search by a parallel Go scan.
//
// Several processes may share one database file: writes are serialised by
// SQLite's write lock (BEGIN IMMEDIATE, a busy timeout and retries), and
// every read sees every write committed before it began, in any process.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/ext/fts5"

	"github.com/mcp-memory-go/memory"
)

// Defaults applied by New.
const (
	// DefaultBusyTimeout is how long a write waits for another connection
	// or process holding the write lock.
	DefaultBusyTimeout = 10 * time.Second
	// DefaultTokenizer is the FTS5 tokenizer of new databases: Porter
	// stemming over Unicode words, diacritics removed.
	DefaultTokenizer = "porter unicode61 remove_diacritics 2"
	// DefaultCacheSize is the page cache of each connection. Searches
	// read only their results' rows (matching runs on the in-memory
	// vector slab and keyword index), so a small cache serves them as
	// fast as one holding the table: at 100,000 memories, 8 MB instead of
	// 32 MB changed no search latency measurably and took 25 MB off a
	// stdio server's resident memory.
	DefaultCacheSize = 8 << 20
	// DefaultSynchronous is the synchronous mode: in WAL mode, NORMAL never
	// loses a committed transaction when the process dies (kill -9); after
	// a power loss or OS crash the last transactions may roll back, the
	// database staying consistent. FULL also survives power loss at the cost
	// of an fsync per commit.
	DefaultSynchronous = "normal"
)

var _ memory.Store = (*Store)(nil)

// Store is a memory.Store on one SQLite database file. Create it with New,
// set the exported fields, then call Open; the fields must not change
// afterwards. All methods are safe for concurrent use after Open.
type Store struct {
	// BusyTimeout bounds the wait for the write lock held by another
	// connection or process; zero means DefaultBusyTimeout.
	BusyTimeout time.Duration
	// Tokenizer is the FTS5 tokenizer (the value of tokenize='…') used when
	// Open creates the database; an existing database keeps the tokenizer
	// it was created with until SetTokenizer rebuilds the index. Empty
	// means DefaultTokenizer.
	Tokenizer string
	// CacheSize bounds the page cache of each of the (at most 4)
	// connections, in bytes; it fills only as pages are read. Zero means
	// DefaultCacheSize.
	CacheSize int64
	// Synchronous is the SQLite synchronous mode: "normal" (the default,
	// see DefaultSynchronous), "full" or "extra".
	Synchronous string
	// Logger receives warnings and slow-path notes; nil discards them.
	Logger *slog.Logger
	// Now is the clock that stamps revisions (see memory.Memory.Revision);
	// nil means time.Now.
	Now func() time.Time
	// Outbox makes every change to a memory (insert, update, delete, new
	// vector) also queue the memory in the sync outbox, in the same
	// transaction, for a hybrid store to push (see outbox.go). Open records
	// the choice in the database, so that every process writing to the file
	// queues its changes too, whatever its own setting.
	Outbox bool
	// NoKeywordIndex keeps keyword search on SQLite's full-text index
	// alone. By default the store also keeps the full-text index's tokens
	// in memory (see kwload.go), loaded in the background after Open (or by
	// Preload) and refreshed before each search, which ranks many times
	// faster with the same results and scores; it costs about 15 MB per
	// 100,000 short memories.
	NoKeywordIndex bool

	path   string
	outbox bool // changes are queued: Outbox, or recorded in the database
	db     *sql.DB

	writeMu sync.Mutex // serialises this process's writers before SQLite's lock

	mu        sync.Mutex
	dims      map[string]int // embedding model → dimension, once recorded
	tokenizer string         // tokenizer of the open database

	stmts stmtCache

	vec vectors
	kw  keywords
}

// New returns a Store for the database file at path with default settings.
// Nothing is touched until Open.
func New(path string) *Store {
	return &Store{
		path:        path,
		BusyTimeout: DefaultBusyTimeout,
		CacheSize:   DefaultCacheSize,
		Tokenizer:   DefaultTokenizer,
		Synchronous: DefaultSynchronous,
		dims:        make(map[string]int),
	}
}

// Path returns the database file path given to New.
func (s *Store) Path() string { return s.path }

// Open creates the directory (mode 0700) and the file (mode 0600) if they
// do not exist, opens the database in WAL mode and applies the pending
// migrations. It does no work proportional to the number of memories: the
// vector slab is loaded by the first VectorSearch or by Preload. It returns
// an error naming the path when the file cannot be created, is not an
// SQLite database, or was created by a newer version of this program.
func (s *Store) Open(ctx context.Context) (err error) {
	if s.path == "" {
		return errors.New("open sqlite store: no path")
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.BusyTimeout <= 0 {
		s.BusyTimeout = DefaultBusyTimeout
	}
	if s.Tokenizer == "" {
		s.Tokenizer = DefaultTokenizer
	}
	if s.CacheSize <= 0 {
		s.CacheSize = DefaultCacheSize
	}
	if s.dims == nil {
		s.dims = make(map[string]int)
	}
	syncMode := strings.ToLower(s.Synchronous)
	switch syncMode {
	case "":
		syncMode = DefaultSynchronous
	case "normal", "full", "extra":
	default:
		return fmt.Errorf("open %s: synchronous mode %q is not normal, full or extra", s.path, s.Synchronous)
	}

	abs, err := filepath.Abs(s.path)
	if err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	if err := createFile(abs); err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	s.warnLoosePermissions(abs)

	pragmas := fmt.Sprintf("PRAGMA foreign_keys = ON; PRAGMA synchronous = %s; PRAGMA temp_store = MEMORY; PRAGMA cache_size = %d",
		syncMode, -max(1, s.CacheSize>>10))
	busy := s.BusyTimeout
	db, err := driver.Open(dsn(abs), func(c *sqlite3.Conn) error {
		return initConn(c, busy, pragmas)
	})
	if err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	n := max(2, min(runtime.GOMAXPROCS(0), maxConns))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	s.db = db
	s.stmts.reopen()
	defer func() {
		if err != nil {
			db.Close()
			s.db = nil
		}
	}()

	if err := s.setWAL(ctx); err != nil {
		return fmt.Errorf("open %s: %w", s.path, describe(err))
	}
	if err := s.migrate(ctx); err != nil {
		return fmt.Errorf("open %s: %w", s.path, describe(err))
	}
	if err := s.ensureFTS(ctx); err != nil {
		return fmt.Errorf("open %s: %w", s.path, describe(err))
	}
	if err := s.loadModels(ctx); err != nil {
		return fmt.Errorf("open %s: %w", s.path, describe(err))
	}
	if err := s.openOutbox(ctx); err != nil {
		return fmt.Errorf("open %s: %w", s.path, describe(err))
	}
	s.kw.start()
	return nil
}

// nowMS is the current time in unix milliseconds.
func (s *Store) nowMS() int64 {
	if s.Now != nil {
		return s.Now().UnixMilli()
	}
	return time.Now().UnixMilli()
}

// Close closes the database. Methods must not be called after it; one
// still running (a Preload in the background) fails with an error. Closing
// twice is harmless.
func (s *Store) Close() error {
	if s.db == nil {
		return nil // never opened
	}
	s.kw.stop()
	s.vec.reset()
	s.stmts.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.path, err)
	}
	return nil
}

// maxConns bounds the connections of a Store: each has its own page cache.
const maxConns = 4

// createFile makes the directory (0700) and an empty database file (0600)
// when they do not exist, so that SQLite never creates them with looser
// modes.
func createFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// warnLoosePermissions logs when the file or its directory can be read by
// other users. It changes nothing: the modes may be deliberate.
func (s *Store) warnLoosePermissions(path string) {
	if runtime.GOOS == "windows" {
		return
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		s.Logger.Warn("database file is accessible to other users", "path", path, "mode", fi.Mode().Perm().String())
	}
	if fi, err := os.Stat(filepath.Dir(path)); err == nil && fi.Mode().Perm()&0o077 != 0 {
		// SQLite creates the -wal and -shm files next to the database
		// with the process umask; a private directory keeps them private.
		s.Logger.Debug("database directory is accessible to other users", "dir", filepath.Dir(path), "mode", fi.Mode().Perm().String())
	}
}

// dsn returns the file: URI of an absolute path.
func dsn(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows drive letter
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String()
}

// initConn prepares every new connection: FTS5 with the keyword ranking
// functions, the folding function, the busy timeout and the per-connection
// PRAGMAs.
func initConn(c *sqlite3.Conn, busy time.Duration, pragmas string) error {
	err := fts5.RegisterCustom(c, func(api *fts5.API) error {
		if err := registerRank(api); err != nil {
			return err
		}
		return registerTokens(api)
	})
	if err != nil {
		return fmt.Errorf("register fts5: %w", err)
	}
	if err := registerFold(c); err != nil {
		return fmt.Errorf("register functions: %w", err)
	}
	if err := c.BusyTimeout(busy); err != nil {
		return fmt.Errorf("set busy timeout: %w", err)
	}
	return c.Exec(pragmas)
}

// setWAL switches the database to WAL mode (a persistent setting).
func (s *Store) setWAL(ctx context.Context) error {
	var mode string
	err := s.retryBusy(ctx, func() error {
		return s.db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
	})
	if err != nil {
		return fmt.Errorf("enable wal: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("enable wal: journal mode is %q", mode)
	}
	return nil
}

// describe makes the usual SQLite open failures explicit.
func describe(err error) error {
	switch {
	case errors.Is(err, sqlite3.NOTADB):
		return fmt.Errorf("not a database or corrupt: %w", err)
	case errors.Is(err, sqlite3.CORRUPT):
		return fmt.Errorf("database is corrupt: %w", err)
	case errors.Is(err, sqlite3.READONLY), errors.Is(err, sqlite3.CANTOPEN), errors.Is(err, sqlite3.PERM):
		return fmt.Errorf("database is not writable: %w", err)
	}
	return err
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	return errors.Is(err, sqlite3.BUSY) || errors.Is(err, sqlite3.LOCKED)
}

// retryBusy calls fn until it returns something other than SQLITE_BUSY or
// the busy timeout has passed. SQLite's busy handler already waits, but
// some paths (a WAL recovery in another process, a read snapshot that
// cannot be upgraded) report BUSY at once.
func (s *Store) retryBusy(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(s.BusyTimeout)
	wait := time.Millisecond
	for {
		err := fn()
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(wait*2, 100*time.Millisecond)
	}
}

// write runs fn in a write transaction with the change sequence number it
// must store in every row it changes (see the counters table). When changes
// are queued for sync, the memories fn changed join the outbox in the same
// transaction.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx, seq int64) error) error {
	return s.writeSeq(ctx, s.outbox, fn)
}

// writeSeq is write, queueing the changed memories only if queue is set.
func (s *Store) writeSeq(ctx context.Context, queue bool, fn func(tx *sql.Tx, seq int64) error) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var seq int64
		if err := s.on(tx).QueryRowContext(ctx, "UPDATE counters SET seq = seq + 1 RETURNING seq").Scan(&seq); err != nil {
			return err
		}
		if err := fn(tx, seq); err != nil {
			return err
		}
		if queue {
			return s.enqueueSeq(ctx, tx, seq)
		}
		return nil
	})
}

// writeTx runs fn in a write transaction (BEGIN IMMEDIATE), retrying the
// whole transaction on SQLITE_BUSY. Writers of this process queue on a
// mutex rather than polling SQLite's lock.
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.retryBusy(ctx, func() error {
		tx, err := s.db.BeginTx(ctx, nil) // the driver begins IMMEDIATE
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Commit()
	})
}

// read runs fn in a read transaction, so that its queries see one snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.retryBusy(ctx, func() error {
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Commit()
	})
}
