package main

// The cloudflare and hybrid backends: their configuration (upstream's
// CLOUDFLARE_* and MCP_HYBRID_* variables) and how the app opens them. The
// hybrid backend's remote is Cloudflare, or a PostgreSQL database
// (MCP_HYBRID_REMOTE=postgres).

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/httpapi"
	"github.com/mcp-memory-go/memory/hybrid"
	"github.com/mcp-memory-go/memory/postgres"
	"github.com/mcp-memory-go/memory/sqlite"
)

// CloudConfig configures the cloudflare and hybrid backends.
type CloudConfig struct {
	APIToken       string // CLOUDFLARE_API_TOKEN
	AccountID      string // CLOUDFLARE_ACCOUNT_ID
	D1Database     string // CLOUDFLARE_D1_DATABASE_ID
	VectorizeIndex string // CLOUDFLARE_VECTORIZE_INDEX
	R2Bucket       string // CLOUDFLARE_R2_BUCKET
	EmbeddingModel string // CLOUDFLARE_EMBEDDING_MODEL, default @cf/baai/bge-base-en-v1.5
	BaseURL        string // CLOUDFLARE_API_BASE_URL: another API root (a proxy, or the test emulator)
	LargeContent   int    // CLOUDFLARE_LARGE_CONTENT_THRESHOLD bytes, default 524288
	MaxRetries     int    // CLOUDFLARE_MAX_RETRIES, default 3
	BaseDelay      time.Duration
	// MaxContentLength is MCP_CLOUDFLARE_MAX_CONTENT_LENGTH (cloudflare,
	// default 800 as upstream: the model reads 512 tokens) or
	// MCP_HYBRID_MAX_CONTENT_LENGTH (hybrid, default unlimited: the remote
	// does not embed).
	CloudflareMaxContent, HybridMaxContent int

	SyncInterval  time.Duration // MCP_HYBRID_SYNC_INTERVAL seconds, default 300
	DriftInterval time.Duration // MCP_HYBRID_DRIFT_CHECK_INTERVAL seconds, default 3600 (0: off)
	BatchSize     int           // MCP_HYBRID_BATCH_SIZE, default 100
	SyncOnStartup bool          // MCP_HYBRID_SYNC_ON_STARTUP, default true
	// SyncOwner (MCP_HYBRID_SYNC_OWNER) is which long-running processes
	// may sync: "both" (default; a lease in the database lets one at a
	// time), "http" (the daemon) or "mcp" (stdio servers).
	SyncOwner string
	// Remote (MCP_HYBRID_REMOTE) is the hybrid backend's remote:
	// "cloudflare" (default) or "postgres" (MCP_MEMORY_POSTGRES_URL).
	Remote string
}

