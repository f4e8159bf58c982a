// Package daemon assembles the HTTP server of `memory server --http`: the
// REST API, MCP over streamable HTTP at /mcp, events, metrics, and the
// security middleware around all of them, and runs it with TLS and a
// graceful shutdown.
package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/backup"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/httpapi"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/mcp-memory-go/memory/mcpserver"
	"github.com/mcp-memory-go/memory/mdns"
	"github.com/mcp-memory-go/memory/metrics"
	"github.com/mcp-memory-go/memory/oauth"
)

// Config is how the daemon serves. Zero fields take the documented defaults.
type Config struct {
	// Addr is host:port to listen on; default 127.0.0.1:8000.
	Addr string
	// TLSCert and TLSKey are PEM files; both set means HTTPS.
	TLSCert, TLSKey string
	// AllowedHosts are host names accepted in the Host header besides the
	// loopback names (DNS-rebinding protection).
	AllowedHosts []string
	// AllowedOrigins are browser origins allowed cross-origin (CORS); the
	// server's own origin is always allowed. Never "*".
	AllowedOrigins []string
	// MaxBodyBytes limits request bodies; default 1 MiB.
	MaxBodyBytes int64
	// RateLimit is requests per second per client (key or IP) with a burst
	// of RateBurst; defaults 50/s and 100. Negative disables.
	RateLimit float64
	RateBurst int
	// Heartbeat is the SSE heartbeat interval; default 30 s.
	Heartbeat time.Duration
	// ShutdownTimeout bounds the wait for in-flight requests; default 30 s.
	ShutdownTimeout time.Duration
	// IncludeHostname tags memories stored over REST with source:<host>
	// (upstream's MCP_MEMORY_INCLUDE_HOSTNAME).
	IncludeHostname bool
	// OAuth, if set, is the authorization server: its endpoints are served,
	// its access tokens accepted, and the dashboard logs in through it.
	OAuth *oauth.Server
	// Documents, if set, runs document uploads (/api/documents/*); the
	// daemon runs it while it serves and publishes its progress as
	// upload_progress events.
	Documents *ingest.Manager
	// MaxUploadBytes limits upload requests; 0 means
	// httpapi.DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// Consolidator, if set, serves /api/consolidation/* and
	// memory_consolidate (MCP.Consolidator defaults to it).
	Consolidator *consolidate.Consolidator
	// Backups, if set, makes the database's backups: on request
	// (/api/backup/now) and, when its schedule is on, while the daemon
	// serves. Nil answers the backup routes with BackupsOff as the reason.
	Backups    *backup.Manager
	BackupsOff string
	// MDNS, if set, is advertised on the local network while the daemon
	// serves (its Port is the listener's); nil advertises nothing.
	MDNS *mdns.Service
	// Sync controls hybrid sync for the /api/sync routes; nil when the
	// backend does not sync.
	Sync httpapi.Syncer
	// MCP holds the options of the MCP server at /mcp.
	MCP     mcpserver.Options
	Version string
	Backend string
	Logger  *slog.Logger
}

