package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/bridge"
	"github.com/mcp-memory-go/memory/daemon"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/mcp-memory-go/memory/mcpserver"
	"github.com/mcp-memory-go/memory/oauth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// cmdServer runs the MCP server over stdio until the client closes stdin;
// with --http the HTTP daemon instead, and with --connect a stdio bridge to
// a running daemon. Stdout carries only protocol messages; logs go to
// stderr.
func cmdServer(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	resumeGC := startupGC()
	defer resumeGC()
	hc, err := loadHTTPConfig(getenv)
	if err != nil {
		return err
	}
	ic, err := loadIngestConfig(getenv)
	if err != nil {
		return err
	}
	oc, err := loadOpsConfig(getenv)
	if err != nil {
		return err
	}
	var httpMode bool
	cfg, _, err := parseConfig("server", args, stderr, getenv, func(fs *flagSet) {
		fs.BoolVar(&httpMode, "http", false, "run the HTTP daemon: REST API, MCP at /mcp, events, metrics")
		hc.addFlags(fs.FlagSet)
		oc.addBackupDirFlag(fs.FlagSet)
	})
	if err != nil {
		return err
	}
	if err := hc.check(); err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	if hc.Connect != "" {
		if httpMode {
			return fmt.Errorf("--http and --connect exclude each other: a daemon serves, a bridge connects to one")
		}
		resumeGC()
		return serveBridge(ctx, hc, stdin, stdout, log)
	}
	cfg.role = "mcp"
	if httpMode {
		cfg.role = "http"
	}
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	defer a.startScheduler(ctx)()
	docs, roots, err := ic.open(a)
	if err != nil {
		return err
	}
	if roots != nil {
		defer roots.Close()
	}
	if httpMode {
		resumeGC()
		return serveHTTP(ctx, a, hc, oc, docs, roots, stderr)
	}
	srv := mcpserver.New(a.svc, mcpserver.Options{
		Version: version, Logger: a.log,
		ListLegacyTools: a.cfg.ListLegacyTools, MaxResponseChars: a.cfg.MaxResponseChars,
		OnInitialized: a.warmUp, Ingest: docs, IngestRoots: roots, Consolidator: a.cons,
		OnToolsRegistered: resumeGC,
	})
	a.log.Info("serving MCP over stdio", "db", a.where())
	return srv.Run(ctx, &mcp.IOTransport{Reader: readCloser{stdin}, Writer: writeCloser{stdout}})
}

// serveHTTP runs the daemon until ctx is done.
func serveHTTP(ctx context.Context, a *app, hc *HTTPConfig, oc *OpsConfig, docs *ingest.Manager, roots *ingest.Roots, stderr io.Writer) error {
	accounts := &auth.Accounts{Store: a.store}
	authn := &auth.Authenticator{
		Keys: a.store, BootstrapKey: hc.APIKey, Anonymous: hc.Anonymous,
		Tickets: auth.NewTickets(), Users: accounts, Logger: a.log,
	}
	ln, err := net.Listen("tcp", hc.Addr())
	if err != nil {
		return err
	}
	scheme := "http"
	if hc.TLSCert != "" {
		scheme = "https"
	}
	base := scheme + "://" + ln.Addr().String()
	var as *oauth.Server
	if hc.OAuth {
		if as, err = newOAuthServer(a, hc, accounts, publicBase(scheme, ln.Addr())); err != nil {
			ln.Close()
			return err
		}
	}
	backups, err := oc.backups(a)
	var backupsOff string
	if err != nil {
		backupsOff, backups = err.Error(), nil
	}
	d, err := daemon.New(ctx, a.svc, authn, daemon.Config{
		Backups: backups, BackupsOff: backupsOff, MDNS: oc.mdnsService(),
		Addr: hc.Addr(), TLSCert: hc.TLSCert, TLSKey: hc.TLSKey,
		AllowedHosts: hc.AllowedHosts, AllowedOrigins: hc.CORSOrigins,
		MaxBodyBytes: hc.MaxBodyBytes, RateLimit: rateOrOff(hc.RateLimit), RateBurst: hc.RateBurst,
		Heartbeat: hc.Heartbeat, IncludeHostname: hc.IncludeHost, Version: version, Backend: a.svc.Backend, Logger: a.log,
		OAuth: as, Documents: docs, Sync: a.syncControl(), Consolidator: a.cons,
		MCP: mcpserver.Options{ListLegacyTools: a.cfg.ListLegacyTools, MaxResponseChars: a.cfg.MaxResponseChars,
			Ingest: docs, IngestRoots: roots},
	})
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stderr, "memory %s: serving %s (MCP at %s/mcp, API docs at %s/api/docs) on %s\n", version, base, base, base, a.where())
	if backups != nil && backups.Scheduled {
		fmt.Fprintf(stderr, "memory: %s backups to %s (kept %d days, at most %d; MCP_BACKUP_*)\n", backups.Interval, backups.Dir,
			int(backups.Retention.Hours()/24), backups.MaxCount)
	}
	if as != nil {
		fmt.Fprintf(stderr, "memory: OAuth 2.1 is on: issuer %s; users log in with `memory users add NAME` accounts\n", as.Issuer())
		go rotateKeys(ctx, as, hc.OAuthKeyMaxAge, a.log)
	}
	switch {
	case hc.Anonymous:
		fmt.Fprintln(stderr, "memory: anonymous access is on (MCP_ALLOW_ANONYMOUS_ACCESS): any local process can read and write memories")
	case !authn.Enabled(ctx) && as == nil:
		fmt.Fprintln(stderr, "memory: no API key exists yet, so every request but /api/health gets 401. Create one with `memory keys create -name NAME`, or set MCP_API_KEY")
	}
	go a.warmUp(ctx)
	return d.Serve(ctx, ln)
}

