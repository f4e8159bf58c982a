package main

import (
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// HTTPConfig is the configuration of the HTTP daemon and of the stdio
// bridge to it, from upstream's environment names where they exist.
type HTTPConfig struct {
	Host           string   // MCP_HTTP_HOST, default 127.0.0.1
	Port           int      // MCP_HTTP_PORT, default 8000
	CORSOrigins    []string // MCP_CORS_ORIGINS (comma-separated; never *)
	AllowedHosts   []string // MCP_ALLOWED_HOSTS: extra Host header names
	APIKey         string   // MCP_API_KEY: bootstrap admin key
	Anonymous      bool     // MCP_ALLOW_ANONYMOUS_ACCESS
	TLSCert        string   // MCP_SSL_CERT_FILE
	TLSKey         string   // MCP_SSL_KEY_FILE
	MaxBodyBytes   int64    // MCP_HTTP_MAX_BODY_BYTES, default 1 MiB
	RateLimit      float64  // MCP_RATE_LIMIT requests/s per client, default 50 (0 = off)
	RateBurst      int      // MCP_RATE_BURST, default 100
	Heartbeat      time.Duration
	IncludeHost    bool   // MCP_MEMORY_INCLUDE_HOSTNAME: tag REST stores with source:<host>
	Connect        string // MCP_MEMORY_CONNECT: bridge stdio to this daemon
	ConnectTimeout time.Duration

	OAuth           bool          // MCP_OAUTH_ENABLED: the built-in OAuth 2.1 authorization server
	OAuthIssuer     string        // MCP_OAUTH_ISSUER: default derived from the listen address
	OAuthKeyFile    string        // MCP_OAUTH_KEY_FILE: signing keys, default <base>/oauth-keys.json
	OAuthAccessTTL  time.Duration // MCP_OAUTH_ACCESS_TOKEN_EXPIRE_MINUTES (1-1440), default 60
	OAuthRefreshTTL time.Duration // MCP_OAUTH_REFRESH_TOKEN_EXPIRE_DAYS (1-365), default 30
	OAuthCodeTTL    time.Duration // MCP_OAUTH_AUTHORIZATION_CODE_EXPIRE_MINUTES (1-10), default 10
	DCRKey          string        // MCP_DCR_REGISTRATION_KEY: required to register clients, if set
	OAuthKeyMaxAge  time.Duration // MCP_OAUTH_KEY_ROTATION_DAYS (1-3650), default 90
}

// minAPIKeyLen is the shortest bootstrap key accepted: shorter secrets can
// be guessed.
const minAPIKeyLen = 16

func loadHTTPConfig(getenv func(string) string) (*HTTPConfig, error) {
	c := &HTTPConfig{
		Host:           firstNonEmpty(getenv("MCP_HTTP_HOST"), "127.0.0.1"),
		Port:           8000,
		CORSOrigins:    splitList(getenv("MCP_CORS_ORIGINS")),
		AllowedHosts:   splitList(getenv("MCP_ALLOWED_HOSTS")),
		APIKey:         getenv("MCP_API_KEY"),
		TLSCert:        firstNonEmpty(getenv("MCP_SSL_CERT_FILE"), getenv("MCP_TLS_CERT")),
		TLSKey:         firstNonEmpty(getenv("MCP_SSL_KEY_FILE"), getenv("MCP_TLS_KEY")),
		MaxBodyBytes:   1 << 20,
		RateLimit:      50,
		RateBurst:      100,
		Heartbeat:      30 * time.Second,
		OAuthKeyMaxAge: 90 * 24 * time.Hour,
		Connect:        strings.TrimSpace(getenv("MCP_MEMORY_CONNECT")),
		ConnectTimeout: 10 * time.Second,
	}
	var errs []string
	p := envParser{getenv: getenv, errs: &errs}
	if v, ok := p.int("MCP_HTTP_PORT", 1, 65535); ok {
		c.Port = v
	}
	if v, ok := p.bool("MCP_ALLOW_ANONYMOUS_ACCESS"); ok {
		c.Anonymous = v
	}
	if v, ok := p.int("MCP_HTTP_MAX_BODY_BYTES", 1024, 1<<30); ok {
		c.MaxBodyBytes = int64(v)
	}
	if v, ok := p.float("MCP_RATE_LIMIT", 0, 1e6); ok {
		c.RateLimit = v
	}
	if v, ok := p.int("MCP_RATE_BURST", 1, 1e6); ok {
		c.RateBurst = v
	}
	if v, ok := p.bool("MCP_OAUTH_ENABLED"); ok {
		c.OAuth = v
	}
	c.OAuthIssuer = strings.TrimRight(strings.TrimSpace(getenv("MCP_OAUTH_ISSUER")), "/")
	c.OAuthKeyFile = strings.TrimSpace(getenv("MCP_OAUTH_KEY_FILE"))
	c.DCRKey = getenv("MCP_DCR_REGISTRATION_KEY")
	if v, ok := p.int("MCP_OAUTH_ACCESS_TOKEN_EXPIRE_MINUTES", 1, 1440); ok {
		c.OAuthAccessTTL = time.Duration(v) * time.Minute
	}
	if v, ok := p.int("MCP_OAUTH_REFRESH_TOKEN_EXPIRE_DAYS", 1, 365); ok {
		c.OAuthRefreshTTL = time.Duration(v) * 24 * time.Hour
	}
	if v, ok := p.int("MCP_OAUTH_KEY_ROTATION_DAYS", 1, 3650); ok {
		c.OAuthKeyMaxAge = time.Duration(v) * 24 * time.Hour
	}
	if v, ok := p.int("MCP_OAUTH_AUTHORIZATION_CODE_EXPIRE_MINUTES", 1, 10); ok {
		c.OAuthCodeTTL = time.Duration(v) * time.Minute
	}
	if v, ok := p.bool("MCP_MEMORY_INCLUDE_HOSTNAME"); ok {
		c.IncludeHost = v
	}
	if v, ok := p.int("MCP_SSE_HEARTBEAT", 5, 300); ok {
		c.Heartbeat = time.Duration(v) * time.Second
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

func (c *HTTPConfig) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Host, "host", c.Host, "address to listen on (env MCP_HTTP_HOST)")
	fs.IntVar(&c.Port, "port", c.Port, "port to listen on (env MCP_HTTP_PORT)")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "PEM certificate for HTTPS (env MCP_SSL_CERT_FILE)")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "PEM private key for HTTPS (env MCP_SSL_KEY_FILE)")
	fs.BoolVar(&c.OAuth, "oauth", c.OAuth, "run the OAuth 2.1 authorization server for user accounts (env MCP_OAUTH_ENABLED)")
	fs.StringVar(&c.Connect, "connect", c.Connect, "bridge stdio to the daemon at this URL, e.g. http://127.0.0.1:8000 (env MCP_MEMORY_CONNECT)")
}

