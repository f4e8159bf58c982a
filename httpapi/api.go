// Package httpapi is the REST API of the memory service under /api:
// memories, search, management, analytics, server-sent events, health, an
// OpenAPI 3.1 document and an HTML reference page, all generated from one
// route table (API.Routes).
//
// Handlers are thin: they decode the request, call memory.Service with the
// request's context and encode the answer. Authentication happens outside
// this package: a middleware puts the caller's auth.Principal (and with it
// the memory owner) into the request context; this package checks each
// route's scope, limits and decodes bodies, and sends every error through
// httperror.Write.
//
// Wiring, in the daemon:
//
//	api := httpapi.New(svc)
//	svc.OnEvent = api.Publish // events of every transport reach the streams
//	mux.Handle("/api/", authMiddleware(api.Handler()))
//	srv.RegisterOnShutdown(api.Close)
//
// Where this API differs from upstream's on purpose: validation errors are
// 400 (not FastAPI's 422) with the error body of httperror; DELETE of an
// unknown hash is 404 (upstream: 200); bulk delete by type and by time
// works (upstream: 501); search takes tag, type and time filters; similar
// search works. Kept for upstream's clients: POST /api/memories (and
// /api/sessions) answer a duplicate with 200, success false and error
// "conflict", not 409.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/httperror"
	"github.com/mcp-memory-go/memory/ingest"
)

// Defaults applied by New (and to zero fields at use).
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultHeartbeat    = 30 * time.Second
)

// API serves the REST API. Construct it with New, adjust the exported
// fields before calling Handler, and call Close on shutdown to end the event
// streams.
type API struct {
	// Service does the work. Required.
	Service *memory.Service
	// Auth issues event-stream tickets (Auth.Tickets); nil, or nil Tickets,
	// disables POST /api/events/ticket (503). Authentication itself is done
	// by the caller's middleware.
	Auth *auth.Authenticator
	// Logger receives internal errors (never sent to clients); nil
	// discards them.
	Logger *slog.Logger
	// Version and Backend are reported by the detailed health and analytics
	// routes; empty means the Service's.
	Version string
	Backend string
	// MaxBodyBytes limits request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Heartbeat is the interval of SSE heartbeat events; 0 means
	// DefaultHeartbeat.
	Heartbeat time.Duration
	// IncludeHostname (MCP_MEMORY_INCLUDE_HOSTNAME) tags stored memories
	// with source:<host>, the host being the request's client_hostname, its
	// X-Client-Hostname header or this server's host name.
	IncludeHostname bool
	// Documents runs document uploads; nil answers the /api/documents
	// routes with 503.
	Documents *ingest.Manager
	// Consolidator runs consolidation (/api/consolidation/*); nil answers
	// those routes with 503. The archive, quality, conflict and graph
	// routes need only the Service.
	Consolidator *consolidate.Consolidator
	// MaxUploadBytes limits the body of an upload request; 0 means
	// DefaultMaxUploadBytes. The daemon's general body limit must let
	// these routes through (see UploadPath).
	MaxUploadBytes int64
	// Backups makes and lists the server's backups; nil answers
	// /api/backup/now and /list with 503 and BackupsOff as the reason
	// (another storage backend backs itself up).
	Backups    Backups
	BackupsOff string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sync controls hybrid sync (the /api/sync routes); nil for backends
	// that do not sync.
	Sync Syncer

	once       sync.Once
	mux        atomic.Pointer[http.ServeMux]
	events     *hub
	snapshots  *snapshotCache
	healthMemo healthMemo
}

// New returns an API over svc with the defaults set.
func New(svc *memory.Service) *API {
	return &API{
		Service:      svc,
		Logger:       slog.New(slog.DiscardHandler),
		MaxBodyBytes: DefaultMaxBodyBytes,
		Heartbeat:    DefaultHeartbeat,
		Now:          time.Now,
	}
}

