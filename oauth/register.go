package oauth

// Dynamic client registration (RFC 7591) and the redirect URI rules shared
// with client ID metadata documents.

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/httperror"
)

// Error is an OAuth protocol error (RFC 6749 §5.2, RFC 7591 §3.2.2): the
// token, registration and revocation endpoints answer it as JSON
// {"error", "error_description"}, and Exchange returns it.
type Error struct {
	// Status is the HTTP status: 400, or 401 for invalid_client.
	Status      int
	Code        string
	Description string
}

func (e *Error) Error() string { return "oauth: " + e.Code + ": " + e.Description }

func oauthErr(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Description: fmt.Sprintf(format, args...)}
}

// writeError answers an OAuth error; basic adds the WWW-Authenticate
// challenge a 401 for HTTP Basic client authentication needs.
func writeError(w http.ResponseWriter, err error, basic bool) {
	var oe *Error
	if !errors.As(err, &oe) {
		oe = oauthErr(http.StatusInternalServerError, "server_error", "internal error; the server log has the details")
	}
	if oe.Status == http.StatusUnauthorized && basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth", charset="UTF-8"`)
	}
	w.Header().Set("Pragma", "no-cache")
	httperror.WriteJSON(w, oe.Status, map[string]string{"error": oe.Code, "error_description": oe.Description})
}

// MaxRegistrationBody bounds a registration request.
const MaxRegistrationBody = 64 << 10

// Limits on client metadata.
const (
	maxRedirectURIs   = 10
	maxRedirectURILen = 2000
	maxClientNameLen  = 100
)

