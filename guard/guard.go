// Package guard holds the HTTP security middleware of the daemon: Host
// allowlist (DNS rebinding), Origin checks, CORS and CSRF, security
// headers, body limits, per-client rate limits, panic recovery and the
// access log. Each is a func(http.Handler) http.Handler (or a method
// returning one) usable alone; Chain composes them. Every error response
// is written by package httperror.
//
// A sensible order, outermost first:
//
//	guard.Chain(mux,
//		guard.AccessLog(logger),
//		guard.Recover(logger),
//		guard.NewHeaders().Middleware,
//		guard.Hosts(bind, allowedHosts),
//		guard.Origins(origins),
//		guard.CORS(origins),
//		guard.BodyLimit(guard.DefaultMaxBody),
//		guard.CSRF(origins),
//	)
//
// with authentication and RateLimiter.Middleware inside, around the routes
// that need them.
package guard

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/mcp-memory-go/memory/auth"
)

// Chain wraps h in mws, the first of mws outermost: Chain(h, a, b) serves
// a(b(h)).
func Chain(h http.Handler, mws ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// IsLoopback reports whether the bind address addr ("host:port", or a bare
// host) names only the local machine: localhost or a loopback IP. The
// empty host (":8000") and unspecified addresses (0.0.0.0, ::) listen on
// every interface and are not loopback.
func IsLoopback(addr string) bool {
	host := splitHost(addr)
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// splitHost returns the host part of "host:port", "[v6]:port", "[v6]" or a
// bare host, without brackets.
func splitHost(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
}

// ClientIP returns the address r came from: the host of r.RemoteAddr, or,
// with trustProxy, the last address in X-Forwarded-For (the one the single
// trusted reverse proxy in front of the server saw). Earlier
// X-Forwarded-For entries are written by the client and never used. It
// returns RemoteAddr unchanged if it holds no IP (a Unix socket).
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if vs := r.Header.Values("X-Forwarded-For"); len(vs) > 0 {
			parts := strings.Split(vs[len(vs)-1], ",")
			last := strings.TrimSpace(parts[len(parts)-1])
			if ip, err := netip.ParseAddr(splitHost(last)); err == nil {
				return ip.Unmap().String()
			}
		}
	}
	if ip, err := netip.ParseAddr(splitHost(r.RemoteAddr)); err == nil {
		return ip.Unmap().String()
	}
	return r.RemoteAddr
}

// IPKey returns the rate-limit key of r's address (see ClientIP): "ip:"
// and the address, IPv6 addresses cut to their /64 network, since one
// host usually holds a whole /64.
func IPKey(r *http.Request, trustProxy bool) string {
	s := ClientIP(r, trustProxy)
	if ip, err := netip.ParseAddr(s); err == nil && ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return "ip:" + p.String()
		}
	}
	return "ip:" + s
}

// ClientKey identifies the client of r for rate limits and logs: the
// principal's ID when r carries one authenticated with a key
// (auth.FromContext), IPKey otherwise (anonymous callers share their
// address's budget).
func ClientKey(r *http.Request, trustProxy bool) string {
	if p := auth.FromContext(r.Context()); p != nil && !p.Anonymous && p.KeyID != "" {
		return p.ID()
	}
	return IPKey(r, trustProxy)
}
