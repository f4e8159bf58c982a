package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/embed/glove"
	"github.com/mcp-memory-go/memory/embed/openai"
	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/mcp-memory-go/memory/timeexpr"
)

// app is an opened store with the service over it.
type app struct {
	cfg   *Config
	store *sqlite.Store
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

// openApp opens the configured store and builds the service. It does no
// slow work: the embedding model and the vector index load lazily.
func openApp(ctx context.Context, cfg *Config, log *slog.Logger) (*app, error) {
	emb, err := newEmbedder(cfg, log)
	if err != nil {
		return nil, err
	}
	if cfg.Backend == "cloudflare" || cfg.Backend == "hybrid" {
		return openCloudApp(ctx, cfg, log, emb)
	}
	st := sqlite.New(cfg.DBPath)
	st.Logger = log
	if cfg.Tokenizer != "" {
		st.Tokenizer = cfg.Tokenizer
	}
	if err := st.Open(ctx); err != nil {
		return nil, err
	}
	svc := memory.NewService(st, emb)
	svc.Backend, svc.Version, svc.Logger = "sqlite", version, log
	applyServiceConfig(svc, cfg)
	a := &app{cfg: cfg, store: st, svc: svc, log: log}
	a.curate(st)
	return a, nil
}

// curate turns on the graph, the archive, conflict detection and
// consolidation over local, the SQLite file that holds the memories (for
// the hybrid backend, the local copy, whose changes its outbox syncs).
func (a *app) curate(local *sqlite.Store) {
	a.svc.Graph, a.svc.Archive = local, local
	a.cfg.Curation.apply(a.svc)
	a.cons = consolidate.New(a.svc, local)
	a.cons.Config, a.cons.Schedules, a.cons.Logger = a.cfg.Curation.Pass, a.cfg.Curation.Schedules, a.log
}

// applyServiceConfig copies the search and storage settings onto svc.
func applyServiceConfig(svc *memory.Service, cfg *Config) {
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