// clientMetadata is a registration request or a client ID metadata
// document; unknown fields are ignored.
type clientMetadata struct {
	ClientID                string   `json:"client_id"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
	ClientURI               string   `json:"client_uri"`
	ApplicationType         string   `json:"application_type"`
	Scope                   string   `json:"scope"`
}

// registration is the RFC 7591 §3.2.1 response.
type registration struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
	ApplicationType         string   `json:"application_type"`
	Scope                   string   `json:"scope,omitempty"`
}

func (s *Server) serveRegister(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.cfg.RegisterLimit.Allow(s.clientKey(r)); !ok {
		httperror.Write(w, r, s.log, guard.TooManyRequests(wait))
		return
	}
	if s.cfg.RegistrationKey != "" {
		h := r.Header.Get("Authorization")
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") ||
			subtle.ConstantTimeCompare([]byte(auth.HashSecret(strings.TrimSpace(tok))), []byte(auth.HashSecret(s.cfg.RegistrationKey))) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			httperror.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token",
				"error_description": "registration needs the registration key as \"Authorization: Bearer <key>\""})
			return
		}
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json") {
		writeError(w, oauthErr(http.StatusBadRequest, "invalid_client_metadata", "the body must be application/json"), false)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRegistrationBody+1))
	if err != nil || len(body) > MaxRegistrationBody {
		writeError(w, oauthErr(http.StatusBadRequest, "invalid_client_metadata", "the body is unreadable or larger than %d bytes", MaxRegistrationBody), false)
		return
	}
	var md clientMetadata
	if err := json.Unmarshal(body, &md); err != nil {
		writeError(w, oauthErr(http.StatusBadRequest, "invalid_client_metadata", "the body is not a JSON object of client metadata"), false)
		return
	}
	c, err := s.clientFromMetadata(md, true)
	if err != nil {
		writeError(w, err, false)
		return
	}
	c.ID = clientIDPrefix + randomString(16)
	c.CreatedAt = memory.TimeMS(s.now())
	var secret string
	if !c.Public() {
		secret = clientSecretPrefix + randomString(32)
		c.SecretHash = auth.HashSecret(secret)
	}
	if err := s.cfg.Store.CreateOAuthClient(r.Context(), c); err != nil {
		s.log.Error("storing an OAuth client failed", "err", err)
		writeError(w, err, false)
		return
	}
	s.log.Info("OAuth client registered", "client_id", c.ID, "client_name", httperror.Sanitize(c.Name), "auth_method", c.AuthMethod)
	resp := registration{
		ClientID: c.ID, ClientSecret: secret, ClientIDIssuedAt: c.CreatedAt.Unix(),
		RedirectURIs: c.RedirectURIs, TokenEndpointAuthMethod: c.AuthMethod, GrantTypes: c.GrantTypes,
		ResponseTypes: []string{"code"}, ClientName: c.Name, ClientURI: c.ClientURI,
		ApplicationType: c.ApplicationType, Scope: md.Scope,
	}
	if secret != "" {
		var never int64
		resp.ClientSecretExpiresAt = &never
	}
	httperror.WriteJSON(w, http.StatusCreated, resp)
}

// clientFromMetadata validates client metadata. registered is true for a
// registration request and false for a client ID metadata document,
// whose clients have no secret.
func (s *Server) clientFromMetadata(md clientMetadata, registered bool) (Client, error) {
	bad := func(format string, args ...any) error {
		return oauthErr(http.StatusBadRequest, "invalid_client_metadata", format, args...)
	}
	c := Client{ApplicationType: md.ApplicationType, AuthMethod: md.TokenEndpointAuthMethod}
	if len(md.RedirectURIs) == 0 || len(md.RedirectURIs) > maxRedirectURIs {
		return c, oauthErr(http.StatusBadRequest, "invalid_redirect_uri", "redirect_uris must list 1 to %d URIs", maxRedirectURIs)
	}
	for _, u := range md.RedirectURIs {
		if err := s.checkRedirectURI(u); err != nil {
			return c, oauthErr(http.StatusBadRequest, "invalid_redirect_uri", "%s", err)
		}
		if !slices.Contains(c.RedirectURIs, u) {
			c.RedirectURIs = append(c.RedirectURIs, u)
		}
	}
	switch {
	case c.AuthMethod == "" && registered:
		c.AuthMethod = AuthSecretBasic // RFC 7591 §2
	case c.AuthMethod == "":
		c.AuthMethod = AuthNone
	case !registered && c.AuthMethod != AuthNone:
		return c, bad("a client ID metadata document client must use token_endpoint_auth_method none")
	case c.AuthMethod != AuthNone && c.AuthMethod != AuthSecretBasic && c.AuthMethod != AuthSecretPost:
		return c, bad("token_endpoint_auth_method must be none, client_secret_basic or client_secret_post")
	}
	c.GrantTypes = []string{GrantAuthorizationCode}
	if len(md.GrantTypes) > 0 {
		c.GrantTypes = nil
		for _, g := range md.GrantTypes {
			if g != GrantAuthorizationCode && g != GrantRefreshToken {
				return c, bad("grant type %q is not supported: use authorization_code and refresh_token", memory.Clip(g, 50))
			}
			if !slices.Contains(c.GrantTypes, g) {
				c.GrantTypes = append(c.GrantTypes, g)
			}
		}
		if !slices.Contains(c.GrantTypes, GrantAuthorizationCode) {
			return c, bad("grant_types must include authorization_code")
		}
	}
	for _, rt := range md.ResponseTypes {
		if rt != "code" {
			return c, bad("response type %q is not supported: use code", memory.Clip(rt, 50))
		}
	}
	switch c.ApplicationType {
	case "":
		c.ApplicationType = "web"
	case "web", "native":
	default:
		return c, bad("application_type must be web or native")
	}
	name := strings.TrimSpace(md.ClientName)
	if utf8.RuneCountInString(name) > maxClientNameLen || strings.ContainsFunc(name, unicode.IsControl) || !utf8.ValidString(name) {
		return c, bad("client_name must be at most %d characters on one line", maxClientNameLen)
	}
	c.Name = name
	if md.ClientURI != "" {
		u, err := url.Parse(md.ClientURI)
		if err != nil || u.Scheme != "https" || u.Host == "" || len(md.ClientURI) > maxRedirectURILen {
			return c, bad("client_uri must be an https URL")
		}
		c.ClientURI = md.ClientURI
	}
	if md.Scope != "" && !knownScopes(splitScope(md.Scope)) {
		return c, bad("scope may only name %s", strings.Join(Scopes(), ", "))
	}
	return c, nil
}

// deniedSchemes can run code or read local data in a browser.
var deniedSchemes = []string{"javascript", "data", "vbscript", "file", "about", "blob", "filesystem", "view-source", "chrome", "chrome-extension", "ws", "wss", "ftp"}

// privateScheme matches a reverse-domain private-use URI scheme (RFC 8252
// §7.1) such as com.example.app.
var privateScheme = regexp.MustCompile(`^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$`)

// checkRedirectURI accepts https URLs with any host, http URLs on a
// loopback host (127.0.0.1, [::1], localhost) with any port, and
// private-use schemes of reverse-domain form; never a fragment, user info
// or a dangerous scheme.
func (s *Server) checkRedirectURI(raw string) error {
	if raw == "" || len(raw) > maxRedirectURILen || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f || r > unicode.MaxASCII }) {
		return fmt.Errorf("redirect URI %q must be 1 to %d printable ASCII characters", memory.Clip(raw, 80), maxRedirectURILen)
	}
	if strings.Contains(raw, "#") {
		return fmt.Errorf("redirect URI %q must not have a fragment", memory.Clip(raw, 80))
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("redirect URI %q is not an absolute URI", memory.Clip(raw, 80))
	}
	scheme := strings.ToLower(u.Scheme)
	if u.Scheme != scheme {
		return fmt.Errorf("redirect URI %q: write the scheme in lower case", memory.Clip(raw, 80))
	}
	if slices.Contains(deniedSchemes, scheme) {
		return fmt.Errorf("redirect URI scheme %q is not allowed", scheme)
	}
	if u.User != nil {
		return fmt.Errorf("redirect URI %q must not carry user info", memory.Clip(raw, 80))
	}
	switch {
	case scheme == "https":
		if u.Host == "" || u.Hostname() == "" {
			return fmt.Errorf("redirect URI %q has no host", memory.Clip(raw, 80))
		}
	case scheme == "http":
		if !isLoopbackHost(u.Hostname()) {
			return fmt.Errorf("redirect URI %q: http is allowed only on 127.0.0.1, [::1] or localhost; use https", memory.Clip(raw, 80))
		}
	case privateScheme.MatchString(scheme) || slices.Contains(s.cfg.ExtraRedirectSchemes, scheme):
		if u.Opaque == "" && u.Path == "" && u.Host == "" {
			return fmt.Errorf("redirect URI %q has nothing after the scheme", memory.Clip(raw, 80))
		}
	default:
		return fmt.Errorf("redirect URI %q must use https, http on a loopback host, or a private-use scheme such as com.example.app:", memory.Clip(raw, 80))
	}
	return nil
}

// isLoopbackHost reports whether host (without brackets) is localhost or
// a loopback IP literal.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// matchRedirect reports whether the requested redirect URI is one of the
// registered ones: the exact string, or, for http on a loopback host
// (RFC 8252 §7.3), the same URI with another port.
func matchRedirect(registered []string, requested string) bool {
	if slices.Contains(registered, requested) {
		return true
	}
	req, err := url.Parse(requested)
	if err != nil || req.Scheme != "http" || !isLoopbackHost(req.Hostname()) || strings.Contains(requested, "#") || req.User != nil {
		return false
	}
	for _, reg := range registered {
		u, err := url.Parse(reg)
		if err != nil || u.Scheme != "http" || !isLoopbackHost(u.Hostname()) {
			continue
		}
		if u.Hostname() == req.Hostname() && u.EscapedPath() == req.EscapedPath() && u.RawQuery == req.RawQuery && validPort(req.Port()) {
			return true
		}
	}
	return false
}

func validPort(p string) bool {
	if p == "" {
		return true
	}
	if len(p) > 5 {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