func (c *Config) defaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8000"
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.RateLimit == 0 {
		c.RateLimit = 50
	}
	if c.RateBurst == 0 {
		c.RateBurst = 100
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = 30 * time.Second
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Daemon is the assembled HTTP server.
type Daemon struct {
	cfg     Config
	svc     *memory.Service
	auth    *auth.Authenticator
	api     *httpapi.API
	metrics *metrics.Metrics
	handler http.Handler
	origins guard.OriginList
	// streams ends long-lived streams (SSE) when shutdown begins.
	streams    context.Context
	endStreams context.CancelFunc
}

// New assembles the daemon over svc. It refuses a configuration that would
// expose memories: a non-loopback address without any way to authenticate,
// or with anonymous access.
func New(ctx context.Context, svc *memory.Service, a *auth.Authenticator, cfg Config) (*Daemon, error) {
	cfg.defaults()
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("TLS needs both a certificate and a key (--tls-cert and --tls-key)")
	}
	if !guard.IsLoopback(cfg.Addr) {
		switch {
		case a.Anonymous:
			return nil, fmt.Errorf("refusing to serve %s with anonymous access: bind 127.0.0.1, or turn MCP_ALLOW_ANONYMOUS_ACCESS off", cfg.Addr)
		case !a.Enabled(ctx) && cfg.OAuth == nil:
			return nil, fmt.Errorf("refusing to serve %s without authentication: create a key with `memory keys create -name NAME` or set MCP_API_KEY, or bind 127.0.0.1", cfg.Addr)
		}
	}
	origins, err := guard.ParseOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	d := &Daemon{cfg: cfg, svc: svc, auth: a, origins: origins}
	if a.OnFailure == nil {
		// Failed logins and bad keys: 10 at once, then one a second per
		// address, to slow down guessing.
		failures := guard.NewRateLimiter(1, 10)
		a.OnFailure = func(r *http.Request) error {
			if ok, wait := failures.Allow(guard.IPKey(r, false)); !ok {
				return guard.TooManyRequests(wait)
			}
			return nil
		}
	}
	if a.Sessions == nil {
		a.Sessions = auth.NewSessions()
	}
	if cfg.OAuth != nil && a.Tokens == nil {
		a.Tokens = cfg.OAuth
	}
	d.streams, d.endStreams = context.WithCancel(context.Background())
	d.metrics = metrics.New(svc)
	if svc.Embedder != nil {
		svc.Embedder = d.metrics.Embedder(svc.Embedder)
	}
	d.api = httpapi.New(svc)
	d.api.Auth, d.api.Logger, d.api.Version, d.api.Backend = a, cfg.Logger, cfg.Version, cfg.Backend
	d.api.MaxBodyBytes, d.api.Heartbeat, d.api.IncludeHostname = cfg.MaxBodyBytes, cfg.Heartbeat, cfg.IncludeHostname
	d.api.Documents, d.api.MaxUploadBytes = cfg.Documents, cfg.MaxUploadBytes
	d.api.Consolidator = cfg.Consolidator
	if d.cfg.MCP.Consolidator == nil {
		d.cfg.MCP.Consolidator = cfg.Consolidator
	}
	d.api.Sync = cfg.Sync
	if cfg.Backups != nil {
		d.api.Backups = cfg.Backups
	}
	d.api.BackupsOff = cfg.BackupsOff
	if m := cfg.Documents; m != nil {
		prevChange := m.OnChange
		m.OnChange = func(u ingest.Upload) {
			if prevChange != nil {
				prevChange(u)
			}
			svc.Announce(memory.Event{Type: memory.EventUpload, Owner: u.Owner, Data: u})
		}
	}
	prev := svc.OnEvent
	svc.OnEvent = func(e memory.Event) {
		if prev != nil {
			prev(e)
		}
		d.api.Publish(e)
		d.metrics.ObserveEvent(e)
	}
	if d.handler, err = d.routes(); err != nil {
		return nil, err
	}
	return d, nil
}

// Handler returns the whole HTTP handler (for tests and embedding).
func (d *Daemon) Handler() http.Handler { return d.handler }

// ListenAndServe listens on the configured address and serves until ctx is
// done, then shuts down gracefully: no new connections, event streams
// closed, in-flight requests (writes included) finished.
func (d *Daemon) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", d.cfg.Addr)
	if err != nil {
		return err
	}
	return d.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done (see ListenAndServe).
func (d *Daemon) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           d.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(d.cfg.Logger.Handler(), slog.LevelDebug),
	}
	scheme := "http"
	if d.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(d.cfg.TLSCert, d.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("loading the TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		scheme = "https"
	}
	if m := d.cfg.Documents; m != nil {
		// Uploads run while the daemon serves; shutdown lets the file
		// being read finish, and a restart resumes the rest.
		mctx, stopUploads := context.WithCancel(context.Background())
		uploadsDone := make(chan struct{})
		go func() {
			defer close(uploadsDone)
			if err := m.Run(mctx); err != nil {
				d.cfg.Logger.Error("document uploads stopped", "err", err)
			}
		}()
		defer func() { stopUploads(); <-uploadsDone }()
	}
	if m := d.cfg.Backups; m != nil {
		stop := d.runBackground("backup scheduler", m.Run)
		defer stop()
	}
	if d.cfg.MDNS != nil {
		if r := d.responder(ln.Addr(), scheme); r != nil {
			stop := d.runBackground("mDNS responder", r.Run)
			defer stop()
		}
	}
	srv.RegisterOnShutdown(d.endStreams)
	srv.RegisterOnShutdown(d.api.Close) // event streams whatever their Accept header
	d.cfg.Logger.Info("serving HTTP", "url", scheme+"://"+ln.Addr().String(), "mcp", scheme+"://"+ln.Addr().String()+"/mcp")
	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	d.cfg.Logger.Info("shutting down: finishing in-flight requests", "timeout", d.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), d.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
