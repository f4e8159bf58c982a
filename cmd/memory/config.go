package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// Config is everything the binary can be told, read from upstream's
// environment variables and overridden by flags. Only this package reads
// the environment.
type Config struct {
	Backend  string // sqlite (sqlite_vec and sqlite-vec are accepted) or postgres
	BaseDir  string
	DBPath   string
	LogLevel slog.Level

	PostgresURL      string // MCP_MEMORY_POSTGRES_URL: the database of the postgres backend
	PostgresSchema   string // MCP_MEMORY_POSTGRES_SCHEMA: its schema (default: the URL's search path)
	PostgresEfSearch int    // MCP_MEMORY_POSTGRES_EF_SEARCH: HNSW candidate list, default 100

	Embedding     string // builtin (GloVe-SIF), none, onnx, or an upstream model name
	ONNXModelDir  string
	ExternalURL   string
	ExternalModel string
	ExternalKey   string

	Tokenizer string

	FusionMethod   string
	SemanticWeight float64
	RRFK           int
	Candidates     int
	// Rerank refines hybrid results (MCP_SEARCH_RERANK,
	// MCP_SEARCH_CONTEXT_WINDOW_MINUTES).
	Rerank memory.Rerank

	SemanticDedup  bool
	DedupWindow    time.Duration
	DedupThreshold float64

	MaxContentLength int
	AutoSplit        bool
	SplitOverlap     int
	SessionChunkSize int
	MaxResponseChars int
	ListLegacyTools  bool

	// Curation holds consolidation, conflict, quality and mistake-note
	// settings (curationconfig.go).
	Curation CurationConfig
	// Cloud configures the cloudflare and hybrid backends (cloud.go).
	Cloud CloudConfig
	// role is the kind of process opening the store (see role).
	role role
}

