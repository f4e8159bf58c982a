// Package postgres is the memory.Store for teams that outgrow one SQLite
// file: PostgreSQL (15 or newer) with the pgvector extension, through
// github.com/jackc/pgx/v5 and a connection pool. It also keeps the API
// keys, user accounts and OAuth state (auth.KeyStore, auth.UserStore,
// oauth.Store), so that several daemons on one database share them.
//
// Keyword search uses a stored tsvector with a GIN index, ranked by a
// BM25-like score (keyword.go); vector search uses an HNSW index per
// embedding model, falling back to an exact scan whenever the index could
// have missed a match of the filter (vector.go). Every filter is applied
// inside the SQL, before any limit. Schema changes are embedded, numbered
// migrations applied under an advisory lock (migrate.go).
//
// Several processes may share one database: every read sees every write
// committed before it began, and writes are transactions retried on
// deadlocks and on connections lost before they committed.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/mcp-memory-go/memory"
)

// Defaults applied by New.
const (
	// DefaultEfSearch is the HNSW candidate list of a vector search; a
	// search for more hits uses a list as long as its limit.
	DefaultEfSearch = 100
	// DefaultConnectTimeout bounds each connection attempt when the DSN
	// sets no connect_timeout.
	DefaultConnectTimeout = 10 * time.Second
)

var _ memory.Store = (*Store)(nil)

// Store is a memory.Store on a PostgreSQL database. Create it with New, set
// the exported fields, then call Open; the fields must not change
// afterwards. All methods are safe for concurrent use after Open.
type Store struct {
	// Schema, if set, is the schema holding the tables: created by Open if
	// missing and put first on the connections' search path (the server's
	// default path follows it, for the extensions' types). Empty means the
	// DSN's search path decides.
	Schema string
	// MaxConns bounds the pool; zero keeps the DSN's pool_max_conns, or
	// pgxpool's default (the larger of 4 and the number of CPUs).
	MaxConns int32
	// MinConns is the number of connections the pool keeps open; zero
	// keeps the DSN's pool_min_conns.
	MinConns int32
	// EfSearch is the HNSW candidate list size (hnsw.ef_search) of vector
	// searches; zero means DefaultEfSearch. Larger finds more of the true
	// nearest neighbours, more slowly.
	EfSearch int
	// IndexNewModels creates a model's HNSW index when its first vector is
	// stored (true after New). Bulk loads turn it off, load with CopyFrom
	// and then call BuildIndexes, which is much faster than growing the
	// index row by row.
	IndexNewModels bool
	// HNSWM and HNSWEfConstruction are the m and ef_construction of the
	// HNSW indexes created from now on; zero keeps pgvector's defaults
	// (16 and 64). Larger builds a better graph, which finds more of the
	// true nearest neighbours at the same EfSearch, more slowly.
	HNSWM, HNSWEfConstruction int
	// MaintenanceWorkMem is maintenance_work_mem for BuildIndexes (such as
	// "2GB"): an HNSW build that fits in it is several times faster. Empty
	// keeps the server's setting.
	MaintenanceWorkMem string
	// UploadNode names this daemon among those sharing the database: the
	// uploads it accepts are resumed only by it (UnfinishedUploads), as
	// their files wait in its spool directory. Empty is a name too.
	UploadNode string
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// KeywordImpact ranks keyword searches whose words are all common
	// through the memory_impact index (true after New; see impact.go).
	// Off, such a search scores every memory holding its rarest words: the
	// same results, more slowly at scale.
	KeywordImpact bool
	// Now is the clock that stamps revisions (memory.Replica); nil means
	// time.Now.
	Now func() time.Time
	// Lazy lets Open succeed when the server cannot be reached: the store
	// connects (and migrates) on first use instead, and each call fails
	// with EUnavailable until the server answers. For a remote that may
	// be down when the process starts (the hybrid backend's).
	Lazy bool

	dsn    string
	addr   string // host:port/database, for errors: never the password
	connMu sync.Mutex
	pool   *pgxpool.Pool   // set once connected, under connMu
	later  *pgxpool.Config // Lazy: what to connect with on first use

	iterative bool // pgvector has hnsw.iterative_scan (0.8.0 or newer)
	// impactAlways makes keyword searches rank by impact classes even when
	// the full ranking looks cheaper (tests).
	impactAlways bool

	mu     sync.Mutex
	models map[string]modelInfo // embedding model → id and dimension, once committed
}

// New returns a Store for the database at dsn, a PostgreSQL URL or
// keyword/value string as pgx accepts (pool_max_conns and the other
// pgxpool settings included). Nothing is touched until Open.
func New(dsn string) *Store {
	return &Store{dsn: dsn, EfSearch: DefaultEfSearch, IndexNewModels: true, KeywordImpact: true, models: make(map[string]modelInfo)}
}

// Addr returns the server and database the store connects to, as
// host:port/database: safe to show, it never holds the password. It is
// empty before Open parsed the DSN.
func (s *Store) Addr() string { return s.addr }

