// Package oauth is the OAuth 2.1 authorization server of the daemon and
// the verifier of the access tokens it issues. Users log in with their
// account password on a consent page; clients register dynamically (RFC
// 7591) or identify themselves with a client ID metadata document (an
// https URL); the authorization code flow requires PKCE S256; access
// tokens are ES256 JWTs (RFC 9068) for one resource (RFC 8707); refresh
// tokens rotate on every use and a replayed one revokes its whole grant.
//
// Routes (Handler): RFC 8414 and OpenID discovery metadata, RFC 9728
// protected resource metadata, /oauth/jwks, /oauth/register,
// /oauth/authorize, /oauth/token and /oauth/revoke (RFC 7009).
package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/guard"
)

// Defaults applied by New.
const (
	DefaultAccessTTL  = time.Hour
	DefaultRefreshTTL = 30 * 24 * time.Hour
	DefaultCodeTTL    = 10 * time.Minute
	// MaxCodeTTL bounds the lifetime of authorization codes (ASVS 10.4.3).
	MaxCodeTTL = 10 * time.Minute
	// Leeway is the clock skew allowed when checking exp, nbf and iat.
	Leeway = 30 * time.Second
)

// ScopeOfflineAccess asks for a refresh token.
const ScopeOfflineAccess = "offline_access"

// DefaultScope is granted when an authorization request names no scope.
const DefaultScope = "read write"

// Scopes lists every scope the server knows, for metadata.
func Scopes() []string {
	return append(auth.Scopes(), ScopeOfflineAccess)
}