// env reads configuration from the environment (upstream's names).
func loadConfig(getenv func(string) string) (*Config, error) {
	c := &Config{
		Backend:          firstNonEmpty(getenv("MCP_MEMORY_STORAGE_BACKEND"), "sqlite"),
		BaseDir:          getenv("MCP_MEMORY_BASE_DIR"),
		DBPath:           firstNonEmpty(getenv("MCP_MEMORY_SQLITE_PATH"), getenv("MCP_MEMORY_SQLITEVEC_PATH")),
		PostgresURL:      strings.TrimSpace(getenv("MCP_MEMORY_POSTGRES_URL")),
		PostgresSchema:   strings.TrimSpace(getenv("MCP_MEMORY_POSTGRES_SCHEMA")),
		Embedding:        firstNonEmpty(getenv("MCP_EMBEDDING_MODEL"), "builtin"),
		ONNXModelDir:     getenv("MCP_MEMORY_ONNX_MODEL_DIR"),
		ExternalURL:      getenv("MCP_EXTERNAL_EMBEDDING_URL"),
		ExternalModel:    firstNonEmpty(getenv("MCP_EXTERNAL_EMBEDDING_MODEL"), "nomic-embed-text"),
		ExternalKey:      getenv("MCP_EXTERNAL_EMBEDDING_API_KEY"),
		Tokenizer:        getenv("MCP_MEMORY_FTS_TOKENIZER"),
		FusionMethod:     firstNonEmpty(getenv("MCP_HYBRID_FUSION_METHOD"), "weighted"),
		ListLegacyTools:  strings.EqualFold(getenv("MCP_MEMORY_LEGACY_TOOLS"), "list"),
		LogLevel:         slog.LevelWarn,
		SemanticWeight:   0.3,
		RRFK:             60,
		Rerank:           memory.DefaultRerank(),
		SemanticDedup:    true,
		DedupWindow:      24 * time.Hour,
		DedupThreshold:   0.85,
		AutoSplit:        true,
		SplitOverlap:     50,
		SessionChunkSize: 1500,
	}
	var errs []string
	p := envParser{getenv: getenv, errs: &errs}
	if lv := getenv("LOG_LEVEL"); lv != "" {
		if err := c.LogLevel.UnmarshalText([]byte(strings.ReplaceAll(strings.ToUpper(lv), "WARNING", "WARN"))); err != nil {
			errs = append(errs, fmt.Sprintf("LOG_LEVEL=%q: want debug, info, warning or error", lv))
		}
	}
	sem, semOK := p.float("MCP_HYBRID_SEMANTIC_WEIGHT", 0, 1)
	kw, kwOK := p.float("MCP_HYBRID_KEYWORD_WEIGHT", 0, 1)
	switch {
	case semOK && kwOK && sem+kw > 0:
		c.SemanticWeight = sem / (sem + kw) // upstream normalises the pair
	case semOK:
		c.SemanticWeight = sem
	case kwOK:
		c.SemanticWeight = 1 - kw
	}
	if v, ok := p.int("MCP_HYBRID_RRF_K", 1, 10000); ok {
		c.RRFK = v
	}
	if v, ok := p.bool("MCP_SEARCH_RERANK"); ok && !v {
		c.Rerank = memory.Rerank{}
	}
	if v, ok := p.float("MCP_SEARCH_CONTEXT_WINDOW_MINUTES", 0, 1e6); ok {
		c.Rerank.ContextWindow = time.Duration(v * float64(time.Minute))
	}
	if v, ok := p.bool("MCP_SEMANTIC_DEDUP_ENABLED"); ok {
		c.SemanticDedup = v
	}
	if v, ok := p.float("MCP_SEMANTIC_DEDUP_TIME_WINDOW_HOURS", 0, 1e6); ok {
		c.DedupWindow = time.Duration(v * float64(time.Hour))
	}
	if v, ok := p.float("MCP_SEMANTIC_DEDUP_THRESHOLD", 0, 1); ok {
		c.DedupThreshold = v
	}
	switch v := strings.ToLower(getenv("MCP_SQLITEVEC_MAX_CONTENT_LENGTH")); v {
	case "", "none", "unlimited", "0":
	default:
		if n, ok := p.int("MCP_SQLITEVEC_MAX_CONTENT_LENGTH", 100, 1<<30); ok {
			c.MaxContentLength = n
		}
	}
	if v, ok := p.bool("MCP_ENABLE_AUTO_SPLIT"); ok {
		c.AutoSplit = v
	}
	if v, ok := p.int("MCP_CONTENT_SPLIT_OVERLAP", 0, 500); ok {
		c.SplitOverlap = v
	}
	if v, ok := p.int("SESSION_CHUNK_SIZE", 0, 1<<30); ok {
		c.SessionChunkSize = v
	}
	if v, ok := p.int("MCP_MAX_RESPONSE_CHARS", 0, 1<<30); ok {
		c.MaxResponseChars = v
	}
	if v, ok := p.int("MCP_MEMORY_POSTGRES_EF_SEARCH", 1, 1000); ok {
		c.PostgresEfSearch = v
	}
	c.Curation = loadCuration(getenv, p)
	c.Cloud = loadCloudConfig(p)
	if len(errs) > 0 {
		return nil, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// addFlags registers the flags shared by the commands that open the store;
// they override the environment.
func (c *Config) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Backend, "backend", c.Backend, "storage backend (env MCP_MEMORY_STORAGE_BACKEND): sqlite, postgres, cloudflare or hybrid")
	fs.StringVar(&c.BaseDir, "base-dir", c.BaseDir, "data directory (env MCP_MEMORY_BASE_DIR)")
	fs.StringVar(&c.DBPath, "db", c.DBPath, "SQLite database file (env MCP_MEMORY_SQLITE_PATH; default <base-dir>/memory.db)")
	fs.StringVar(&c.PostgresURL, "postgres-url", c.PostgresURL, "PostgreSQL database of the postgres backend (env MCP_MEMORY_POSTGRES_URL), e.g. postgres://user:password@host:5432/memory")
	fs.StringVar(&c.Embedding, "embedding", c.Embedding, "embedding model (env MCP_EMBEDDING_MODEL): builtin, none, onnx")
	fs.StringVar(&c.ExternalURL, "embedding-url", c.ExternalURL, "OpenAI-compatible embeddings URL (env MCP_EXTERNAL_EMBEDDING_URL)")
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env LOG_LEVEL)")
}