// Open parses the DSN, connects, creates the extensions and the schema if
// needed, applies the pending migrations and starts the pool. It returns
// an EUnavailable error naming the server when it cannot be reached, and
// an error naming it for a bad DSN, missing extensions or a schema newer
// than this program.
func (s *Store) Open(ctx context.Context) error {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.models == nil {
		s.models = make(map[string]modelInfo)
	}
	if s.EfSearch <= 0 {
		s.EfSearch = DefaultEfSearch
	}
	cfg, err := pgxpool.ParseConfig(s.dsn)
	if err != nil {
		return fmt.Errorf("open postgres: the connection string is not valid: %w", redact(err))
	}
	s.addr = describeAddr(cfg.ConnConfig)
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// An unreachable host would otherwise hold every call for the
		// operating system's TCP timeout, minutes.
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	if s.MaxConns > 0 {
		cfg.MaxConns = s.MaxConns
	}
	if s.MinConns > 0 {
		cfg.MinConns = s.MinConns
	}
	// Plans made for the actual owner and filters: a generic plan cannot
	// tell one user's hundred memories from another's million.
	// No JIT: at a million memories the estimated cost of a search passes
	// jit_above_cost, and compiling its plan takes longer than running it.
	// The DSN may say otherwise for either.
	for k, v := range map[string]string{"plan_cache_mode": "force_custom_plan", "jit": "off"} {
		if _, ok := cfg.ConnConfig.RuntimeParams[k]; !ok {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	s.connMu.Lock()
	defer s.connMu.Unlock()
	err = s.connect(ctx, cfg)
	if err != nil && s.Lazy && memory.ErrorCode(err) == memory.EUnavailable {
		s.Logger.Warn("PostgreSQL does not answer; connecting on first use", "server", s.addr, "err", err)
		s.later = cfg
		return nil
	}
	return err
}

// connect prepares the database and starts the pool; the caller holds
// connMu.
func (s *Store) connect(ctx context.Context, cfg *pgxpool.Config) error {
	if err := s.prepare(ctx, cfg.ConnConfig); err != nil {
		return s.openError(err)
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		return pgxvec.RegisterTypes(ctx, c)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return s.openError(s.describe(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return s.openError(s.describe(err))
	}
	if err := s.loadModels(ctx, pool); err != nil {
		pool.Close()
		return s.openError(err)
	}
	s.pool = pool
	s.later = nil
	return nil
}

// connected returns the pool, connecting first if Open left that for
// later (Lazy).
func (s *Store) connected(ctx context.Context) (*pgxpool.Pool, error) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.pool != nil {
		return s.pool, nil
	}
	if s.later == nil {
		return nil, errClosed
	}
	if err := s.connect(ctx, s.later.Copy()); err != nil {
		return nil, err
	}
	return s.pool, nil
}

// openError names the server in an error of Open, unless it does already.
func (s *Store) openError(err error) error {
	var se *serverError
	if errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("open postgres at %s: %w", s.addr, err)
}

// prepare runs on one connection before the pool starts: the schema, the
// extensions (whose types the pool's connections register) and the
// migrations.
func (s *Store) prepare(ctx context.Context, cc *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cc.Copy())
	if err != nil {
		return s.describe(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if s.Schema != "" {
		path, err := useSchema(ctx, conn, s.Schema)
		if err != nil {
			return s.describe(err)
		}
		cc.RuntimeParams["search_path"] = path
	}
	if s.iterative, err = extensions(ctx, conn); err != nil {
		return s.describe(err)
	}
	if err := migrate(ctx, conn); err != nil {
		return s.describe(err)
	}
	return nil
}

// useSchema creates the schema if needed, sets the connection's search
// path to it followed by the server's default path, and returns that path.
func useSchema(ctx context.Context, conn *pgx.Conn, schema string) (string, error) {
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+ident); err != nil {
		return "", fmt.Errorf("create schema %s: %w", ident, err)
	}
	var def string
	if err := conn.QueryRow(ctx, "SELECT current_setting('search_path')").Scan(&def); err != nil {
		return "", fmt.Errorf("read the search path: %w", err)
	}
	path := ident
	if def != "" {
		path += ", " + def
	}
	if _, err := conn.Exec(ctx, "SELECT set_config('search_path', $1, false)", path); err != nil {
		return "", fmt.Errorf("set the search path: %w", err)
	}
	return path, nil
}

// Close closes the pool, waiting for connections in use to be returned.
// Closing twice, or a store never opened, is harmless.
func (s *Store) Close() error {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	s.later = nil
	if s.pool != nil {
		s.pool.Close()
	}
	return nil
}

// describeAddr returns host:port/database of a connection configuration.
func describeAddr(cc *pgx.ConnConfig) string {
	host := cc.Host
	if host == "" {
		host = "localhost"
	}
	return net.JoinHostPort(host, strconv.Itoa(int(cc.Port))) + "/" + cc.Database
}

// redact returns a DSN parse error without the DSN it quotes, which may
// hold a password, keeping the reason.
func redact(err error) error {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return err
	}
	msg := pe.Error()
	if i := strings.LastIndex(msg, "`: "); i >= 0 {
		return errors.New(msg[i+3:])
	}
	return errors.New("cannot parse it")
}