// newOAuthServer builds the authorization server: issuer MCP_OAUTH_ISSUER
// or the address served, the MCP endpoint as the protected resource, and
// signing keys kept in the data directory.
func newOAuthServer(a *app, hc *HTTPConfig, users *auth.Accounts, base string) (*oauth.Server, error) {
	issuer := hc.OAuthIssuer
	if issuer == "" {
		issuer = base
	}
	keyFile := hc.OAuthKeyFile
	if keyFile == "" {
		keyFile = filepath.Join(a.cfg.BaseDir, "oauth-keys.json")
	}
	return oauth.New(oauth.Config{
		Issuer: issuer, Resource: issuer + "/mcp", Store: a.store, Users: users, KeyFile: keyFile,
		AccessTTL: hc.OAuthAccessTTL, RefreshTTL: hc.OAuthRefreshTTL, CodeTTL: hc.OAuthCodeTTL,
		RegistrationKey: hc.DCRKey, Logger: a.log,
	})
}

// rotateKeys replaces the OAuth signing key when it is older than maxAge,
// checking hourly; tokens signed by the old key stay valid until they
// expire.
func rotateKeys(ctx context.Context, as *oauth.Server, maxAge time.Duration, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if rotated, err := as.RotateIfOlder(maxAge); err != nil {
			log.Error("rotating the OAuth signing key", "err", err)
		} else if rotated {
			log.Info("rotated the OAuth signing key", "max_age", maxAge)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// publicBase is the URL clients use for a listener: "localhost" for
// loopback and unspecified addresses, as upstream derives its issuer.
func publicBase(scheme string, addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsLoopback() || ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// rateOrOff maps the configured 0 (off) to the daemon's "disabled".
func rateOrOff(r float64) float64 {
	if r == 0 {
		return -1
	}
	return r
}

// serveBridge runs a stdio MCP server that forwards to a daemon.
func serveBridge(ctx context.Context, hc *HTTPConfig, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	cctx, cancel := context.WithTimeout(ctx, hc.ConnectTimeout)
	b, srv, err := bridge.Connect(cctx, bridge.Options{URL: hc.MCPURL(), APIKey: hc.APIKey, Version: version, Logger: log})
	cancel()
	if err != nil {
		return err
	}
	defer b.Close()
	log.Info("bridging MCP over stdio", "daemon", hc.MCPURL())
	return srv.Run(ctx, &mcp.IOTransport{Reader: readCloser{stdin}, Writer: writeCloser{stdout}})
}

// warmUp loads the embedding model and the vector index in the background
// once the handshake is done, so the first search does not wait for them.
func (a *app) warmUp(ctx context.Context) {
	a.warm.Do(func() {
		start := time.Now()
		if p, ok := a.svc.Embedder.(interface{ Preload(context.Context) error }); ok {
			if err := p.Preload(ctx); err != nil {
				a.log.Warn("loading the embedding model", "err", err)
			}
		}
		if err := a.preload(ctx); err != nil {
			a.log.Warn("loading the vector index", "err", err)
		}
		a.log.Info("warmed up", "took", time.Since(start))
	})
}

type readCloser struct{ io.Reader }

func (r readCloser) Close() error {
	if c, ok := r.Reader.(io.Closer); ok && r.Reader != os.Stdin {
		return c.Close()
	}
	return nil
}

type writeCloser struct{ io.Writer }

func (w writeCloser) Close() error { return nil }

// startupGC pauses the garbage collector while the stdio server starts and
// returns the function that resumes it. Registering the tools (the SDK
// parses every schema) allocates megabytes in many small pieces, and
// collecting them as they go adds a third to the time to the first
// tools/list (14.5-16.8 ms p50 paused, 21.5-22 ms not); a memory limit
// stays in force meanwhile, in case.
func startupGC() (resume func()) {
	percent := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(256 << 20)
	var once sync.Once
	return func() {
		once.Do(func() {
			debug.SetGCPercent(percent)
			debug.SetMemoryLimit(limit)
		})
	}
}
