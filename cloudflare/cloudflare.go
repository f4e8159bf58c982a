// Package cloudflare is a memory.Store on Cloudflare's REST API: memories,
// tags and a full-text index in D1 (SQLite at the edge), vectors in a
// Vectorize v2 index, content above a size threshold in R2, and an Embedder
// on Workers AI. It also implements memory.Replica, so that it can be the
// remote of a hybrid store.
//
// D1 is the source of truth: every filter of memory.Filter is applied in its
// SQL, and every vector is kept there too (base64 in the row). Vectorize is
// the accelerator for large semantic searches: a search whose filter leaves
// few candidates is scored exactly from D1, a larger one asks Vectorize with
// the filter's owner, model, type, time and supersession as metadata filters
// and checks every match against D1, falling back to an exact scan whenever
// Vectorize could have missed a match (search.go). Rows whose Vectorize copy
// may be stale (Vectorize applies mutations asynchronously) are scored
// exactly, so a search sees every write acknowledged before it.
//
// Calls are paced under the account's rate limit and retried with
// exponential backoff on network errors, 5xx and 429 (honouring
// Retry-After); writes are idempotent so that a retry is safe. The API token
// travels only in the Authorization header and is never logged.
package cloudflare

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/mcp-memory-go/memory"
)

var (
	_ memory.Store   = (*Store)(nil)
	_ memory.Replica = (*Store)(nil)
)

// Defaults of the store.
const (
	// DefaultLargeContent is the content size (bytes) above which content
	// goes to R2. D1 rows are limited to 2 MB and keep a case-folded copy
	// of the content besides it, hence less than upstream's 1 MiB.
	DefaultLargeContent = 512 << 10
	// DefaultExactCandidates is the largest number of candidates a
	// semantic search scores exactly from D1 instead of asking Vectorize.
	DefaultExactCandidates = 2000
)

// Setting names one piece of configuration, so that the program reading the
// configuration can name its variable in an error.
type Setting string

// Settings of Config.
const (
	SettingToken     Setting = "api_token"
	SettingAccount   Setting = "account_id"
	SettingD1        Setting = "d1_database_id"
	SettingIndex     Setting = "vectorize_index"
	SettingBucket    Setting = "r2_bucket"
	SettingModel     Setting = "embedding_model"
	SettingBaseURL   Setting = "api_base_url"
	SettingThreshold Setting = "large_content_threshold"
)

// SetupError is a configuration Cloudflare refused or that does not fit:
// a missing or refused token, an unknown database, index or bucket, an
// index of the wrong dimension or metric, a database made by something
// else. Setting says which part of the configuration to fix.
type SetupError struct {
	Setting Setting
	Msg     string
	Err     error
}

func (e *SetupError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("cloudflare %s: %s: %v", e.Setting, e.Msg, e.Err)
	}
	return fmt.Sprintf("cloudflare %s: %s", e.Setting, e.Msg)
}

func (e *SetupError) Unwrap() error { return e.Err }

// Config is what the store needs to reach the account. Only APIToken,
// AccountID and D1Database are required.
type Config struct {
	APIToken  string
	AccountID string
	// D1Database is the D1 database id (a UUID). Open creates the schema
	// in an empty database and refuses one holding other tables.
	D1Database string
	// VectorizeIndex is the name of a Vectorize v2 index with the cosine
	// metric; empty means semantic search is scored from D1 alone.
	VectorizeIndex string
	// IndexModel is the embedding model whose vectors go to Vectorize
	// (vectors of other models stay in D1). IndexDimensions, if set, is
	// the dimension that model makes: Open refuses an index of another.
	IndexModel      string
	IndexDimensions int
	// IndexOptional leaves an index that does not fit (another metric or
	// dimension) unused, with a warning, instead of refusing to open: the
	// hybrid backend, whose local model may not be the index's, searches
	// locally anyway.
	IndexOptional bool
	// R2Bucket receives content larger than LargeContent bytes; empty
	// means such content is refused with ETooLarge.
	R2Bucket     string
	LargeContent int

	// BaseURL is the API root; empty means DefaultBaseURL. Tests point it
	// at the emulator in cfemu.
	BaseURL    string
	HTTPClient *http.Client
	// MaxRetries, BaseDelay and MaxDelay shape the retries of a call;
	// Timeout bounds each attempt. Zero means the defaults.
	MaxRetries          int
	BaseDelay, MaxDelay time.Duration
	Timeout             time.Duration
	// MaxRetryWait is the longest Retry-After a call waits through.
	MaxRetryWait time.Duration
	// RequestsPerSecond paces calls (burst of ten times that); zero means
	// DefaultRequestsPerSecond, negative means no pacing.
	RequestsPerSecond float64
	// ExactCandidates: see DefaultExactCandidates; negative means always
	// ask Vectorize when it is configured.
	ExactCandidates int

	Logger *slog.Logger
	// Now is the clock of revisions; nil means time.Now.
	Now func() time.Time
}