// loadCloudConfig reads the CLOUDFLARE_* and MCP_HYBRID_* variables.
func loadCloudConfig(p envParser) CloudConfig {
	g := func(k string) string { return strings.TrimSpace(p.getenv(k)) }
	c := CloudConfig{
		APIToken: g("CLOUDFLARE_API_TOKEN"), AccountID: g("CLOUDFLARE_ACCOUNT_ID"),
		D1Database: g("CLOUDFLARE_D1_DATABASE_ID"), VectorizeIndex: g("CLOUDFLARE_VECTORIZE_INDEX"),
		R2Bucket: g("CLOUDFLARE_R2_BUCKET"), EmbeddingModel: firstNonEmpty(g("CLOUDFLARE_EMBEDDING_MODEL"), cloudflare.DefaultEmbeddingModel),
		BaseURL: g("CLOUDFLARE_API_BASE_URL"), LargeContent: cloudflare.DefaultLargeContent,
		MaxRetries: cloudflare.DefaultMaxRetries, BaseDelay: cloudflare.DefaultBaseDelay,
		CloudflareMaxContent: 800,
		SyncInterval:         hybrid.DefaultSyncInterval, DriftInterval: hybrid.DefaultDriftInterval,
		BatchSize: hybrid.DefaultBatchSize, SyncOnStartup: true, SyncOwner: "both", Remote: "cloudflare",
	}
	if v, ok := p.int("CLOUDFLARE_LARGE_CONTENT_THRESHOLD", 1024, 900_000); ok {
		c.LargeContent = v
	}
	if v, ok := p.int("CLOUDFLARE_MAX_RETRIES", 0, 20); ok {
		c.MaxRetries = v
	}
	if v, ok := p.float("CLOUDFLARE_BASE_DELAY", 0.01, 60); ok {
		c.BaseDelay = time.Duration(v * float64(time.Second))
	}
	if v, ok := p.int("MCP_CLOUDFLARE_MAX_CONTENT_LENGTH", 100, 1<<30); ok {
		c.CloudflareMaxContent = v
	}
	if v, ok := p.int("MCP_HYBRID_MAX_CONTENT_LENGTH", 100, 1<<30); ok {
		c.HybridMaxContent = v
	}
	if v, ok := p.float("MCP_HYBRID_SYNC_INTERVAL", 1, 86400); ok {
		c.SyncInterval = time.Duration(v * float64(time.Second))
	}
	if v, ok := p.float("MCP_HYBRID_DRIFT_CHECK_INTERVAL", 0, 30*86400); ok {
		c.DriftInterval = time.Duration(v * float64(time.Second))
	}
	if v, ok := p.int("MCP_HYBRID_BATCH_SIZE", 1, 10000); ok {
		c.BatchSize = v
	}
	if v, ok := p.bool("MCP_HYBRID_SYNC_ON_STARTUP"); ok {
		c.SyncOnStartup = v
	}
	switch v := strings.ToLower(g("MCP_HYBRID_SYNC_OWNER")); v {
	case "":
	case "both", "http", "mcp":
		c.SyncOwner = v
	default:
		*p.errs = append(*p.errs, fmt.Sprintf("MCP_HYBRID_SYNC_OWNER=%q: want both, http or mcp", v))
	}
	switch v := strings.ToLower(g("MCP_HYBRID_REMOTE")); v {
	case "":
	case "cloudflare", "postgres":
		c.Remote = v
	case "postgresql", "pgvector":
		c.Remote = "postgres"
	default:
		*p.errs = append(*p.errs, fmt.Sprintf("MCP_HYBRID_REMOTE=%q: want cloudflare or postgres", v))
	}
	return c
}

// settingVars names the variable of each cloudflare setting.
var settingVars = map[cloudflare.Setting]string{
	cloudflare.SettingToken:     "CLOUDFLARE_API_TOKEN",
	cloudflare.SettingAccount:   "CLOUDFLARE_ACCOUNT_ID",
	cloudflare.SettingD1:        "CLOUDFLARE_D1_DATABASE_ID",
	cloudflare.SettingIndex:     "CLOUDFLARE_VECTORIZE_INDEX",
	cloudflare.SettingBucket:    "CLOUDFLARE_R2_BUCKET",
	cloudflare.SettingModel:     "CLOUDFLARE_EMBEDDING_MODEL",
	cloudflare.SettingBaseURL:   "CLOUDFLARE_API_BASE_URL",
	cloudflare.SettingThreshold: "CLOUDFLARE_LARGE_CONTENT_THRESHOLD",
}

// cloudError names the variable to fix in a setup error of the
// Cloudflare account.
func cloudError(backend string, err error) error {
	var se *cloudflare.SetupError
	if errors.As(err, &se) {
		return fmt.Errorf("storage backend %s: %s: %s", backend, settingVars[se.Setting], se.Msg)
	}
	return fmt.Errorf("storage backend %s: %w", backend, err)
}

// clientConfig is the cloudflare.Config of c.
func (c CloudConfig) clientConfig(log *slog.Logger) cloudflare.Config {
	return cloudflare.Config{
		APIToken: c.APIToken, AccountID: c.AccountID, D1Database: c.D1Database,
		VectorizeIndex: c.VectorizeIndex, R2Bucket: c.R2Bucket, LargeContent: c.LargeContent,
		BaseURL: c.BaseURL, MaxRetries: c.MaxRetries, BaseDelay: c.BaseDelay, Logger: log,
	}
}

