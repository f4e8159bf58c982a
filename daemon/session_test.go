package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/daemon"
)

// browser is an HTTP client with a cookie jar, as a browser page is.
type browser struct {
	t    *testing.T
	e    *env
	c    *http.Client
	csrf string
}

func newBrowser(e *env) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar}}
}

func (b *browser) do(method, path, body string, hdr ...string) (int, string, http.Header) {
	b.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, b.e.url+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), resp.Header
}

func (b *browser) login(scope string) {
	b.t.Helper()
	code, body, h := b.do("POST", "/api/session", `{"api_key":"`+b.e.keys[scope]+`"}`)
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &s) != nil || s.CSRF == "" {
		b.t.Fatalf("login: %d %s", code, body)
	}
	ck := h.Get("Set-Cookie")
	for _, attr := range []string{"mms_session=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(ck, attr) {
			b.t.Errorf("session cookie %q lacks %s", ck, attr)
		}
	}
	if strings.Contains(body, b.e.keys[scope]) || strings.Contains(ck, b.e.keys[scope]) {
		b.t.Error("the login answer carries the API key")
	}
	b.csrf = s.CSRF
}

func TestBrowserSessions(t *testing.T) {
	e := start(t, daemon.Config{}, nil)
	b := newBrowser(e)
	if code, _, _ := b.do("POST", "/api/session", `{"api_key":"mms_000000000000_`+strings.Repeat("A", 43)+`"}`); code != 401 {
		t.Errorf("login with a wrong key: %d", code)
	}
	if code, _, _ := b.do("GET", "/api/session", ""); code != 401 {
		t.Errorf("session before login: %d", code)
	}
	b.login(auth.ScopeWrite)
	code, body, _ := b.do("GET", "/api/session", "")
	if code != 200 || !strings.Contains(body, b.csrf) || !strings.Contains(body, `"scope":"write"`) {
		t.Fatalf("session after login: %d %s", code, body)
	}
	// Reads need no token; writes need the session's token.
	if code, _, _ := b.do("GET", "/api/memories", ""); code != 200 {
		t.Errorf("read with the session: %d", code)
	}
	if code, body, _ := b.do("POST", "/api/memories", `{"content":"no token"}`); code != 403 || !strings.Contains(body, "X-CSRF-Token") {
		t.Errorf("write without the CSRF token: %d %s", code, body)
	}
	if code, _, _ := b.do("POST", "/api/memories", `{"content":"wrong token"}`, auth.CSRFHeader, "nope"); code != 403 {
		t.Errorf("write with a wrong CSRF token: %d", code)
	}
	if code, body, _ := b.do("POST", "/api/memories", `{"content":"stored from the dashboard"}`, auth.CSRFHeader, b.csrf); code != 200 {
		t.Errorf("write with the CSRF token: %d %s", code, body)
	}
	// Event streams authenticate by the cookie.
	req, _ := http.NewRequest("GET", e.url+"/api/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := b.c.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Errorf("events with the session cookie: %d", resp.StatusCode)
	}
	resp.Body.Close()
	// Admin routes stay closed to a write session.
	if code, _, _ := b.do("GET", "/api/keys", ""); code != 403 {
		t.Errorf("keys with a write session: %d", code)
	}
	// Logging out ends the session.
	if code, _, _ := b.do("DELETE", "/api/session", "", auth.CSRFHeader, b.csrf); code != 200 {
		t.Errorf("logout: %d", code)
	}
	if code, _, _ := b.do("GET", "/api/memories", ""); code != 401 {
		t.Errorf("read after logout: %d", code)
	}
}