// newClient builds the API client of c.
func (c Config) newClient() *client {
	cl := &client{
		base: strings.TrimRight(c.BaseURL, "/"), account: c.AccountID, token: c.APIToken,
		http: c.HTTPClient, maxRetries: c.MaxRetries, baseDelay: c.BaseDelay, maxDelay: c.MaxDelay,
		maxRetryWait: c.MaxRetryWait, timeout: c.Timeout, log: c.Logger, sleep: sleepCtx,
	}
	if cl.base == "" {
		cl.base = DefaultBaseURL
	}
	if cl.http == nil {
		cl.http = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 10, IdleConnTimeout: 90 * time.Second}}
	}
	if cl.maxRetries == 0 {
		cl.maxRetries = DefaultMaxRetries
	}
	if cl.maxRetries < 0 {
		cl.maxRetries = 0
	}
	if cl.baseDelay <= 0 {
		cl.baseDelay = DefaultBaseDelay
	}
	if cl.maxDelay <= 0 {
		cl.maxDelay = DefaultMaxDelay
	}
	if cl.maxRetryWait <= 0 {
		cl.maxRetryWait = DefaultMaxRetryWait
	}
	if cl.timeout == 0 {
		cl.timeout = DefaultTimeout
	}
	if cl.log == nil {
		cl.log = slog.New(slog.DiscardHandler)
	}
	switch rps := c.RequestsPerSecond; {
	case rps == 0:
		cl.limiter = rate.NewLimiter(DefaultRequestsPerSecond, 10*DefaultRequestsPerSecond)
	case rps > 0:
		cl.limiter = rate.NewLimiter(rate.Limit(rps), max(1, int(10*rps)))
	}
	return cl
}

// check reports the first missing required setting.
func (c Config) check() error {
	for _, f := range []struct {
		s  Setting
		ok bool
	}{
		{SettingToken, strings.TrimSpace(c.APIToken) != ""},
		{SettingAccount, strings.TrimSpace(c.AccountID) != ""},
		{SettingD1, strings.TrimSpace(c.D1Database) != ""},
	} {
		if !f.ok {
			return &SetupError{Setting: f.s, Msg: "not set"}
		}
	}
	if c.LargeContent > 900_000 {
		return &SetupError{Setting: SettingThreshold, Msg: fmt.Sprintf("%d bytes is above what a D1 row holds with its folded copy (900000)", c.LargeContent)}
	}
	return nil
}

// Store is a memory.Store on one Cloudflare account. Create it with New and
// call Open; all methods are safe for concurrent use after Open.
type Store struct {
	cfg Config
	c   *client
	log *slog.Logger

	mu        sync.Mutex
	dims      map[string]int // embedding model → dimension, once recorded
	indexDim  int            // dimension of the Vectorize index; 0 if none
	lastSize  int64          // D1's size_after of the last statement
	infoAt    time.Time      // when info was read
	info      indexInfo      // the index's processing state
	indexing  sync.Mutex     // one index maintenance at a time
	closeOnce sync.Once

	opening sync.Mutex // held while opening
	opened  bool
}

// New returns a store for cfg. Nothing is contacted until Open.
func New(cfg Config) *Store {
	if cfg.LargeContent <= 0 {
		cfg.LargeContent = DefaultLargeContent
	}
	if cfg.ExactCandidates == 0 {
		cfg.ExactCandidates = DefaultExactCandidates
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Store{cfg: cfg, log: cfg.Logger, dims: map[string]int{}}
}

// Open checks the configuration against the account: the token and the D1
// database (creating the schema in an empty one), the Vectorize index (its
// metric, dimension and metadata indexes) and the R2 bucket. It returns a
// *SetupError naming the setting to fix when one is missing, refused or
// does not fit, and changes nothing in that case.
//
// If Open fails because Cloudflare does not answer (see Unreachable), the
// store may still be used: every method first tries to finish opening, and
// fails the same way until Cloudflare answers. A hybrid store relies on
// this to start offline.
func (s *Store) Open(ctx context.Context) error { return s.ready(ctx) }

// ready opens the store if it is not open yet.
func (s *Store) ready(ctx context.Context) error {
	s.opening.Lock()
	defer s.opening.Unlock()
	if s.opened {
		return nil
	}
	if err := s.cfg.check(); err != nil {
		return err
	}
	if s.c == nil {
		s.c = s.cfg.newClient()
	}
	if err := s.openD1(ctx); err != nil {
		return err
	}
	if s.cfg.VectorizeIndex != "" {
		if err := s.openIndex(ctx); err != nil {
			return err
		}
	}
	if s.cfg.R2Bucket != "" {
		if err := s.openBucket(ctx); err != nil {
			return err
		}
	}
	s.opened = true
	// Bring Vectorize up to date with writes that never reached it.
	if err := s.reindex(ctx, 1000); err != nil {
		s.log.Warn("vectorize is behind D1; searches score the affected memories exactly", "err", err)
	}
	return nil
}

// Unreachable reports whether err means that Cloudflare did not answer or
// answered that it cannot serve now (network error, 5xx, 429), as opposed
// to refusing the configuration: trying later may work.
func Unreachable(err error) bool {
	var se *SetupError
	if errors.As(err, &se) {
		return se.Setting == SettingBaseURL
	}
	var ae *APIError
	return memory.ErrorCode(err) == memory.EUnavailable || (errors.As(err, &ae) && ae.Temporary())
}

// Close releases idle connections. Methods must not be called after it.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.c != nil {
			s.c.http.CloseIdleConnections()
		}
	})
	return nil
}

