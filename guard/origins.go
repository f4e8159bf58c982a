package guard

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/httperror"
)

// OriginList is a set of browser origins allowed to call the server from
// other sites. The zero value allows none.
type OriginList struct{ set map[string]bool }

// ParseOrigins validates and normalises entries ("https://app.example.com",
// "http://localhost:3000"; see NormalizeOrigin) into an OriginList. The
// wildcard "*" and "null" are refused: origins are always explicit.
func ParseOrigins(entries []string) (OriginList, error) {
	l := OriginList{set: make(map[string]bool, len(entries))}
	for _, e := range entries {
		o, err := NormalizeOrigin(e)
		if err != nil {
			return OriginList{}, err
		}
		l.set[o] = true
	}
	return l, nil
}

// Contains reports whether origin (as sent in an Origin header) is in l.
func (l OriginList) Contains(origin string) bool {
	o, err := NormalizeOrigin(origin)
	return err == nil && l.set[o]
}

// NormalizeOrigin returns s as a browser serialises an origin:
// "scheme://host[:port]" in lower case, without a default port or a
// trailing slash. Only http and https origins without a path, query,
// fragment or user info are valid; "*" and "null" are errors.
func NormalizeOrigin(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "*" || s == "null" {
		return "", fmt.Errorf("origin %q: list explicit origins (scheme://host[:port])", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("origin %q: %w", s, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" || u.Host == "" || u.User != nil ||
		u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("origin %q: want scheme://host[:port] with scheme http or https", s)
	}
	return scheme + "://" + canonicalHost(scheme, u.Host), nil
}

// canonicalHost lower-cases hostport and drops scheme's default port.
func canonicalHost(scheme, hostport string) string {
	h := strings.ToLower(hostport)
	def := ":80"
	if scheme == "https" {
		def = ":443"
	}
	return strings.TrimSuffix(h, def)
}

// sameOrigin reports whether origin names the host (and port) r was sent
// to. The scheme is not compared: behind a TLS-terminating proxy the
// server sees http while the browser's origin is https.
func sameOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return canonicalHost(scheme, u.Host) == canonicalHost(scheme, r.Host)
}

// Origins returns middleware that answers 403 to a request whose Origin
// header names neither the server itself (the Host header) nor an origin
// in allowed. Requests without Origin (non-browser clients) pass;
// "Origin: null" (sandboxed frames, file: pages) is refused.
func Origins(allowed OriginList) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if o := r.Header.Get("Origin"); o != "" && !sameOrigin(r, o) && !allowed.Contains(o) {
				httperror.Write(w, r, nil, originDenied())
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func originDenied() error {
	return httperror.New(http.StatusForbidden, memory.EForbidden,
		"cross-origin request from an origin that is not allowed; add it to the allowed origins")
}

// CORS headers sent for allowed origins.
const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
	corsHeaders = "Authorization, Content-Type, X-API-Key, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID"
	corsExpose  = "Mcp-Session-Id, WWW-Authenticate, Retry-After"
	// CORSMaxAge is how long browsers may cache a preflight answer.
	CORSMaxAge = 600 // seconds
)

// CORS returns middleware that lets the origins in allowed, and only
// them, call the server from a browser with credentials: their requests
// get Access-Control-Allow-Origin set to their own origin (never "*")
// and Access-Control-Allow-Credentials, and their preflight requests
// (OPTIONS with Access-Control-Request-Method) are answered 204 with the
// allowed methods and headers, cached for CORSMaxAge seconds. A preflight
// from any other origin is answered 403; other requests from other
// origins pass without CORS headers (the browser then hides the answer;
// Origins refuses them outright). Every response varies on Origin.
func CORS(allowed OriginList) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Add("Vary", "Origin")
			origin := r.Header.Get("Origin")
			preflight := r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != ""
			ok := origin != "" && allowed.Contains(origin)
			if preflight && !ok {
				httperror.Write(w, r, nil, originDenied())
				return
			}
			if ok {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Credentials", "true")
			}
			if !preflight {
				if ok {
					h.Set("Access-Control-Expose-Headers", corsExpose)
				}
				next.ServeHTTP(w, r)
				return
			}
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", strconv.Itoa(CORSMaxAge))
			if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
				h.Set("Access-Control-Allow-Private-Network", "true")
			}
			w.WriteHeader(http.StatusNoContent)
		})
	}
}

// CSRF returns middleware that refuses state-changing cross-origin browser
// requests (http.CrossOriginProtection: POST, PUT, PATCH, DELETE whose
// Sec-Fetch-Site or Origin shows another site) unless they come from an
// origin in trusted; refusals are answered 403 by httperror. Safe methods
// and non-browser requests pass.
func CSRF(trusted OriginList) func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	for o := range trusted.set {
		if err := cop.AddTrustedOrigin(o); err != nil {
			panic(fmt.Sprintf("guard: normalised origin %q refused: %v", o, err)) // cannot happen: ParseOrigins checked it
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httperror.Write(w, r, nil, httperror.New(http.StatusForbidden, memory.EForbidden,
			"cross-site request refused (CSRF protection)"))
	}))
	return cop.Handler
}