func TestSessionEndsWithItsKey(t *testing.T) {
	e := start(t, daemon.Config{}, nil)
	b := newBrowser(e)
	b.login(auth.ScopeRead)
	id := strings.Split(e.keys[auth.ScopeRead], "_")[1]
	if err := e.store.RevokeKey(context.Background(), id, time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := b.do("GET", "/api/memories", ""); code != 401 {
		t.Errorf("session of a revoked key: %d", code)
	}
}

func TestLoginFailuresAreLimited(t *testing.T) {
	e := start(t, daemon.Config{}, nil)
	b := newBrowser(e)
	limited := false
	for range 30 {
		code, _, h := b.do("POST", "/api/session", `{"api_key":"guess"}`)
		if code == 429 {
			limited = h.Get("Retry-After") != ""
			break
		}
	}
	if !limited {
		t.Fatal("30 failed logins from one address were never limited")
	}
}

func TestKeyManagementAndRating(t *testing.T) {
	e := start(t, daemon.Config{}, nil)
	code, body, _ := e.do("POST", "/api/keys", auth.ScopeAdmin, map[string]any{"name": "made in the dashboard", "scope": "read", "expires_in_days": 30})
	var created struct {
		Key    auth.Key `json:"key"`
		Secret string   `json:"secret"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &created) != nil || !strings.HasPrefix(created.Secret, auth.KeyPrefix) {
		t.Fatalf("create key: %d %s", code, body)
	}
	e.keys["new"] = created.Secret
	// Keys are stored hashed: the secret is nowhere in the database.
	var stored []byte
	for _, suffix := range []string{"", "-wal"} {
		b, _ := os.ReadFile(e.store.Path() + suffix)
		stored = append(stored, b...)
	}
	if !bytes.Contains(stored, []byte(created.Key.Name)) {
		t.Fatal("the key's name is not in the database: the scan sees nothing")
	}
	for _, secret := range []string{created.Secret, e.keys[auth.ScopeAdmin]} {
		if bytes.Contains(stored, []byte(secret)) {
			t.Error("an API key is stored in clear")
		}
	}
	if code, _, _ := e.do("GET", "/api/memories", "new", nil); code != 200 {
		t.Errorf("the new key does not work: %d", code)
	}
	code, body, _ = e.do("GET", "/api/keys", auth.ScopeAdmin, nil)
	if code != 200 || !strings.Contains(body, "made in the dashboard") || strings.Contains(body, created.Secret) || strings.Contains(body, auth.HashSecret(created.Secret)) {
		t.Errorf("list keys: %d %s", code, body)
	}
	if code, _, _ := e.do("POST", "/api/keys", auth.ScopeWrite, map[string]any{"name": "x"}); code != 403 {
		t.Errorf("create key with a write key: %d", code)
	}
	if code, _, _ := e.do("POST", "/api/keys", auth.ScopeAdmin, map[string]any{"name": "x", "scope": "root"}); code != 400 {
		t.Errorf("create key with a bad scope: %d", code)
	}
	if code, _, _ := e.do("DELETE", "/api/keys/"+created.Key.ID, auth.ScopeAdmin, nil); code != 200 {
		t.Errorf("revoke: %d", code)
	}
	if code, _, _ := e.do("GET", "/api/memories", "new", nil); code != 401 {
		t.Errorf("revoked key still works: %d", code)
	}
	if code, _, _ := e.do("DELETE", "/api/keys/000000000000", auth.ScopeAdmin, nil); code != 404 {
		t.Errorf("revoke unknown: %d", code)
	}

	e.do("POST", "/api/memories", auth.ScopeWrite, map[string]any{"content": "rate me"})
	hash := memory.ContentHash("rate me")
	code, body, _ = e.do("POST", "/api/quality/memories/"+hash+"/rate", auth.ScopeWrite, map[string]any{"rating": 1})
	if code != 200 || !strings.Contains(body, `"new_quality_score":0.75`) {
		t.Errorf("rate: %d %s", code, body)
	}
	if code, _, _ := e.do("POST", "/api/quality/memories/"+hash+"/rate", auth.ScopeWrite, map[string]any{"rating": 5}); code != 400 {
		t.Errorf("rating 5: %d", code)
	}
	if code, _, _ := e.do("POST", "/api/quality/memories/"+hash+"/rate", auth.ScopeWrite, map[string]any{}); code != 400 {
		t.Errorf("no rating: %d", code)
	}
}