// setupError turns a failed call made while opening into a SetupError for
// the setting it concerns.
func setupError(err error, setting Setting, what string) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch {
	case ae.Auth():
		return &SetupError{Setting: SettingToken, Msg: "Cloudflare refused the API token for " + what + " (check the token and that it has that permission)", Err: ae}
	case ae.Status == http.StatusNotFound:
		return &SetupError{Setting: setting, Msg: what + " was not found in the account (check it and the account id)", Err: ae}
	case ae.Status == 0:
		return &SetupError{Setting: SettingBaseURL, Msg: "Cloudflare's API cannot be reached (check the network, and the API address if you set one)", Err: ae}
	}
	return err
}

// now is the clock.
func (s *Store) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// opID returns a new id for a write call.
func opID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// schemaVersion is the D1 schema this package creates and reads.
const schemaVersion = 1

//go:embed migrations/*.sql
var migrations embed.FS

// openD1 checks the database and creates the schema in an empty one.
func (s *Store) openD1(ctx context.Context) error {
	for attempt := 0; attempt < 3; attempt++ {
		t, _, err := s.d1Query(ctx, "read schema version", q("SELECT value FROM mms_meta WHERE key = 'schema_version'"))
		switch {
		case err == nil:
			v := 0
			if len(t.Rows) == 1 {
				v, _ = strconv.Atoi(colString(t.Rows[0][0]))
			}
			if v > schemaVersion {
				return &SetupError{Setting: SettingD1, Msg: fmt.Sprintf("the database has schema version %d, newer than this program's %d: upgrade the program", v, schemaVersion)}
			}
			if v < 1 {
				return &SetupError{Setting: SettingD1, Msg: "the database has no schema version: it was not created by this program"}
			}
			return s.loadModels(ctx)
		case sqlError(err, "no such table"):
			empty, err := s.checkEmpty(ctx)
			if err != nil {
				return err
			}
			if !empty {
				continue // another process created the schema meanwhile
			}
			if err := s.createSchema(ctx); err != nil && !sqlError(err, "already exists") {
				return err
			}
			// Created, or another process created it first: read again.
		default:
			return setupError(err, SettingD1, "the D1 database "+s.cfg.D1Database)
		}
	}
	return &SetupError{Setting: SettingD1, Msg: "the schema could not be created"}
}

// checkEmpty reports whether the database has no table. It refuses a
// database holding tables of something else, such as upstream's
// memories/tags schema, rather than mixing two schemas; one holding this
// program's schema (created by another process since the version was read)
// is not empty.
func (s *Store) checkEmpty(ctx context.Context) (bool, error) {
	t, _, err := s.d1Query(ctx, "list tables", q(`SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' ORDER BY name`))
	if err != nil {
		return false, setupError(err, SettingD1, "the D1 database "+s.cfg.D1Database)
	}
	if len(t.Rows) == 0 {
		return true, nil
	}
	var names []string
	for _, r := range t.Rows {
		if colString(r[0]) == "mms_meta" {
			return false, nil
		}
		names = append(names, colString(r[0]))
	}
	return false, &SetupError{Setting: SettingD1, Msg: fmt.Sprintf("the database holds tables this program did not create (%s); give it an empty D1 database",
		memory.Clip(strings.Join(names, ", "), 120))}
}

// createSchema applies the migrations as one batch.
func (s *Store) createSchema(ctx context.Context) error {
	b, err := migrations.ReadFile("migrations/0001_init.sql")
	if err != nil {
		return err
	}
	_, _, err = s.d1Query(ctx, "create schema", q(string(b)))
	if err != nil {
		return err
	}
	s.log.Info("created the memory schema in D1", "database", s.cfg.D1Database)
	return nil
}

// loadModels reads the recorded embedding model dimensions.
func (s *Store) loadModels(ctx context.Context) error {
	t, _, err := s.d1Query(ctx, "read models", q("SELECT model, dim FROM embedding_models"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range t.Rows {
		s.dims[colString(r[0])] = int(colInt(r[1]))
	}
	return nil
}

// Check reads the schema version from D1 and, when configured, the state of
// the Vectorize index; it returns an error describing what does not
// answer.
func (s *Store) Check(ctx context.Context) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if _, _, err := s.d1Query(ctx, "check", q("SELECT value FROM mms_meta WHERE key = 'schema_version'")); err != nil {
		return fmt.Errorf("check d1: %w", err)
	}
	if s.cfg.VectorizeIndex != "" {
		if _, err := s.indexState(ctx, true); err != nil {
			return fmt.Errorf("check vectorize: %w", err)
		}
	}
	return nil
}
