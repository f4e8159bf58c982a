package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/httpapi"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/mcp-memory-go/memory/timeexpr"
)

// now is the test clock: Wednesday 2026-11-25 14:30 UTC.
var now = time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)

// principals the test middleware can put into a request, by the name sent
// in the X-Test-Principal header.
var principals = map[string]*auth.Principal{
	"alice-none":  {Owner: "alice", Scope: "", KeyID: "a0", Name: "no scope"},
	"alice-read":  {Owner: "alice", Scope: auth.ScopeRead, KeyID: "a1"},
	"alice-write": {Owner: "alice", Scope: auth.ScopeWrite, KeyID: "a2"},
	"alice-admin": {Owner: "alice", Scope: auth.ScopeAdmin, KeyID: "a3"},
	"bob-write":   {Owner: "bob", Scope: auth.ScopeWrite, KeyID: "b2"},
	"carol-admin": {Owner: "carol", Scope: auth.ScopeAdmin, KeyID: "c3"},
}

// env is an API over a real SQLite file, behind a test middleware that
// authenticates by X-Test-Principal.
type env struct {
	t       *testing.T
	st      *sqlite.Store
	svc     *memory.Service
	api     *httpapi.API
	handler http.Handler
	dbPath  string
	logs    *memorytest.Buffer
}

// MustOpenEnv returns a fresh environment; the API's event streams are
// closed when the test ends.
func MustOpenEnv(t *testing.T) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.db")
	st := sqlite.New(path)
	if err := st.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := memory.NewService(st, memorytest.NewFakeEmbedder(64))
	svc.Now = func() time.Time { return now }
	svc.TimeParser = timeexpr.Bounds
	svc.TimeExtractor = timeexpr.ExtractBounds
	svc.SemanticDedup = false
	svc.Backend, svc.Version = "sqlite", "test"
	logs := &memorytest.Buffer{}
	api := httpapi.New(svc)
	api.Now = func() time.Time { return now }
	api.Heartbeat = time.Hour
	api.Logger = slog.New(slog.NewTextHandler(logs, nil))
	api.Auth = &auth.Authenticator{Tickets: auth.NewTickets()}
	svc.OnEvent = api.Publish
	t.Cleanup(api.Close)
	return &env{t: t, st: st, svc: svc, api: api, handler: withTestPrincipal(api.Handler()), dbPath: path, logs: logs}
}

// withTestPrincipal authenticates requests by the X-Test-Principal header,
// as the daemon's middleware does by API key.
func withTestPrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name := r.Header.Get("X-Test-Principal"); name != "" {
			p := principals[name]
			if p == nil {
				panic("unknown test principal " + name)
			}
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// response is a recorded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object.
func (r *response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r *response) Decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %T: %v\n%s", v, err, r.Body)
	}
}

