package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/embed/glove"
	"github.com/mcp-memory-go/memory/embed/openai"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/mcp-memory-go/memory/oauth"
	"github.com/mcp-memory-go/memory/postgres"
	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/mcp-memory-go/memory/timeexpr"
)

// backend is what a storage backend keeps for the app: the memories, and
// the HTTP daemon's API keys, user accounts, OAuth state and upload
// history. Several processes may share one (a SQLite file, a PostgreSQL
// database); each sees the others' writes.
type backend interface {
	memory.Store
	auth.KeyStore
	auth.UserStore
	oauth.Store
	ingest.History
}

var (
	_ backend = (*sqlite.Store)(nil)
	_ backend = (*postgres.Store)(nil)
)

// app is an opened backend with the service over it.
type app struct {
	cfg   *Config
	store backend
	// pgWhere names the PostgreSQL server, database and schema of the
	// postgres backend (never the password), for where.
	pgWhere string
	// spool is the directory where uploaded files wait to be ingested.
	spool string
	svc   *memory.Service
	log   *slog.Logger
	warm  sync.Once
	// cons runs consolidation passes over svc; nil for the cloudflare
	// backend, whose memories are not in a local file.
	cons *consolidate.Consolidator
	// cloud is the cloudflare or hybrid backend, nil for sqlite; store is
	// then its local SQLite file (keys, users, OAuth state, uploads).
	cloud *cloudApp
}

// openApp opens the configured backend and builds the service. It does no
// slow work: the embedding model and the vector index load lazily.
func openApp(ctx context.Context, cfg *Config, log *slog.Logger) (*app, error) {
	emb, err := newEmbedder(cfg, log)
	if err != nil {
		return nil, err
	}
	if cfg.Backend == "cloudflare" || cfg.Backend == "hybrid" {
		return openCloudApp(ctx, cfg, log, emb)
	}
	a := &app{cfg: cfg, log: log}
	switch cfg.Backend {
	case "postgres":
		err = a.openPostgres(ctx)
	default:
		err = a.openSQLite(ctx)
	}
	if err != nil {
		return nil, err
	}
	a.svc = newService(cfg, a.store, emb, log)
	if st, ok := a.store.(curator); ok {
		a.curate(st)
	}
	return a, nil
}

// curator is a store that keeps the associations graph, the archive and
// consolidation's state: SQLite and PostgreSQL.
type curator interface {
	memory.Graph
	memory.Archive
	consolidate.State
}

var (
	_ curator = (*sqlite.Store)(nil)
	_ curator = (*postgres.Store)(nil)
)

// curate turns on the graph, the archive, conflict detection and
// consolidation over st, the store that holds the memories (for the hybrid
// backend, the local SQLite file, whose changes its outbox syncs).
func (a *app) curate(st curator) {
	a.svc.Graph, a.svc.Archive = st, st
	a.cfg.Curation.apply(a.svc)
	a.cons = consolidate.New(a.svc, st)
	a.cons.Config, a.cons.Schedules, a.cons.Logger = a.cfg.Curation.Pass, a.cfg.Curation.Schedules, a.log
}

// openSQLite opens the SQLite file, the default backend.
func (a *app) openSQLite(ctx context.Context) error {
	st := newSQLite(a.cfg, a.log)
	if err := st.Open(ctx); err != nil {
		return err
	}
	a.store, a.spool = st, sqliteSpool(a.cfg)
	return nil
}

// openPostgres connects to the PostgreSQL database. Its errors name the
// setting to fix, never the password.
func (a *app) openPostgres(ctx context.Context) error {
	if a.cfg.Tokenizer != "" {
		a.log.Warn("MCP_MEMORY_FTS_TOKENIZER applies to SQLite only; PostgreSQL stems words as SQLite's default tokenizer does")
	}
	a.spool = filepath.Join(a.cfg.BaseDir, "uploads")
	st := newPostgres(a.cfg, a.log)
	st.UploadNode = uploadNode(a.spool)
	if err := st.Open(ctx); err != nil {
		return fmt.Errorf("storage backend postgres (MCP_MEMORY_POSTGRES_URL): %w", err)
	}
	a.store, a.pgWhere = st, "postgres "+st.Addr()
	if a.cfg.PostgresSchema != "" {
		a.pgWhere += " schema " + a.cfg.PostgresSchema
	}
	return nil
}

