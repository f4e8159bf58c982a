package guard_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/guard"
)

func mustOrigins(t *testing.T, entries ...string) guard.OriginList {
	t.Helper()
	l, err := guard.ParseOrigins(entries)
	if err != nil {
		t.Fatalf("ParseOrigins(%q): %v", entries, err)
	}
	return l
}

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://App.Example.com":       "https://app.example.com",
		"https://app.example.com/":      "https://app.example.com",
		"https://app.example.com:443":   "https://app.example.com",
		"http://localhost:80":           "http://localhost",
		"http://localhost:3000":         "http://localhost:3000",
		"http://[::1]:3000":             "http://[::1]:3000",
		" https://app.example.com:8443": "https://app.example.com:8443",
	} {
		if got, err := guard.NormalizeOrigin(in); err != nil || got != want {
			t.Errorf("NormalizeOrigin(%q)=%q, %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"*", "null", "", "app.example.com", "ftp://x", "https://x/path", "https://u@x", "https://x?q=1", "javascript:alert(1)"} {
		if got, err := guard.NormalizeOrigin(bad); err == nil {
			t.Errorf("NormalizeOrigin(%q)=%q, want an error", bad, got)
		}
	}
	if _, err := guard.ParseOrigins([]string{"https://ok.example.com", "*"}); err == nil {
		t.Error(`ParseOrigins with "*": no error`)
	}
}

func TestOrigins(t *testing.T) {
	h := guard.Origins(mustOrigins(t, "https://app.example.com"))(ok)
	for _, tt := range []struct {
		name, host, origin string
		want               int
	}{
		{"no origin", "localhost:8000", "", 200},
		{"same origin", "localhost:8000", "http://localhost:8000", 200},
		{"same origin, https behind proxy", "memory.example.com", "https://memory.example.com", 200},
		{"same origin, default port in Host", "memory.example.com:443", "https://memory.example.com", 200},
		{"configured", "localhost:8000", "https://app.example.com", 200},
		{"configured, upper case", "localhost:8000", "https://APP.example.com", 200},
		{"evil", "localhost:8000", "http://evil.example.com", 403},
		{"other port", "localhost:8000", "http://localhost:9000", 403},
		{"configured host, other scheme", "localhost:8000", "http://app.example.com", 403},
		{"null", "localhost:8000", "null", 403},
		{"garbage", "localhost:8000", "::::", 403},
	} {
		r := httptest.NewRequest("POST", "/mcp", nil)
		r.Host = tt.host
		if tt.origin != "" {
			r.Header.Set("Origin", tt.origin)
		}
		resp := serve(h, r)
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status=%d, want %d", tt.name, resp.StatusCode, tt.want)
		} else if tt.want == 403 {
			errorBody(t, resp)
		}
	}
}

func TestCORSPreflight(t *testing.T) {
	h := guard.CORS(mustOrigins(t, "https://app.example.com"))(ok)
	r := httptest.NewRequest("OPTIONS", "/mcp", nil)
	r.Header.Set("Origin", "https://app.example.com")
	r.Header.Set("Access-Control-Request-Method", "POST")
	r.Header.Set("Access-Control-Request-Headers", "authorization, mcp-session-id")
	resp := serve(h, r)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("preflight: status=%d, want 204", resp.StatusCode)
	}
	want := map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example.com",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Max-Age":           "600",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s=%q, want %q", k, got, v)
		}
	}
	for _, hdr := range []string{"Authorization", "Content-Type", "X-API-Key", "Mcp-Session-Id", "MCP-Protocol-Version", "Last-Event-ID"} {
		if !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), hdr) {
			t.Errorf("Access-Control-Allow-Headers=%q lacks %s", resp.Header.Get("Access-Control-Allow-Headers"), hdr)
		}
	}
	if !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "DELETE") {
		t.Errorf("Access-Control-Allow-Methods=%q lacks DELETE", resp.Header.Get("Access-Control-Allow-Methods"))
	}
	if !slices.Contains(resp.Header.Values("Vary"), "Origin") {
		t.Errorf("Vary=%q lacks Origin", resp.Header.Values("Vary"))
	}

	// A preflight from anyone else is refused, without CORS headers.
	for _, o := range []string{"http://evil.example.com", "null", "https://app.example.com.evil.example.com"} {
		r := httptest.NewRequest("OPTIONS", "/mcp", nil)
		r.Header.Set("Origin", o)
		r.Header.Set("Access-Control-Request-Method", "POST")
		resp := serve(h, r)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("preflight from %s: status=%d, want 403", o, resp.StatusCode)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("preflight from %s: Access-Control-Allow-Origin=%q, want none", o, got)
		}
	}
}

func TestCORSNeverWildcardOrReflected(t *testing.T) {
	h := guard.CORS(mustOrigins(t, "https://app.example.com"))(ok)
	for origin, want := range map[string]string{
		"https://app.example.com": "https://app.example.com",
		"http://evil.example.com": "",
		"null":                    "",
		"":                        "",
	} {
		r := httptest.NewRequest("GET", "/api/memories", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		resp := serve(h, r)
		if resp.StatusCode != 200 {
			t.Errorf("GET from %q: status=%d, want 200 (Origins refuses, not CORS)", origin, resp.StatusCode)
		}
		got := resp.Header.Get("Access-Control-Allow-Origin")
		if got == "*" || got != want {
			t.Errorf("GET from %q: Access-Control-Allow-Origin=%q, want %q", origin, got, want)
		}
		if want != "" && !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Mcp-Session-Id") {
			t.Errorf("GET from %q: Access-Control-Expose-Headers=%q lacks Mcp-Session-Id", origin, resp.Header.Get("Access-Control-Expose-Headers"))
		}
		if want == "" && resp.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("GET from %q: credentials allowed", origin)
		}
	}
	// No origins configured: nothing is ever allowed.
	r := httptest.NewRequest("OPTIONS", "/mcp", nil)
	r.Header.Set("Origin", "https://app.example.com")
	r.Header.Set("Access-Control-Request-Method", "POST")
	if resp := serve(guard.CORS(guard.OriginList{})(ok), r); resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("zero OriginList: status=%d ACAO=%q, want 403 and none", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestCSRF(t *testing.T) {
	h := guard.CSRF(mustOrigins(t, "https://app.example.com"))(ok)
	for _, tt := range []struct {
		name, method, origin, site string
		want                       int
	}{
		{"non-browser", "POST", "", "", 200},
		{"safe method cross-site", "GET", "http://evil.example.com", "cross-site", 200},
		{"same origin", "POST", "http://localhost:8000", "same-origin", 200},
		{"cross-site", "POST", "http://evil.example.com", "cross-site", 403},
		{"cross-site, old browser", "DELETE", "http://evil.example.com", "", 403},
		{"trusted", "POST", "https://app.example.com", "cross-site", 200},
	} {
		r := httptest.NewRequest(tt.method, "/api/memories", nil)
		r.Host = "localhost:8000"
		if tt.origin != "" {
			r.Header.Set("Origin", tt.origin)
		}
		if tt.site != "" {
			r.Header.Set("Sec-Fetch-Site", tt.site)
		}
		resp := serve(h, r)
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status=%d, want %d", tt.name, resp.StatusCode, tt.want)
		} else if tt.want == 403 {
			errorBody(t, resp)
		}
	}
}