// check validates the settings after flags.
func (c *HTTPConfig) check() error {
	if k := c.APIKey; k != "" && (strings.TrimSpace(k) != k || len(k) < minAPIKeyLen) {
		return fmt.Errorf("MCP_API_KEY must be at least %d characters without surrounding spaces; `memory keys create` makes strong keys", minAPIKeyLen)
	}
	for _, o := range c.CORSOrigins {
		if o == "*" || strings.Contains(o, "*") {
			return fmt.Errorf("MCP_CORS_ORIGINS: wildcards are refused; list each origin, e.g. https://app.example.com")
		}
		if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			return fmt.Errorf("MCP_CORS_ORIGINS: %q is not an origin such as https://app.example.com", o)
		}
	}
	if k := c.DCRKey; k != "" && len(k) < minAPIKeyLen {
		return fmt.Errorf("MCP_DCR_REGISTRATION_KEY must be at least %d characters", minAPIKeyLen)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("port %d: want 1 to 65535 (0 picks a free port)", c.Port)
	}
	return nil
}

// Addr is host:port to listen on.
func (c *HTTPConfig) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// MCPURL turns the --connect value into the daemon's MCP endpoint: a bare
// base URL gets /mcp.
func (c *HTTPConfig) MCPURL() string {
	u := strings.TrimRight(c.Connect, "/")
	if !strings.HasSuffix(u, "/mcp") {
		u += "/mcp"
	}
	return u
}

// splitList splits a comma-separated setting, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimRight(strings.TrimSpace(v), "/"); v != "" {
			out = append(out, v)
		}
	}
	return out
}