// Config configures a Server. Issuer, Resource, Store and Users are
// required.
type Config struct {
	// Issuer is the server's base URL without a path, e.g.
	// http://127.0.0.1:8000. It should be https unless its host is
	// loopback (New logs a warning otherwise).
	Issuer string
	// Resource is the canonical URL of the protected resource (the MCP
	// endpoint), e.g. http://127.0.0.1:8000/mcp. Access tokens carry it as
	// their audience; authorization and token requests may name it, or the
	// issuer, as their resource (RFC 8707).
	Resource string
	Store    Store
	Users    Users
	// KeyFile holds the signing keys (JSON, mode 0600), created on first
	// use. "" keeps them in memory: tokens then die with the process.
	KeyFile string
	// Lifetimes; zero means DefaultAccessTTL, DefaultRefreshTTL and
	// DefaultCodeTTL. CodeTTL may not exceed MaxCodeTTL and RefreshTTL may
	// not be shorter than AccessTTL.
	AccessTTL, RefreshTTL, CodeTTL time.Duration
	// RegistrationKey, if set, must be presented as "Authorization:
	// Bearer <key>" to POST /oauth/register.
	RegistrationKey string
	// HTTPClient fetches client ID metadata documents; nil means
	// SafeHTTPClient(nil), which dials public addresses only.
	HTTPClient *http.Client
	// ExtraRedirectSchemes lists private-use URI schemes accepted in
	// redirect URIs although they are not of reverse-domain form (e.g.
	// "cursor"). Empty by default.
	ExtraRedirectSchemes []string
	// TrustProxy takes the client address for rate limits from the last
	// X-Forwarded-For entry (see guard.ClientIP).
	TrustProxy bool
	// Rate limits per client address; nil means 20 registrations per hour,
	// 10 login attempts per minute and 60 token requests per minute.
	RegisterLimit, LoginLimit, TokenLimit *guard.RateLimiter
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the authorization server. Create it with New; its methods are
// safe for concurrent use. It starts no goroutines.
type Server struct {
	cfg      Config
	issuer   string
	resource string
	keys     *keySet
	log      *slog.Logger
	now      func() time.Time
	secure   bool // the issuer is https: cookies get __Host- and Secure

	pending *pendingRequests
	cimd    *cimdCache

	lastPurge atomic.Int64 // unix seconds
}

// New checks cfg, loads or creates the signing keys and purges expired
// state.
func New(cfg Config) (*Server, error) {
	issuer, err := checkBaseURL("issuer", cfg.Issuer)
	if err != nil {
		return nil, err
	}
	if u, _ := url.Parse(issuer); u.Path != "" {
		return nil, fmt.Errorf("oauth: the issuer %q must have no path", cfg.Issuer)
	}
	resource, err := checkBaseURL("resource", cfg.Resource)
	if err != nil {
		return nil, err
	}
	if cfg.Store == nil || cfg.Users == nil {
		return nil, errors.New("oauth: Store and Users are required")
	}
	if cfg.AccessTTL <= 0 {
		cfg.AccessTTL = DefaultAccessTTL
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = DefaultRefreshTTL
	}
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = DefaultCodeTTL
	}
	if cfg.CodeTTL > MaxCodeTTL {
		return nil, fmt.Errorf("oauth: code lifetime %v is above the maximum of %v", cfg.CodeTTL, MaxCodeTTL)
	}
	if cfg.RefreshTTL < cfg.AccessTTL {
		return nil, fmt.Errorf("oauth: refresh token lifetime %v is shorter than the access token lifetime %v", cfg.RefreshTTL, cfg.AccessTTL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = SafeHTTPClient(nil)
	}
	if cfg.RegisterLimit == nil {
		cfg.RegisterLimit = guard.NewRateLimiter(20.0/3600, 20)
	}
	if cfg.LoginLimit == nil {
		cfg.LoginLimit = guard.NewRateLimiter(10.0/60, 10)
	}
	if cfg.TokenLimit == nil {
		cfg.TokenLimit = guard.NewRateLimiter(1, 60)
	}
	s := &Server{
		cfg:      cfg,
		issuer:   issuer,
		resource: resource,
		log:      cfg.Logger,
		now:      cfg.Now,
		secure:   strings.HasPrefix(issuer, "https://"),
		pending:  newPendingRequests(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.cimd = newCIMDCache(cfg.HTTPClient)
	s.keys = &keySet{path: cfg.KeyFile, keep: cfg.AccessTTL + Leeway}
	if err := s.keys.load(s.now()); err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	if u, _ := url.Parse(issuer); u.Scheme != "https" && !isLoopbackHost(u.Hostname()) {
		s.log.Warn("the OAuth issuer is not https: passwords and tokens cross the network in clear", "issuer", issuer)
	}
	if cfg.KeyFile == "" {
		s.log.Warn("oauth signing keys are kept in memory only: issued tokens stop working when the server restarts")
	}
	s.purge(context.Background())
	return s, nil
}

// checkBaseURL normalises an issuer or resource URL: absolute http(s), no
// query, fragment or user info, no trailing slash, lower-case scheme and
// host.
func checkBaseURL(what, s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("oauth: the %s %q is not an absolute http(s) URL", what, s)
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.Contains(s, "#") || u.User != nil {
		return "", fmt.Errorf("oauth: the %s %q must have no query, fragment or user info", what, s)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	return strings.TrimSuffix(u.String(), "/"), nil
}

// normResource returns the canonical form of a resource parameter, or ""
// if it is not a URL.
func normResource(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Fragment != "" || strings.Contains(s, "#") {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	return strings.TrimSuffix(u.String(), "/")
}

// resourceOK reports whether a requested resource names this server:
// the configured resource or the issuer.
func (s *Server) resourceOK(r string) bool {
	n := normResource(r)
	return n != "" && (n == s.resource || n == s.issuer)
}

// ResourceMetadataURL returns the URL of the protected resource metadata
// (RFC 9728), for WWW-Authenticate challenges.
func (s *Server) ResourceMetadataURL() string {
	return s.issuer + "/.well-known/oauth-protected-resource"
}

// Issuer returns the normalised issuer.
func (s *Server) Issuer() string { return s.issuer }

// Resource returns the normalised resource, the audience of access
// tokens.
func (s *Server) Resource() string { return s.resource }

// RotateKey makes a new current signing key and writes the key file. The
// previous key stays published and keeps verifying until the tokens it
// signed have expired (AccessTTL).
func (s *Server) RotateKey() error {
	if err := s.keys.rotate(s.now()); err != nil {
		return fmt.Errorf("oauth: rotate signing key: %w", err)
	}
	return nil
}

// RotateIfOlder rotates the signing key when the current one was made more
// than maxAge ago, and reports whether it did: keys are replaced on a
// schedule, without a restart or any token becoming invalid early.
func (s *Server) RotateIfOlder(maxAge time.Duration) (bool, error) {
	if s.now().Sub(s.keys.current().createdAt) < maxAge {
		return false, nil
	}
	return true, s.RotateKey()
}

// Handler serves the discovery documents and the /oauth/ endpoints. Mount
// it on "/.well-known/" and "/oauth/".
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, p := range s.wellKnown("oauth-authorization-server") {
		mux.HandleFunc("GET "+p, s.serveASMetadata)
	}
	for _, p := range s.wellKnown("openid-configuration") {
		mux.HandleFunc("GET "+p, s.serveASMetadata)
	}
	for _, p := range s.wellKnown("oauth-protected-resource") {
		mux.HandleFunc("GET "+p, s.serveResourceMetadata)
	}
	mux.HandleFunc("GET /oauth/jwks", s.serveJWKS)
	mux.HandleFunc("GET /.well-known/jwks.json", s.serveJWKS)
	mux.HandleFunc("POST /oauth/register", s.serveRegister)
	mux.HandleFunc("GET /oauth/authorize", s.serveAuthorize)
	mux.HandleFunc("POST /oauth/authorize", s.serveConsent)
	mux.HandleFunc("POST /oauth/token", s.serveToken)
	mux.HandleFunc("POST /oauth/revoke", s.serveRevoke)
	return mux
}

// wellKnown returns /.well-known/<name> and, when the resource has a
// path, /.well-known/<name><path> (RFC 8414 §3.1, RFC 9728 §3.1).
func (s *Server) wellKnown(name string) []string {
	ps := []string{"/.well-known/" + name}
	if u, err := url.Parse(s.resource); err == nil && u.Path != "" && u.Path != "/" {
		ps = append(ps, "/.well-known/"+name+u.EscapedPath())
	}
	return ps
}

// randomString returns n random bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Prefixes of the secrets and identifiers the server makes, so people
// and secret scanners can tell them apart.
const (
	clientIDPrefix     = "mmc_"
	clientSecretPrefix = "mmcs_"
	codePrefix         = "mmac_"
	refreshPrefix      = "mmrt_"
)

// purge deletes expired state at most once an hour.
func (s *Server) purge(ctx context.Context) {
	now := s.now()
	last := s.lastPurge.Load()
	if now.Unix()-last < 3600 || !s.lastPurge.CompareAndSwap(last, now.Unix()) {
		return
	}
	if err := s.cfg.Store.PurgeOAuth(context.WithoutCancel(ctx), now); err != nil {
		s.log.Warn("purging expired OAuth state failed", "err", err)
	}
}

// clientKey is the rate-limit key of r.
func (s *Server) clientKey(r *http.Request) string {
	return guard.IPKey(r, s.cfg.TrustProxy)
}

// splitScope splits a space-separated scope, dropping empty parts and
// duplicates.
func splitScope(scope string) []string {
	var out []string
	for _, p := range strings.Split(scope, " ") {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// knownScopes reports whether every scope in list is supported.
func knownScopes(list []string) bool {
	for _, sc := range list {
		if !slices.Contains(Scopes(), sc) {
			return false
		}
	}
	return true
}

// highestScope returns the most powerful of read, write and admin in
// list, or "".
func highestScope(list []string) string {
	best := ""
	for i, sc := range auth.Scopes() {
		if slices.Contains(list, sc) {
			best = auth.Scopes()[i]
		}
	}
	return best
}

// joinScope orders list as Scopes() does and joins it.
func joinScope(list []string) string {
	var out []string
	for _, sc := range Scopes() {
		if slices.Contains(list, sc) {
			out = append(out, sc)
		}
	}
	return strings.Join(out, " ")
}
