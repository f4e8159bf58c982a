package daemon

import (
	"context"
	"net/http"
	"strings"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/dashboard"
	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/httpapi"
	"github.com/mcp-memory-go/memory/httperror"
)

// routes builds the handler: every path behind the same middleware, outer
// first: panic recovery, access log and metrics, security headers, Host
// and Origin checks (DNS rebinding), CORS, the body limit, authentication
// (bad credentials end here), the per-client rate limit, then the routes,
// each of which checks its own scope.
func (d *Daemon) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	if d.cfg.OAuth != nil {
		if err := d.mountOAuth(mux); err != nil {
			return nil, err
		}
	}
	mux.Handle("/api/", d.api.Handler())
	mux.Handle("/api", http.RedirectHandler("/api/docs", http.StatusFound))
	mcpH := d.mcpHandler()
	mux.Handle("/mcp", mcpH)
	mux.Handle("/mcp/", mcpH)
	// Upstream's REST-side MCP endpoints, still used by its Claude Code hooks.
	mux.HandleFunc("GET /mcp/health", func(w http.ResponseWriter, r *http.Request) {
		httperror.WriteJSON(w, http.StatusOK, map[string]string{"status": "healthy"})
	})
	mux.Handle("GET /mcp/tools", d.requireScope(auth.ScopeRead, d.toolList(mcpH)))
	// Where upstream serves its OpenAPI document and second docs page.
	mux.Handle("GET /openapi.json", http.RedirectHandler("/api/openapi.json", http.StatusMovedPermanently))
	mux.Handle("GET /api/redoc", http.RedirectHandler("/api/docs", http.StatusMovedPermanently))
	// Metrics count every user's memories: administration, not a user's view.
	mux.Handle("GET /metrics", d.requireScope(auth.ScopeAdmin, d.metrics.Handler()))
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		httperror.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	// The dashboard: its page and its embedded assets.
	dash := dashboard.Handler()
	mux.Handle("GET /{$}", dash)
	mux.Handle("GET /index.html", dash)
	mux.Handle("GET /assets/", dash)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httperror.Write(w, r, nil, httperror.New(http.StatusNotFound, "not_found", "no such path; the API is described at /api/docs"))
	})

	h := d.recordRoute(mux)
	if d.cfg.RateLimit > 0 {
		h = guard.NewRateLimiter(d.cfg.RateLimit, d.cfg.RateBurst).Middleware(clientKey)(h)
	}
	inner := guard.Chain(h, d.bodyLimit, d.withChallenge, d.authenticate)
	checked := guard.Chain(inner, guard.Origins(d.origins), guard.CORS(d.origins))
	return guard.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isMetadata(r) {
			inner.ServeHTTP(w, r) // public documents: any origin may read them
			return
		}
		checked.ServeHTTP(w, r)
	}),
		guard.Recover(d.cfg.Logger),
		guard.AccessLog(d.cfg.Logger),
		withRouteLabel,
		d.metrics.Middleware(routeLabel),
		d.endOnShutdown,
		guard.NewHeaders().Middleware,
		guard.Hosts(d.cfg.Addr, d.cfg.AllowedHosts),
	), nil
}

// bodyLimit bounds request bodies: uploads to their own, larger limit,
// everything else to MaxBodyBytes.
func (d *Daemon) bodyLimit(next http.Handler) http.Handler {
	general := guard.BodyLimit(d.cfg.MaxBodyBytes)(next)
	uploads := guard.BodyLimit(d.api.MaxUpload())(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if httpapi.UploadPath(r) {
			uploads.ServeHTTP(w, r)
			return
		}
		general.ServeHTTP(w, r)
	})
}

// authenticate puts the caller's principal into the request context.
// Requests with bad credentials are refused here; requests without any go
// on, and each route decides whether it needs one. Failed attempts are
// rate-limited per address to slow down guessing.
func (d *Daemon) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/oauth/") {
			// The authorization server authenticates its own callers
			// (client secrets in Basic auth, registration keys).
			next.ServeHTTP(w, r)
			return
		}
		ticketOK := r.Method == http.MethodGet && r.URL.Path == "/api/events"
		p, err := d.auth.Authenticate(r, ticketOK)
		if err != nil {
			httperror.Write(w, r, d.cfg.Logger, err)
			return
		}
		if p != nil {
			guard.SetClient(r.Context(), p.ID())
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// requireScope guards a handler outside the REST route table.
func (d *Daemon) requireScope(scope string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Check(auth.FromContext(r.Context()), scope); err != nil {
			httperror.Write(w, r, d.cfg.Logger, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// clientKey identifies the client for rate limits: its key, else its address.
func clientKey(r *http.Request) string { return guard.ClientKey(r, false) }

// The route of a request, for metrics: middleware outside the mux replaces
// the request, so the pattern the mux matched is passed out through a
// holder in the context. Requests refused before routing (bad Host, bad
// credentials, rate limit) are labelled "refused"; no raw path is ever a
// label.
type routeKey struct{}

func withRouteLabel(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), routeKey{}, new(string))))
	})
}

// recordRoute names the route before mux serves it: the REST API's own
// pattern under /api/, else the pattern of mux.
func (d *Daemon) recordRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if holder, ok := r.Context().Value(routeKey{}).(*string); ok {
			_, *holder = mux.Handler(r)
			if *holder == "/api/" {
				*holder = d.api.Pattern(r)
			}
		}
		mux.ServeHTTP(w, r)
	})
}

func routeLabel(r *http.Request) string {
	if holder, ok := r.Context().Value(routeKey{}).(*string); ok && *holder != "" {
		return *holder
	}
	return "refused"
}

// endOnShutdown ends event streams (GET requests that accept
// text/event-stream) when shutdown begins, so they do not hold it up;
// every other request runs to completion.
func (d *Daemon) endOnShutdown(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			ctx, cancel := context.WithCancel(r.Context())
			stop := context.AfterFunc(d.streams, cancel)
			defer stop()
			defer cancel()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}