// newSQLite is the SQLite store of cfg's database file, not yet open.
func newSQLite(cfg *Config, log *slog.Logger) *sqlite.Store {
	st := sqlite.New(cfg.DBPath)
	st.Logger = log
	if cfg.Tokenizer != "" {
		st.Tokenizer = cfg.Tokenizer
	}
	return st
}

// newPostgres is the store of cfg's PostgreSQL database, not yet open.
func newPostgres(cfg *Config, log *slog.Logger) *postgres.Store {
	st := postgres.New(cfg.PostgresURL)
	st.Schema, st.EfSearch, st.Logger = cfg.PostgresSchema, cfg.PostgresEfSearch, log
	return st
}

// sqliteSpool is the uploads directory of a backend with a SQLite file:
// next to it.
func sqliteSpool(cfg *Config) string { return filepath.Join(filepath.Dir(cfg.DBPath), "uploads") }

// uploadNode names this daemon among those sharing a database by the
// uploads directory it spools to: its host and path.
func uploadNode(spool string) string {
	host, _ := os.Hostname()
	return host + ":" + absPath(spool)
}

// newService builds the service over st with cfg's search and storage
// settings.
func newService(cfg *Config, st memory.Store, emb memory.Embedder, log *slog.Logger) *memory.Service {
	svc := memory.NewService(st, emb)
	svc.Backend, svc.Version, svc.Logger = cfg.Backend, version, log
	svc.Fusion = cfg.FusionMethod
	svc.SemanticWeight = cfg.SemanticWeight
	svc.RRFK = cfg.RRFK
	svc.Rerank = cfg.Rerank
	svc.SemanticDedup = cfg.SemanticDedup
	svc.DedupWindow = cfg.DedupWindow
	svc.DedupThreshold = cfg.DedupThreshold
	svc.MaxContentLength = cfg.MaxContentLength
	svc.AutoSplit = cfg.AutoSplit
	svc.SplitOverlap = cfg.SplitOverlap
	svc.SessionChunkSize = cfg.SessionChunkSize
	svc.TimeParser = timeexpr.Bounds
	svc.TimeExtractor = timeexpr.ExtractBounds
	return svc
}

// newEmbedder picks the embedding model: an external OpenAI-compatible
// server when its URL is set, else the configured model, else the built-in
// GloVe-SIF model. Nothing is loaded here.
func newEmbedder(cfg *Config, log *slog.Logger) (memory.Embedder, error) {
	if cfg.ExternalURL != "" {
		return openai.New(openai.Config{URL: cfg.ExternalURL, Model: cfg.ExternalModel, APIKey: cfg.ExternalKey, Logger: log})
	}
	switch m := strings.ToLower(cfg.Embedding); m {
	case "", "builtin", "glove", "glove-sif", glove.ModelName:
		return glove.New(), nil
	case "none", "off":
		return nil, nil
	case "onnx":
		return newONNXEmbedder(cfg)
	default:
		if cfg.ONNXModelDir != "" {
			return newONNXEmbedder(cfg)
		}
		log.Warn("embedding model is not built in; using the built-in GloVe-SIF model (set MCP_MEMORY_ONNX_MODEL_DIR to use an ONNX export, or MCP_EXTERNAL_EMBEDDING_URL)", "requested", cfg.Embedding)
		return glove.New(), nil
	}
}

// Close closes the store.
func (a *app) Close() error {
	if a.cloud != nil {
		return a.cloud.Close()
	}
	return a.store.Close()
}

// preload loads what the store keeps in memory for searches (SQLite's
// vector index), if anything.
func (a *app) preload(ctx context.Context) error {
	if p, ok := a.store.(interface{ Preload(context.Context) error }); ok {
		return p.Preload(ctx)
	}
	return nil
}