// resolve fills derived settings after flags: the base directory and the
// database path, and checks the backend.
func (c *Config) resolve() error {
	switch strings.ToLower(c.Backend) {
	case "sqlite", "sqlite_vec", "sqlite-vec":
		c.Backend = "sqlite"
	case "postgres", "postgresql", "pgvector":
		c.Backend = "postgres"
		if c.PostgresURL == "" {
			return fmt.Errorf("storage backend postgres needs MCP_MEMORY_POSTGRES_URL (or --postgres-url), e.g. postgres://memory:PASSWORD@db.example.com:5432/memory")
		}
	case "cloudflare", "hybrid":
		c.Backend = strings.ToLower(c.Backend)
		if c.Backend == "hybrid" && c.Cloud.Remote == "postgres" {
			if c.PostgresURL == "" {
				return fmt.Errorf("storage backend hybrid with MCP_HYBRID_REMOTE=postgres needs MCP_MEMORY_POSTGRES_URL (or --postgres-url), e.g. postgres://memory:PASSWORD@db.example.com:5432/memory")
			}
		} else if err := c.Cloud.check(c.Backend); err != nil {
			return err
		}
	case "milvus":
		return fmt.Errorf("storage backend %q is not available in this version; use sqlite, postgres, cloudflare or hybrid", c.Backend)
	default:
		return fmt.Errorf("unknown storage backend %q (MCP_MEMORY_STORAGE_BACKEND): use sqlite, postgres, cloudflare or hybrid", c.Backend)
	}
	if c.BaseDir == "" {
		c.BaseDir = defaultBaseDir()
	}
	if c.DBPath == "" {
		c.DBPath = filepath.Join(c.BaseDir, "memory.db")
	}
	switch c.FusionMethod {
	case "weighted", "weighted_average", "":
		c.FusionMethod = "weighted"
	case "rrf":
	default:
		return fmt.Errorf("MCP_HYBRID_FUSION_METHOD=%q: want weighted_average or rrf", c.FusionMethod)
	}
	return nil
}

// defaultBaseDir is upstream's: the OS application-data directory plus
// mcp-memory.
func defaultBaseDir() string {
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "mcp-memory")
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "mcp-memory")
		}
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "mcp-memory")
	}
	return filepath.Join(home, ".local", "share", "mcp-memory")
}

// envParser reads typed environment values, collecting errors.
type envParser struct {
	getenv func(string) string
	errs   *[]string
}

func (p envParser) float(name string, lo, hi float64) (float64, bool) {
	s := strings.TrimSpace(p.getenv(name))
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < lo || v > hi {
		*p.errs = append(*p.errs, fmt.Sprintf("%s=%q: want a number from %g to %g", name, s, lo, hi))
		return 0, false
	}
	return v, true
}

func (p envParser) int(name string, lo, hi int) (int, bool) {
	s := strings.TrimSpace(p.getenv(name))
	if s == "" {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		*p.errs = append(*p.errs, fmt.Sprintf("%s=%q: want a whole number from %d to %d", name, s, lo, hi))
		return 0, false
	}
	return v, true
}

func (p envParser) bool(name string) (bool, bool) {
	s := strings.ToLower(strings.TrimSpace(p.getenv(name)))
	switch s {
	case "":
		return false, false
	case "1", "true", "yes", "on":
		return true, true
	case "0", "false", "no", "off":
		return false, true
	}
	*p.errs = append(*p.errs, fmt.Sprintf("%s=%q: want true or false", name, s))
	return false, false
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
