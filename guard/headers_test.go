package guard_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mcp-memory-go/memory/guard"
)

func TestHeaders(t *testing.T) {
	want := map[string]string{
		"Content-Security-Policy":    guard.DefaultCSP,
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "no-referrer",
		"X-Frame-Options":            "DENY",
		"Cross-Origin-Opener-Policy": "same-origin",
		"Permissions-Policy":         guard.DefaultPermissionsPolicy,
	}
	// On a 200 and on an error written by another guard.
	h := guard.Chain(ok, guard.NewHeaders().Middleware, guard.Hosts("127.0.0.1:8000", nil))
	for host, status := range map[string]int{"localhost:8000": 200, "evil.example.com": 403} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		resp := serve(h, r)
		if resp.StatusCode != status {
			t.Fatalf("Host %s: status=%d, want %d", host, resp.StatusCode, status)
		}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("status %d: %s=%q, want %q", status, k, got, v)
			}
		}
		if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("plain http: Strict-Transport-Security=%q, want none", got)
		}
	}
}

func TestHeadersTLS(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.TLS = &tls.ConnectionState{}
	resp := serve(guard.NewHeaders().Middleware(ok), r)
	if got := resp.Header.Get("Strict-Transport-Security"); got != guard.DefaultHSTS {
		t.Errorf("TLS: Strict-Transport-Security=%q, want %q", got, guard.DefaultHSTS)
	}
}

func TestHeadersOverride(t *testing.T) {
	hs := guard.NewHeaders()
	hs.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'"
	dashboard := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
	})
	resp := serve(hs.Middleware(ok), httptest.NewRequest("GET", "/", nil))
	if got := resp.Header.Get("Content-Security-Policy"); got != hs.ContentSecurityPolicy {
		t.Errorf("field: CSP=%q, want %q", got, hs.ContentSecurityPolicy)
	}
	resp = serve(hs.Middleware(dashboard), httptest.NewRequest("GET", "/", nil))
	if got := resp.Header.Get("Content-Security-Policy"); got != "default-src 'none'" {
		t.Errorf("handler override: CSP=%q", got)
	}
}
