package guard_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/httperror"
)

// ok answers 200 "ok".
var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

// serve runs r through h and returns the response.
func serve(h http.Handler, r *http.Request) *http.Response {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

// errorBody decodes an httperror JSON body.
func errorBody(t *testing.T, resp *http.Response) httperror.Body {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type=%q, want application/json", ct)
	}
	var b httperror.Body
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		t.Fatalf("decoding error body: %v", err)
	}
	return b
}

func TestIsLoopback(t *testing.T) {
	for _, tt := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8000", true},
		{"127.0.0.2:8000", true},
		{"[::1]:8000", true},
		{"localhost:8000", true},
		{"LOCALHOST:8000", true},
		{"localhost", true},
		{"127.0.0.1", true},
		{"::1", true},
		{"0.0.0.0:8000", false},
		{":8000", false},
		{"[::]:8000", false},
		{"192.168.1.5:8000", false},
		{"example.com:8000", false},
		{"", false},
	} {
		if got := guard.IsLoopback(tt.addr); got != tt.want {
			t.Errorf("IsLoopback(%q)=%v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestClientIP(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:5555"
	r.Header.Add("X-Forwarded-For", "6.6.6.6, 1.2.3.4")
	if got := guard.ClientIP(r, false); got != "10.0.0.1" {
		t.Errorf("ClientIP(untrusted)=%q, want 10.0.0.1", got)
	}
	if got := guard.ClientIP(r, true); got != "1.2.3.4" {
		t.Errorf("ClientIP(trusted)=%q, want 1.2.3.4 (the last hop)", got)
	}
	r.RemoteAddr = "[2001:db8:1:2:3:4:5:6]:443"
	if got := guard.IPKey(r, false); got != "ip:2001:db8:1:2::/64" {
		t.Errorf("IPKey(v6)=%q, want the /64", got)
	}
}

func TestClientKey(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:5555"
	if got := guard.ClientKey(r, false); got != "ip:10.0.0.1" {
		t.Errorf("ClientKey(no principal)=%q, want ip:10.0.0.1", got)
	}
	anon := r.WithContext(auth.WithPrincipal(context.Background(), &auth.Principal{Anonymous: true, Scope: auth.ScopeRead}))
	if got := guard.ClientKey(anon, false); got != "ip:10.0.0.1" {
		t.Errorf("ClientKey(anonymous)=%q, want ip:10.0.0.1", got)
	}
	keyed := r.WithContext(auth.WithPrincipal(context.Background(), &auth.Principal{KeyID: "k1", Scope: auth.ScopeRead}))
	if got := guard.ClientKey(keyed, false); got != "key:k1" {
		t.Errorf("ClientKey(key)=%q, want key:k1", got)
	}
}

func TestChainOrder(t *testing.T) {
	var order []string
	mw := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				order = append(order, name)
				next.ServeHTTP(w, r)
			})
		}
	}
	serve(guard.Chain(ok, mw("a"), mw("b")), httptest.NewRequest("GET", "/", nil))
	if len(order) != 2 || order[0] != "a" || order[1] != "b" {
		t.Fatalf("order=%v, want [a b]", order)
	}
}