// do sends a request as the named principal ("" for none). A string or
// []byte body is sent as is, anything else as JSON; bodies get
// Content-Type application/json unless hdr sets another.
func (e *env) do(who, method, path string, body any, hdr ...string) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if who != "" {
		req.Header.Set("X-Test-Principal", who)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// mustDo is do with a status check.
func (e *env) mustDo(status int, who, method, path string, body any, hdr ...string) *response {
	e.t.Helper()
	r := e.do(who, method, path, body, hdr...)
	if r.Status != status {
		e.t.Fatalf("%s %s as %q: status %d, want %d\n%s", method, path, who, r.Status, status, r.Body)
	}
	return r
}

// store stores a memory for owner through the service, at an optional time.
func (e *env) store(owner, content string, at time.Time, typ string, tags ...string) *memory.Memory {
	e.t.Helper()
	res, err := e.svc.Store(memory.WithOwner(context.Background(), owner), memory.StoreRequest{Content: content, Tags: tags, Type: typ, CreatedAt: at})
	if err != nil {
		e.t.Fatalf("Store(%q): %v", content, err)
	}
	return res.Memories[0]
}

// count returns the number of owner's memories.
func (e *env) count(owner string) int {
	e.t.Helper()
	res, err := e.svc.List(memory.WithOwner(context.Background(), owner), memory.ListRequest{PageSize: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Total
}

// wantError checks an error answer: status, JSON body with the code, and
// no trace of the server's files.
func (e *env) wantError(r *response, status int, code string) map[string]any {
	e.t.Helper()
	if r.Status != status {
		e.t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		e.t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	m := r.JSON(e.t)
	if m["error"] != code {
		e.t.Errorf("error = %v, want %q (%s)", m["error"], code, r.Body)
	}
	if d, _ := m["error_description"].(string); d == "" || m["detail"] != d {
		e.t.Errorf("error_description = %q, detail = %v: want the same non-empty text", d, m["detail"])
	}
	e.noPaths(r.Body)
	return m
}

// noPaths fails if b shows a file path, source position or stack.
func (e *env) noPaths(b []byte) {
	e.t.Helper()
	s := string(b)
	for _, bad := range []string{e.dbPath, filepath.Dir(e.dbPath), "/tmp/", ".go:", "goroutine "} {
		if strings.Contains(s, bad) {
			e.t.Errorf("answer shows %q:\n%s", bad, s)
		}
	}
}

// concrete fills a route's path parameters.
func concrete(path string) string {
	return strings.ReplaceAll(path, "{content_hash}", strings.Repeat("ab", 32))
}

// publicRoutes are the only routes anyone may call without credentials.
// publicRoutes need no credentials: health, the reference, and the login.
var publicRoutes = []string{"GET /api/health", "POST /api/session", "GET /api/openapi.json", "GET /api/docs"}

func TestRoutesRequireTheirScope(t *testing.T) {
	e := MustOpenEnv(t)
	below := map[string][]string{
		auth.ScopeRead:  {"alice-none"},
		auth.ScopeWrite: {"alice-none", "alice-read"},
		auth.ScopeAdmin: {"alice-none", "alice-read", "alice-write"},
	}
	var public []string
	for _, rt := range e.api.Routes() {
		name := rt.Method + " " + rt.Path
		t.Run(name, func(t *testing.T) {
			e.t = t
			if rt.Scope == "" {
				public = append(public, name)
				return
			}
			if !auth.ValidScope(rt.Scope) {
				t.Fatalf("Scope = %q, not a scope", rt.Scope)
			}
			var body any
			if rt.Body != nil {
				body = `{"content":"x","query":"x","tags":["x"]}`
			}
			path := concrete(rt.Path)
			e.wantError(e.do("", rt.Method, path, body), http.StatusUnauthorized, memory.EUnauthorized)
			for _, who := range below[rt.Scope] {
				r := e.do(who, rt.Method, path, body)
				e.wantError(r, http.StatusForbidden, "insufficient_scope")
				if !strings.Contains(r.Header.Get("WWW-Authenticate"), rt.Scope) {
					t.Errorf("WWW-Authenticate = %q, want the scope %q", r.Header.Get("WWW-Authenticate"), rt.Scope)
				}
			}
		})
	}
	e.t = t
	if !slices.Equal(public, publicRoutes) {
		t.Errorf("public routes = %q, want exactly %q", public, publicRoutes)
	}
	for _, owner := range []string{"alice", memory.LocalOwner} {
		if n := e.count(owner); n != 0 {
			t.Errorf("%s has %d memories after refused requests, want 0", owner, n)
		}
	}
}

func TestRoutesAreUnique(t *testing.T) {
	e := MustOpenEnv(t)
	seen := map[string]bool{}
	for _, rt := range e.api.Routes() {
		k := rt.Method + " " + rt.Path
		if seen[k] {
			t.Errorf("route %s appears twice", k)
		}
		seen[k] = true
		if rt.Summary == "" || len(rt.Tags) == 0 {
			t.Errorf("route %s has no summary or tags", k)
		}
		if !strings.HasPrefix(rt.Path, "/api/") {
			t.Errorf("route %s is not under /api/", k)
		}
	}
}

func TestUnknownPathAndMethod(t *testing.T) {
	e := MustOpenEnv(t)
	e.wantError(e.do("alice-admin", "GET", "/api/nope", nil), http.StatusNotFound, memory.ENotFound)
	r := e.do("alice-admin", "PATCH", "/api/memories", nil)
	e.wantError(r, http.StatusMethodNotAllowed, "method_not_allowed")
	if allow := r.Header.Get("Allow"); allow != "GET, POST" {
		t.Errorf("Allow = %q, want GET, POST", allow)
	}
}

func TestMalformedJSONChangesNothing(t *testing.T) {
	e := MustOpenEnv(t)
	for _, tc := range []struct{ name, body, want string }{
		{"truncated", `{"content": "x",`, "malformed JSON"},
		{"syntax", `{"content": x}`, "malformed JSON"},
		{"wrong type", `{"content": 5}`, "field content must be a string"},
		{"not an object", `["content"]`, "JSON object"},
		{"tags of the wrong type", `{"content": "x", "tags": 5}`, "tags must be"},
		{"trailing data", `{"content": "x"} {"content": "y"}`, "one JSON value"},
		{"empty", ``, "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			m := e.wantError(e.do("alice-write", "POST", "/api/memories", tc.body), http.StatusBadRequest, memory.EInvalid)
			if d := m["error_description"].(string); !strings.Contains(d, tc.want) {
				t.Errorf("error_description = %q, want it to mention %q", d, tc.want)
			}
		})
	}
	e.t = t
	if n := e.count("alice"); n != 0 {
		t.Errorf("alice has %d memories, want 0", n)
	}
}

func TestUnknownFieldsAreIgnored(t *testing.T) {
	e := MustOpenEnv(t)
	r := e.mustDo(200, "alice-write", "POST", "/api/memories", `{"content": "Unknown fields are fine", "colour": "blue"}`).JSON(t)
	if r["success"] != true {
		t.Errorf("success = %v, want true", r["success"])
	}
}

func TestWrongContentTypeChangesNothing(t *testing.T) {
	e := MustOpenEnv(t)
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		r := e.do("alice-write", "POST", "/api/memories", `{"content":"form post"}`, "Content-Type", ct)
		e.wantError(r, http.StatusUnsupportedMediaType, "unsupported_media_type")
	}
	e.mustDo(200, "alice-write", "POST", "/api/memories", `{"content":"charset is fine"}`, "Content-Type", "application/json; charset=utf-8")
	if n := e.count("alice"); n != 1 {
		t.Errorf("alice has %d memories, want 1", n)
	}
}

func TestBodyOverLimitChangesNothing(t *testing.T) {
	e := MustOpenEnv(t)
	e.api.MaxBodyBytes = 1024
	big := `{"content": "` + strings.Repeat("word ", 400) + `"}`
	e.wantError(e.do("alice-write", "POST", "/api/memories", big), http.StatusRequestEntityTooLarge, memory.ETooLarge)

	// Without a Content-Length, the limit is found while reading.
	req := httptest.NewRequest("POST", "/api/memories", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-Principal", "alice-write")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	e.wantError(&response{rec.Code, rec.Header(), rec.Body.Bytes()}, http.StatusRequestEntityTooLarge, memory.ETooLarge)

	if n := e.count("alice"); n != 0 {
		t.Errorf("alice has %d memories, want 0", n)
	}
	e.mustDo(200, "alice-write", "POST", "/api/memories", `{"content": "small enough"}`)
}

func TestQueryParametersAreValidated(t *testing.T) {
	e := MustOpenEnv(t)
	for _, path := range []string{
		"/api/memories?page=0", "/api/memories?page_size=101", "/api/memories?page_size=ten", "/api/memories?tag_match=some",
		"/api/analytics/memory-growth?period=decade", "/api/analytics/activity-heatmap?days=0",
		"/api/search/similar/abc?n_results=500",
	} {
		e.wantError(e.do("alice-read", "GET", path, nil), http.StatusBadRequest, memory.EInvalid)
	}
	e.wantError(e.do("alice-write", "POST", "/api/manage/delete-untagged", nil), http.StatusBadRequest, memory.EInvalid)
}

func TestInternalErrorsShowNoDetails(t *testing.T) {
	e := MustOpenEnv(t)
	e.store("alice", "Stored before the database closed", time.Time{}, "")
	e.st.Close()
	for _, path := range []string{"/api/memories", "/api/tags", "/api/analytics/overview"} {
		m := e.wantError(e.do("alice-read", "GET", path, nil), http.StatusInternalServerError, memory.EInternal)
		if d := m["error_description"].(string); !strings.Contains(d, "server log") {
			t.Errorf("%s: error_description = %q, want the generic message", path, d)
		}
	}
	r := e.do("alice-read", "GET", "/api/health/detailed", nil)
	if r.Status != http.StatusServiceUnavailable || r.JSON(t)["status"] != "unhealthy" {
		t.Errorf("detailed health of a closed store: %d %s, want 503 unhealthy", r.Status, r.Body)
	}
	e.noPaths(r.Body)
	r = e.do("", "GET", "/api/health", nil)
	if r.Status != http.StatusServiceUnavailable || string(bytes.TrimSpace(r.Body)) != `{"status":"unhealthy"}` {
		t.Errorf("health of a closed store: %d %s, want 503 {\"status\":\"unhealthy\"}", r.Status, r.Body)
	}
	if !strings.Contains(e.logs.String(), "request failed") {
		t.Errorf("internal errors were not logged:\n%s", e.logs)
	}
}

// TestStoreRecordsProvenance: a memory stored over REST records the path,
// the agent the client named and the key it used — not what the body says.
func TestStoreRecordsProvenance(t *testing.T) {
	e := MustOpenEnv(t)
	r := e.mustDo(200, "alice-write", "POST", "/api/memories",
		`{"content": "Provenance over REST", "metadata": {"provenance": {"via": "forged"}}}`, "X-Agent-ID", "ci-bot\r\nX: y").JSON(t)
	m, err := e.svc.Get(memory.WithOwner(context.Background(), "alice"), r["content_hash"].(string))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := m.Metadata[memory.ProvenanceKey].(map[string]any)
	if p["via"] != "rest" || p["credential"] != "key:a2" || p["client"] != "ci-bot  X: y" {
		t.Fatalf("provenance = %v, want via rest, credential key:a2, client without control characters", m.Metadata[memory.ProvenanceKey])
	}
}