// init creates the event hub and the analytics cache on first use, so that
// an API built as a struct literal works too.
func (a *API) init() {
	a.once.Do(func() {
		a.events = newHub()
		a.snapshots = newSnapshotCache()
	})
}

// Handler returns the API's handler: an http.ServeMux with every route of
// Routes, each wrapped to check its scope, validate its query parameters
// and, for routes with a JSON body, the Content-Type (415) and the body
// size (413). Any other path under /api/ is a JSON 404, and a known path
// with the wrong method a JSON 405. Mount it at "/api/".
func (a *API) Handler() http.Handler {
	a.init()
	mux := http.NewServeMux()
	for _, rt := range a.Routes() {
		mux.Handle(rt.Method+" "+rt.Path, a.wrap(rt))
	}
	mux.Handle("/api/", a.unrouted(mux))
	a.mux.Store(mux)
	return mux
}

// Pattern returns the route pattern that r matches ("GET
// /api/memories/{content_hash}"), "" when none does or Handler was never
// called: a low-cardinality name for metrics.
func (a *API) Pattern(r *http.Request) string {
	mux := a.mux.Load()
	if mux == nil {
		return ""
	}
	_, p := mux.Handler(r)
	if p == "/api/" {
		return ""
	}
	return p
}

// wrap applies the route's checks and sends any error through httperror.
func (a *API) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.serve(rt, w, r); err != nil {
			httperror.Write(w, r, a.logger(), err)
		}
	})
}

// serve checks scope, query and body framing, then runs the route. It
// returns an error only before anything was written.
func (a *API) serve(rt Route, w http.ResponseWriter, r *http.Request) error {
	if rt.Scope != "" {
		if err := auth.Check(auth.FromContext(r.Context()), rt.Scope); err != nil {
			return err
		}
	}
	q, err := parseParams(rt.Params, r)
	if err != nil {
		return err
	}
	ctx := memory.WithProvenance(r.Context(), memory.Provenance{Via: "rest", Client: r.Header.Get("X-Agent-ID"),
		Credential: auth.FromContext(r.Context()).Credential()})
	r = r.WithContext(context.WithValue(ctx, paramsKey{}, q))
	if rt.Body != nil {
		if err := requireJSON(r); err != nil {
			return err
		}
		limit := a.maxBody()
		if r.ContentLength > limit {
			return tooLarge(limit)
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	return rt.serve(w, r)
}

// unrouted answers paths no route matches: 405 with Allow when another
// method has a route there, 404 otherwise.
func (a *API) unrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
			probe := *r
			probe.Method = m
			if _, pattern := mux.Handler(&probe); pattern != "" && pattern != "/api/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			e := httperror.New(http.StatusMethodNotAllowed, httperror.EMethod, "this method is not allowed here; use %s", strings.Join(allow, " or "))
			e.Header = http.Header{"Allow": {strings.Join(allow, ", ")}}
			httperror.Write(w, r, a.logger(), e)
			return
		}
		httperror.Write(w, r, a.logger(), memory.Errorf(memory.ENotFound, "no such endpoint; see /api/docs"))
	})
}

// UploadPath reports whether r is an upload, whose body may be as large as
// MaxUploadBytes rather than MaxBodyBytes.
func UploadPath(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/api/documents/upload" || r.URL.Path == "/api/documents/batch-upload")
}

// MaxUpload is the body limit of upload requests.
func (a *API) MaxUpload() int64 { return a.maxUpload() }

func (a *API) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}

func (a *API) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

func (a *API) maxBody() int64 {
	if a.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return a.MaxBodyBytes
}

func (a *API) heartbeat() time.Duration {
	if a.Heartbeat <= 0 {
		return DefaultHeartbeat
	}
	return a.Heartbeat
}

func (a *API) version() string {
	if a.Version != "" {
		return a.Version
	}
	return a.Service.Version
}

func (a *API) backend() string {
	switch {
	case a.Backend != "":
		return a.Backend
	case a.Service.Backend != "":
		return a.Service.Backend
	}
	return "unknown"
}