// role says which kind of process opens the store, for
// MCP_HYBRID_SYNC_OWNER: "http" (the daemon), "mcp" (a stdio server) or
// "" (a short command, which only queues its writes).
type role string

// cloudApp is what openCloud returns: the store of memories, the local
// SQLite file for everything else, the syncer (hybrid only) and the
// embedder to use.
type cloudApp struct {
	mem   memory.Store
	local *sqlite.Store
	sync  *hybrid.Store
	emb   memory.Embedder
	// maxContent is the content length limit of the backend (0: none).
	maxContent int
	// remoteWhere names the hybrid backend's remote for people.
	remoteWhere string
}

// openCloud opens the cloudflare or hybrid backend. Memories live in
// Cloudflare (cloudflare) or in the local file synced with Cloudflare
// (hybrid); API keys, users, OAuth state and uploads always live in the
// local SQLite file. emb is the configured embedder; the cloudflare
// backend embeds with Workers AI instead unless an external embedding
// server is configured. Errors name the variable to fix.
func openCloud(ctx context.Context, cfg *Config, log *slog.Logger, emb memory.Embedder, r role) (*cloudApp, error) {
	cc := cfg.Cloud
	local := newSQLite(cfg, log)
	local.Outbox = cfg.Backend == "hybrid"
	if err := local.Open(ctx); err != nil {
		return nil, err
	}
	out := &cloudApp{local: local, emb: emb}
	if cfg.Backend == "hybrid" && cc.Remote == "postgres" {
		remote, err := openPostgresRemote(ctx, cfg, log)
		if err != nil {
			local.Close()
			return nil, err
		}
		out.maxContent, out.remoteWhere = cc.HybridMaxContent, "PostgreSQL "+remote.Addr()
		return out.hybrid(ctx, cfg, log, r, remote, "postgres", nil)
	}
	ccfg := cc.clientConfig(log)
	switch cfg.Backend {
	case "cloudflare":
		if cfg.ExternalURL == "" && emb != nil {
			wai, err := cloudflare.NewEmbedder(ccfg, cc.EmbeddingModel, 0)
			if err != nil {
				local.Close()
				return nil, cloudError(cfg.Backend, err)
			}
			out.emb = wai
		}
		out.maxContent = cc.CloudflareMaxContent
	case "hybrid":
		out.maxContent = cc.HybridMaxContent
		ccfg.IndexOptional = true // the local model's vectors may not fit an upstream index
	}
	if out.emb != nil {
		m := out.emb.Model()
		ccfg.IndexModel, ccfg.IndexDimensions = m.Name, m.Dim
	}
	remote := cloudflare.New(ccfg)
	if err := remote.Open(ctx); err != nil {
		// A hybrid store starts offline: it works locally and syncs once
		// Cloudflare answers. A refused configuration is an error at once.
		if cfg.Backend != "hybrid" || !cloudflare.Unreachable(err) {
			local.Close()
			return nil, cloudError(cfg.Backend, err)
		}
		log.Warn("Cloudflare does not answer; working locally, sync retries in the background", "err", err)
	}
	if cfg.Backend == "cloudflare" {
		out.mem = remote
		return out, nil
	}
	out.remoteWhere = "Cloudflare D1 " + cc.D1Database
	return out.hybrid(ctx, cfg, log, r, remote, "cloudflare", cloudflare.RetryAfter)
}

// hybrid opens the hybrid store over the local file and remote.
func (c *cloudApp) hybrid(ctx context.Context, cfg *Config, log *slog.Logger, r role, remote memory.Replica, name string, retryAfter func(error) time.Duration) (*cloudApp, error) {
	cc := cfg.Cloud
	h := hybrid.New(c.local, remote)
	h.RemoteName, h.Logger, h.RetryAfter = name, log, retryAfter
	h.SyncInterval, h.DriftInterval, h.BatchSize, h.SyncOnStartup = cc.SyncInterval, cc.DriftInterval, cc.BatchSize, cc.SyncOnStartup
	h.Disabled = r == "" || (cc.SyncOwner != "both" && cc.SyncOwner != string(r))
	if err := h.Open(ctx); err != nil {
		h.Close()
		return nil, err
	}
	c.mem, c.sync = h, h
	return c, nil
}

