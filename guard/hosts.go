package guard

import (
	"net"
	"net/http"
	"strings"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/httperror"
)

// Hosts returns middleware that protects against DNS rebinding: a request
// whose Host header is not allowed is answered 403.
//
// Allowed are the loopback names localhost, 127.0.0.1 and [::1], the host
// of bind itself when it is a loopback address (127.0.0.2), and each entry
// of allowed: "name" or "name:*" on any port, "name:port" on that port
// only, "*" any host at all. Loopback names match on any port: a rebinding
// attack sends the attacker's host name, so the port adds nothing, and any
// port keeps port-0 binds and port-mapping proxies working. Names compare
// case-insensitively, without a trailing dot.
//
// When bind is not a loopback address (IsLoopback) and allowed is empty,
// every host is allowed: the operator chose to expose the server, and
// authentication protects it. With allowed set, the loopback names stay
// allowed (no rebinding attack can send them).
func Hosts(bind string, allowed []string) func(http.Handler) http.Handler {
	if !IsLoopback(bind) && len(allowed) == 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	anyPort := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	if IsLoopback(bind) {
		anyPort[normHost(splitHost(bind))] = true
	}
	exact := map[string]bool{} // "host|port"
	for _, a := range allowed {
		a = strings.TrimSpace(a)
		if a == "*" {
			return func(next http.Handler) http.Handler { return next }
		}
		host, port := splitHostPort(a)
		if port == "" || port == "*" {
			anyPort[host] = true
		} else {
			exact[host+"|"+port] = true
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host, port := splitHostPort(r.Host)
			if host == "" || !anyPort[host] && !exact[host+"|"+port] {
				httperror.Write(w, r, nil, httperror.New(http.StatusForbidden, memory.EForbidden,
					"this server does not answer to that Host header (DNS rebinding protection); add the name to the allowed hosts"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// splitHostPort splits "host[:port]" into a normalised host and the port
// ("" if none).
func splitHostPort(s string) (host, port string) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		return normHost(h), p
	}
	return normHost(splitHost(s)), ""
}

// normHost lower-cases a host name and drops a trailing dot.
func normHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}