// openPostgresRemote opens the PostgreSQL database that hybrid stores
// share as their remote. Like Cloudflare, a server that does not answer
// yet is no error: the store works locally and syncs once it does.
func openPostgresRemote(ctx context.Context, cfg *Config, log *slog.Logger) (*postgres.Store, error) {
	pg := newPostgres(cfg, log)
	pg.Lazy = true
	if err := pg.Open(ctx); err != nil {
		return nil, fmt.Errorf("storage backend hybrid (MCP_HYBRID_REMOTE=postgres, MCP_MEMORY_POSTGRES_URL): %w", err)
	}
	return pg, nil
}

// Close closes the backend's stores.
func (c *cloudApp) Close() error {
	return errors.Join(c.mem.Close(), c.local.Close())
}

// check reports the first required setting of backend that is missing,
// naming its variable.
func (c CloudConfig) check(backend string) error {
	for _, v := range []struct{ name, val string }{
		{"CLOUDFLARE_API_TOKEN", c.APIToken}, {"CLOUDFLARE_ACCOUNT_ID", c.AccountID}, {"CLOUDFLARE_D1_DATABASE_ID", c.D1Database},
	} {
		if v.val == "" {
			return fmt.Errorf("storage backend %s needs %s (and CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_D1_DATABASE_ID; see README.md)", backend, v.name)
		}
	}
	if backend == "cloudflare" && c.VectorizeIndex == "" {
		return fmt.Errorf("storage backend cloudflare needs CLOUDFLARE_VECTORIZE_INDEX: a Vectorize index with the cosine metric and the embedding model's dimensions")
	}
	return nil
}

// openCloudApp is openApp for the cloudflare and hybrid backends.
func openCloudApp(ctx context.Context, cfg *Config, log *slog.Logger, emb memory.Embedder) (*app, error) {
	c, err := openCloud(ctx, cfg, log, emb, cfg.role)
	if err != nil {
		return nil, err
	}
	svc := newService(cfg, c.mem, c.emb, log)
	svc.MaxContentLength = c.maxContent
	if c.sync != nil {
		c.sync.OnEvent = svc.Announce
		if svc.Embedder != nil {
			// Memories from machines with another model arrive without a
			// vector of ours: embed them so that semantic search finds them.
			c.sync.AfterPull = func(ctx context.Context) {
				if n, err := svc.Reembed(ctx, 100, nil); err != nil {
					log.Warn("embed pulled memories", "err", err)
				} else if n > 0 {
					log.Info("embedded pulled memories", "count", n)
				}
			}
		}
	}
	a := &app{cfg: cfg, store: c.local, spool: sqliteSpool(cfg), svc: svc, log: log, cloud: c}
	if c.sync != nil {
		a.curate(c.local) // hybrid: the memories are in the local file
	}
	return a, nil
}

// syncer returns the hybrid store's sync control, or nil.
func (a *app) syncer() *hybrid.Store {
	if a.cloud == nil {
		return nil
	}
	return a.cloud.sync
}

// syncControl is the sync control for the REST API: nil (not a nil
// pointer in an interface) unless the backend is hybrid.
func (a *app) syncControl() httpapi.Syncer {
	if s := a.syncer(); s != nil {
		return s
	}
	return nil
}

// where names the storage for people (never a password).
func (a *app) where() string {
	switch {
	case a.pgWhere != "":
		return a.pgWhere
	case a.cloud == nil:
		return a.cfg.DBPath
	case a.cloud.sync != nil:
		return a.cfg.DBPath + ", synced with " + a.cloud.remoteWhere
	}
	return "Cloudflare D1 " + a.cfg.Cloud.D1Database + " (records in " + a.cfg.DBPath + ")"
}
