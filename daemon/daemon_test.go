package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/daemon"
	"github.com/mcp-memory-go/memory/httpapi"
	"github.com/mcp-memory-go/memory/mcpserver"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/mcp-memory-go/memory/timeexpr"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// env is a running daemon on loopback over a real SQLite store, with a
// key of each scope.
type env struct {
	t       *testing.T
	url     string
	store   *sqlite.Store
	svc     *memory.Service
	keys    map[string]string // scope → secret
	logs    *memorytest.Buffer
	stop    context.CancelFunc
	stopped chan error
}

func start(t *testing.T, cfg daemon.Config, authn *auth.Authenticator, configure ...func(*env, *daemon.Config)) *env {
	t.Helper()
	ctx := context.Background()
	st := sqlite.New(filepath.Join(t.TempDir(), "m.db"))
	if err := st.Open(ctx); err != nil {
		t.Fatal(err)
	}
	svc := memory.NewService(st, memorytest.NewFakeEmbedder(32))
	svc.TimeParser = timeexpr.Bounds
	e := &env{t: t, store: st, svc: svc, keys: map[string]string{}, logs: &memorytest.Buffer{}}
	for _, scope := range auth.Scopes() {
		k, secret, err := auth.NewKey("test "+scope, memory.LocalOwner, scope, time.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		e.keys[scope] = secret
	}
	if authn == nil {
		authn = &auth.Authenticator{}
	}
	authn.Keys, authn.Tickets = st, auth.NewTickets()
	if cfg.RateLimit == 0 {
		cfg.RateLimit = -1 // tests that count on limits set them
	}
	cfg.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Version = "test"
	for _, f := range configure {
		f(e, &cfg)
	}
	d, err := daemon.New(ctx, svc, authn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.url = "http://" + ln.Addr().String()
	sctx, stop := context.WithCancel(ctx)
	e.stop, e.stopped = stop, make(chan error, 1)
	go func() { e.stopped <- d.Serve(sctx, ln) }()
	t.Cleanup(func() {
		stop()
		<-e.stopped
		st.Close()
	})
	return e
}

// do sends a request with the key of scope ("" = none) and returns the
// status and body.
func (e *env) do(method, path, scope string, body any, hdr ...string) (int, string, http.Header) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if scope != "" {
		req.Header.Set("Authorization", "Bearer "+e.keys[scope])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// mcpClient connects a real go-sdk client to /mcp with the key of scope.
func (e *env) mcpClient(scope, version string) (*mcp.ClientSession, error) {
	hc := &http.Client{Transport: keyTransport{key: e.keys[scope]}}
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	return c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: e.url + "/mcp", HTTPClient: hc},
		&mcp.ClientSessionOptions{ProtocolVersion: version})
}

type keyTransport struct{ key string }

func (k keyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if k.key != "" {
		r.Header.Set("X-API-Key", k.key)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestRefusesExposedAddressWithoutAuth(t *testing.T) {
	ctx := context.Background()
	st := sqlite.New(filepath.Join(t.TempDir(), "m.db"))
	if err := st.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := memory.NewService(st, nil)
	for _, tc := range []struct {
		name  string
		addr  string
		authn *auth.Authenticator
		ok    bool
	}{
		{"loopback without keys", "127.0.0.1:0", &auth.Authenticator{Keys: st}, true},
		{"all interfaces without keys", "0.0.0.0:8000", &auth.Authenticator{Keys: st}, false},
		{"lan address without keys", "192.168.1.10:8000", &auth.Authenticator{Keys: st}, false},
		{"all interfaces with anonymous access", "0.0.0.0:8000", &auth.Authenticator{Keys: st, Anonymous: true, BootstrapKey: "0123456789abcdef0123"}, false},
		{"all interfaces with a bootstrap key", "0.0.0.0:8000", &auth.Authenticator{Keys: st, BootstrapKey: "0123456789abcdef0123"}, true},
		{"ipv6 loopback without keys", "[::1]:8000", &auth.Authenticator{Keys: st}, true},
	} {
		_, err := daemon.New(ctx, svc, tc.authn, daemon.Config{Addr: tc.addr})
		if (err == nil) != tc.ok {
			t.Errorf("%s: New error %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	if _, err := daemon.New(ctx, svc, &auth.Authenticator{Keys: st}, daemon.Config{}); err != nil {
		t.Errorf("default address is not loopback: %v", err)
	}
}

// anonymousRoutes are all a caller without credentials may use: health
// (status only), the API reference, the login, and the dashboard's page
// and assets (which hold no data).
var anonymousRoutes = []string{"GET /api/health", "POST /api/session", "GET /api/openapi.json", "GET /api/docs",
	"GET /mcp/health", "GET /health", "GET /"}

// TestOnlyAllowlistedRoutesAreAnonymous: through the whole daemon, every
// route but the allowlist answers 401 without credentials (upstream's
// /api/documents had no authentication at all, CVE-2026-50027), with
// documents on so that their routes are really served.
func TestOnlyAllowlistedRoutesAreAnonymous(t *testing.T) {
	e := start(t, daemon.Config{}, nil, withDocuments(t.TempDir()))
	routes := append(httpapi.New(e.svc).Routes(), daemonRoutes...)
	for _, m := range []string{"GET", "POST", "DELETE"} {
		routes = append(routes, httpapi.Route{Method: m, Path: "/mcp", Scope: auth.ScopeRead})
	}
	var open []string
	for _, rt := range routes {
		name := rt.Method + " " + rt.Path
		path := strings.NewReplacer("{content_hash}", strings.Repeat("ab", 32), "{upload_id}", "u", "{id}", "000000000000").Replace(rt.Path)
		var body any
		if rt.Body != nil || rt.Form != nil || rt.Path == "/mcp" && rt.Method == "POST" {
			body = `{"jsonrpc":"2.0","id":1,"method":"tools/list","content":"x"}`
		}
		code, resp, _ := e.do(rt.Method, path, "", body)
		if code != 401 {
			open = append(open, name)
			if !slices.Contains(anonymousRoutes, name) {
				t.Errorf("%s without credentials: %d %.200s, want 401", name, code, resp)
			}
		}
	}
	if !slices.Equal(open, anonymousRoutes) {
		t.Errorf("routes open without credentials %q, want exactly %q", open, anonymousRoutes)
	}
	if st, _ := e.store.Stats(context.Background(), ""); st.Memories != 0 {
		t.Errorf("anonymous requests stored %d memories", st.Memories)
	}
}

func TestAnonymousHealthIsStatusOnly(t *testing.T) {
	e := start(t, daemon.Config{}, nil)
	for _, scope := range []string{"", auth.ScopeAdmin} {
		code, body, _ := e.do("GET", "/api/health", scope, nil)
		var got map[string]any
		if code != 200 || json.Unmarshal([]byte(body), &got) != nil || len(got) != 1 || got["status"] == nil {
			t.Errorf("health (scope %q): %d %s; want only a status", scope, code, body)
		}
	}
	if code, _, _ := e.do("GET", "/api/health/detailed", "", nil); code != 401 {
		t.Errorf("anonymous detailed health: %d, want 401", code)
	}
}

func TestAuthentication(t *testing.T) {
	e := start(t, daemon.Config{}, &auth.Authenticator{BootstrapKey: "bootstrap-key-0123456789"})
	cases := []struct {
		name string
		hdr  []string
		path string
		want int
	}{
		{"no credentials", nil, "/api/memories", 401},
		{"wrong key", []string{"Authorization", "Bearer mms_000000000000_" + strings.Repeat("A", 43)}, "/api/memories", 401},
		{"garbage bearer", []string{"Authorization", "Bearer nope"}, "/api/memories", 401},
		{"basic auth", []string{"Authorization", "Basic dXNlcjpwYXNz"}, "/api/memories", 401},
		{"key in the query string", nil, "/api/memories?api_key=" + e.keys[auth.ScopeRead], 401},
		{"token in the query string", nil, "/api/memories?token=" + e.keys[auth.ScopeRead], 401},
		{"X-API-Key", []string{"X-API-Key", e.keys[auth.ScopeRead]}, "/api/memories", 200},
		{"bearer", []string{"Authorization", "Bearer " + e.keys[auth.ScopeRead]}, "/api/memories", 200},
		{"bootstrap key", []string{"Authorization", "Bearer bootstrap-key-0123456789"}, "/api/memories", 200},
		{"two different keys", []string{"Authorization", "Bearer " + e.keys[auth.ScopeRead], "X-API-Key", e.keys[auth.ScopeWrite]}, "/api/memories", 401},
		{"bad key on a public route", []string{"Authorization", "Bearer nope"}, "/api/health", 401},
	}
	for _, tc := range cases {
		code, body, h := e.do("GET", tc.path, "", nil, tc.hdr...)
		if code != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.want)
		}
		if code == 401 && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: 401 without a Bearer WWW-Authenticate challenge: %q", tc.name, h.Get("WWW-Authenticate"))
		}
	}
	// An event-stream ticket opens the event stream and nothing else; a
	// try elsewhere does not spend it.
	code, body, _ := e.do("POST", "/api/events/ticket", auth.ScopeRead, map[string]any{})
	var tk struct {
		Ticket string `json:"ticket"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &tk) != nil {
		t.Fatalf("ticket: %d %s", code, body)
	}
	for _, p := range []string{"/api/memories?ticket=", "/api/events/stats?ticket=", "/mcp?ticket=", "/metrics?ticket="} {
		if code, _, _ := e.do("GET", p+tk.Ticket, "", nil); code != 401 {
			t.Errorf("GET %s…: %d, want 401", p, code)
		}
	}
	if code, _, _ := e.do("POST", "/api/memories?ticket="+tk.Ticket, "", `{"content":"x"}`); code != 401 {
		t.Errorf("POST with a ticket: %d, want 401", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/api/events?ticket="+tk.Ticket, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("events with the ticket after tries elsewhere: %v %v", err, resp)
	}
	cancel()
	if resp != nil {
		resp.Body.Close()
	}
	// A revoked key stops working at once.
	id := strings.Split(e.keys[auth.ScopeRead], "_")[1]
	if err := e.store.RevokeKey(context.Background(), id, time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.do("GET", "/api/memories", auth.ScopeRead, nil); code != 401 {
		t.Errorf("revoked key: %d, want 401", code)
	}
	// Secrets never reach the log.
	for _, k := range e.keys {
		if strings.Contains(e.logs.String(), k) || strings.Contains(e.logs.String(), "bootstrap-key-0123456789") {
			t.Fatal("an API key appears in the log")
		}
	}
}

// TestLogsCannotBeForged: CR and LF that a client puts in a path (404,
// 405, a refused key, a refused Host) never start a log line of their own
// (CWE-117), and no key appears in the log.
func TestLogsCannotBeForged(t *testing.T) {
	e := start(t, daemon.Config{}, nil)
	forged := "%0D%0Atime=2026-01-01T00:00:00Z%20level=ERROR%20msg=forged%0A"
	for _, tc := range []struct {
		method, path, scope string
		hdr                 []string
	}{
		{"GET", "/api/nope" + forged, auth.ScopeRead, nil},
		{"PATCH", "/api/memories" + forged, auth.ScopeRead, nil},
		{"GET", "/api/memories" + forged, "", []string{"Authorization", "Bearer mms_000000000000_" + strings.Repeat("A", 43)}},
		{"GET", "/api/memories/" + forged, auth.ScopeRead, nil},
		{"GET", "/x" + forged, auth.ScopeRead, []string{"Host", "evil.example"}},
		{"POST", "/mcp" + forged, auth.ScopeRead, nil},
	} {
		e.do(tc.method, tc.path, tc.scope, nil, tc.hdr...)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "forged") {
		t.Fatalf("the requests were not logged:\n%s", logs)
	}
	for line := range strings.Lines(logs) {
		if !strings.HasPrefix(line, "time=") || strings.HasPrefix(line, "time=2026-01-01") {
			t.Errorf("forged log line: %q", line)
		}
	}
	for _, k := range e.keys {
		if strings.Contains(logs, k) {
			t.Error("an API key appears in the log")
		}
	}
}

func TestScopesSameOnRESTAndMCP(t *testing.T) {
	e := start(t, daemon.Config{MCP: mcpserver.Options{ListLegacyTools: true}}, nil, withDocuments(t.TempDir()))
	ctx := context.Background()
	// REST: a read key reads and cannot write; a write key writes.
	if code, body, h := e.do("POST", "/api/memories", auth.ScopeRead, map[string]any{"content": "read keys cannot write"}); code != 403 || !strings.Contains(h.Get("WWW-Authenticate"), "insufficient_scope") || !strings.Contains(body, "insufficient_scope") {
		t.Errorf("REST store with a read key: %d %s %q", code, body, h.Get("WWW-Authenticate"))
	}
	if code, body, _ := e.do("POST", "/api/memories", auth.ScopeWrite, map[string]any{"content": "write keys can write"}); code != 200 {
		t.Errorf("REST store with a write key: %d %s", code, body)
	}
	// MCP: every tool, the hidden v8 names and the admin-only ingestion
	// tools included, needs the scope its annotations promise (reading
	// the server's files needs admin), on every protocol revision.
	adminTools := map[string]bool{"memory_ingest": true, "ingest_document": true, "ingest_directory": true}
	for _, version := range []string{"2025-06-18", "2025-11-25", ""} {
		cs, err := e.mcpClient(auth.ScopeAdmin, version)
		if err != nil {
			t.Fatalf("MCP connect (%q): %v", version, err)
		}
		tools, err := cs.ListTools(ctx, nil)
		cs.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, tool := range tools.Tools {
			need := auth.ScopeWrite
			switch {
			case adminTools[tool.Name]:
				need = auth.ScopeAdmin
			case tool.Annotations != nil && tool.Annotations.ReadOnlyHint:
				need = auth.ScopeRead
			}
			if got := mcpserver.ToolScope(tool.Name); got != need {
				t.Errorf("ToolScope(%s)=%s, want %s", tool.Name, got, need)
			}
			for _, scope := range []string{auth.ScopeRead, auth.ScopeWrite} {
				args := map[string]any{"query": "write keys", "content": "sent with a " + scope + " key", "content_hash": "0", "turns": []any{}, "file_path": "/nonexistent"}
				// A refusal is an HTTP 403 (insufficient_scope, as the MCP
				// authorization spec asks), which ends the client's
				// session: every call gets a fresh one.
				c, err := e.mcpClient(scope, version)
				if err != nil {
					t.Fatal(err)
				}
				res, err := c.CallTool(ctx, &mcp.CallToolParams{Name: tool.Name, Arguments: args})
				c.Close()
				denied := err != nil && strings.Contains(err.Error(), "Forbidden")
				if want := !slices.Contains(auth.Implied(scope), need); denied != want {
					t.Errorf("%s with a %s key (%q): err %v, result %+v; want denied=%v (CVE-2026-49291)", tool.Name, scope, version, err, res, want)
				}
			}
		}
	}
	if found, _ := e.svc.Search(ctx, memory.SearchRequest{Query: "sent with a read key", Mode: memory.ModeExact}); found.Count != 0 {
		t.Error("a read key wrote through MCP")
	}
	// Prompts: learning_session stores a memory, so it needs write too;
	// the others only read.
	promptArgs := map[string]string{"time_period": "today", "format": "text", "topic": "read keys", "key_points": "they cannot write"}
	for _, prompt := range []string{"memory_review", "memory_analysis", "knowledge_export", "memory_cleanup", "learning_session"} {
		c, err := e.mcpClient(auth.ScopeRead, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetPrompt(ctx, &mcp.GetPromptParams{Name: prompt, Arguments: promptArgs})
		c.Close()
		denied := err != nil && strings.Contains(err.Error(), "Forbidden")
		if want := prompt == "learning_session"; denied != want {
			t.Errorf("prompt %s with a read key: %v, want denied=%v", prompt, err, want)
		}
	}
	if found, _ := e.svc.Search(ctx, memory.SearchRequest{Query: "they cannot write", Mode: memory.ModeExact}); found.Count != 0 {
		t.Error("a read key stored a memory through prompts/get learning_session")
	}
	// The scope check reads the body with the SDK's exact key matching: a
	// second key differing in case cannot pass a writing call off as a
	// read-only one, alone or in a batch.
	for _, body := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"memory_store","Name":"memory_search","arguments":{"content":"smuggled"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","Method":"ping","params":{"name":"memory_store","arguments":{"content":"smuggled"}}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"memory_store","NAME":"memory_list","arguments":{"content":"smuggled"}}}]`,
		`{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"learning_session","Name":"memory_review","arguments":{"topic":"t","key_points":"smuggled"}}}`,
	} {
		code, resp, h := e.do("POST", "/mcp", auth.ScopeRead, body, "Accept", "application/json, text/event-stream")
		if code != 403 || !strings.Contains(h.Get("WWW-Authenticate"), "insufficient_scope") {
			t.Errorf("read key, %s: %d %s", body, code, resp)
		}
	}
	// The ingestion tools ask for admin in their challenge, so a client
	// knows which scope to ask for.
	_, _, h := e.do("POST", "/mcp", auth.ScopeWrite, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"memory_ingest","arguments":{"file_path":"/x"}}}`,
		"Accept", "application/json, text/event-stream")
	if !strings.Contains(h.Get("WWW-Authenticate"), `scope="admin"`) {
		t.Errorf("memory_ingest with a write key: challenge %q, want scope=\"admin\"", h.Get("WWW-Authenticate"))
	}
	if found, _ := e.svc.Search(ctx, memory.SearchRequest{Query: "smuggled", Mode: memory.ModeExact}); found.Count != 0 {
		t.Error("a read key wrote through a smuggled tool name")
	}
	// A write key writes through MCP.
	cs, err := e.mcpClient(auth.ScopeWrite, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "memory_store", Arguments: map[string]any{"content": "stored over MCP with a write key"}})
	if err != nil || res.IsError {
		t.Fatalf("MCP store with a write key: %v %+v", err, res)
	}
	// Without credentials /mcp is 401.
	if code, _, _ := e.do("POST", "/mcp", "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`); code != 401 {
		t.Errorf("/mcp without a key: %d, want 401", code)
	}
}

func TestHostAndOriginChecks(t *testing.T) {
	e := start(t, daemon.Config{AllowedOrigins: []string{"https://app.example.com"}}, nil)
	port := e.url[strings.LastIndex(e.url, ":")+1:]
	for _, tc := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"foreign host (DNS rebinding)", []string{"Host", "evil.example.com"}, 403},
		{"foreign host with port", []string{"Host", "evil.example.com:" + port}, 403},
		{"localhost", []string{"Host", "localhost:" + port}, 200},
		{"127.0.0.1", []string{"Host", "127.0.0.1:" + port}, 200},
		{"foreign origin", []string{"Origin", "http://evil.example.com"}, 403},
		{"own origin", []string{"Origin", e.url}, 200},
		{"allowed origin", []string{"Origin", "https://app.example.com"}, 200},
		{"null origin", []string{"Origin", "null"}, 403},
	} {
		for _, path := range []string{"/api/memories", "/mcp", "/", "/assets/app.css", "/api/docs"} {
			method := "GET"
			var body any
			if path == "/mcp" {
				method, body = "POST", `{"jsonrpc":"2.0","id":1,"method":"ping"}`
			}
			code, resp, h := e.do(method, path, auth.ScopeRead, body, tc.hdr...)
			if tc.want == 403 && code != 403 || tc.want == 200 && code == 403 {
				t.Errorf("%s on %s: %d %.200s, want %d", tc.name, path, code, resp, tc.want)
			}
			// CORS: never the wildcard; credentials only for the listed origin.
			if acao := h.Get("Access-Control-Allow-Origin"); acao == "*" || acao != "" && acao != "https://app.example.com" ||
				h.Get("Access-Control-Allow-Credentials") != "" && acao != "https://app.example.com" {
				t.Errorf("%s on %s: Access-Control-Allow-Origin %q, -Credentials %q", tc.name, path, acao, h.Get("Access-Control-Allow-Credentials"))
			}
		}
	}
	// The listed origin gets its own origin back, with credentials.
	_, _, h0 := e.do("GET", "/api/memories", auth.ScopeRead, nil, "Origin", "https://app.example.com")
	if h0.Get("Access-Control-Allow-Origin") != "https://app.example.com" || h0.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("CORS for the listed origin: %q %q", h0.Get("Access-Control-Allow-Origin"), h0.Get("Access-Control-Allow-Credentials"))
	}
	// CORS: only the listed origin, never "*".
	_, _, h := e.do("OPTIONS", "/api/memories", "", nil, "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST")
	if got := h.Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
		t.Errorf("CORS preflight allows %q", got)
	}
	code, _, h := e.do("OPTIONS", "/api/memories", "", nil, "Origin", "https://other.example.com", "Access-Control-Request-Method", "POST")
	if h.Get("Access-Control-Allow-Origin") != "" || code != 403 {
		t.Errorf("CORS preflight from an unlisted origin: %d allow %q", code, h.Get("Access-Control-Allow-Origin"))
	}
}

func TestSecurityHeadersAndErrors(t *testing.T) {
	e := start(t, daemon.Config{}, nil)
	for _, path := range []string{"/api/health", "/api/nope", "/api/memories"} {
		_, body, h := e.do("GET", path, "", nil)
		for _, k := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
			if h.Get(k) == "" {
				t.Errorf("%s: no %s header", path, k)
			}
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q lacks frame-ancestors 'none'", path, h.Get("Content-Security-Policy"))
		}
		if strings.Contains(body, ".go") || strings.Contains(body, "goroutine") || strings.Contains(body, "/tmp/") {
			t.Errorf("%s: error body leaks internals: %s", path, body)
		}
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	e := start(t, daemon.Config{MaxBodyBytes: 4096}, nil)
	for _, tc := range []struct {
		name   string
		body   string
		ctype  string
		status int
	}{
		{"malformed JSON", `{"content": "half`, "application/json", 400},
		{"wrong content type", `{"content":"plain text body"}`, "text/plain", 415},
		{"body over the limit", `{"content":"` + strings.Repeat("x", 5000) + `"}`, "application/json", 413},
	} {
		req, _ := http.NewRequest("POST", e.url+"/api/memories", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ctype)
		req.Header.Set("Authorization", "Bearer "+e.keys[auth.ScopeWrite])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var je map[string]any
		if resp.StatusCode != tc.status || json.Unmarshal(b, &je) != nil || je["error"] == nil {
			t.Errorf("%s: %d %s, want %d with a JSON error", tc.name, resp.StatusCode, b, tc.status)
		}
	}
	// An MCP body over the limit is refused too.
	if code, _, _ := e.do("POST", "/mcp", auth.ScopeWrite, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"memory_store","arguments":{"content":"`+strings.Repeat("y", 5000)+`"}}}`); code != 413 {
		t.Errorf("MCP body over the limit: %d, want 413", code)
	}
	for _, path := range []string{"/api/memories/0000", "/api/search/similar/0000"} {
		if code, _, _ := e.do("GET", path, auth.ScopeRead, nil); code != 404 {
			t.Errorf("GET %s: %d, want 404", path, code)
		}
	}
	if code, _, _ := e.do("DELETE", "/api/memories/0000", auth.ScopeWrite, nil); code != 404 {
		t.Errorf("DELETE unknown: %d, want 404", code)
	}
	st, _ := e.store.Stats(context.Background(), "")
	if st.Memories != 0 || st.Tombstones != 0 {
		t.Errorf("bad input wrote something: %+v", st)
	}
}

func TestRateLimit(t *testing.T) {
	e := start(t, daemon.Config{RateLimit: 1, RateBurst: 3}, nil)
	var limited bool
	for range 10 {
		code, _, h := e.do("GET", "/api/memories", auth.ScopeRead, nil)
		if code == 429 {
			limited = true
			if h.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			break
		}
	}
	if !limited {
		t.Fatal("10 quick requests at 1/s with a burst of 3 were never limited")
	}
	// Another key has its own budget.
	if code, _, _ := e.do("GET", "/api/memories", auth.ScopeWrite, nil); code == 429 {
		t.Error("one key's requests limited another key")
	}
	// So do MCP tool calls.
	var mcpLimited bool
	for range 10 {
		code, _, _ := e.do("POST", "/mcp", auth.ScopeAdmin, `{"jsonrpc":"2.0","id":1,"method":"ping"}`, "Accept", "application/json, text/event-stream")
		if code == 429 {
			mcpLimited = true
			break
		}
	}
	if !mcpLimited {
		t.Error("MCP requests are not rate-limited")
	}
}

func TestEventsForEveryWritePath(t *testing.T) {
	e := start(t, daemon.Config{Heartbeat: time.Hour}, nil)
	// A browser asks for a ticket, then opens the stream with it.
	code, body, _ := e.do("POST", "/api/events/ticket", auth.ScopeRead, map[string]any{})
	var tk struct {
		Ticket string `json:"ticket"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &tk) != nil || tk.Ticket == "" {
		t.Fatalf("ticket: %d %s", code, body)
	}
	req, _ := http.NewRequest("GET", e.url+"/api/events?ticket="+tk.Ticket, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("events with a ticket: %d", resp.StatusCode)
	}
	// The ticket is spent.
	req2, _ := http.NewRequest("GET", e.url+"/api/events?ticket="+tk.Ticket, nil)
	if resp2, err := http.DefaultClient.Do(req2); err == nil {
		if resp2.StatusCode != 401 {
			t.Errorf("reused ticket: %d, want 401", resp2.StatusCode)
		}
		resp2.Body.Close()
	}
	lines := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		var acc string
		for {
			n, err := resp.Body.Read(buf)
			acc += string(buf[:n])
			for {
				i := strings.Index(acc, "\n")
				if i < 0 {
					break
				}
				lines <- acc[:i]
				acc = acc[i+1:]
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	waitFor := func(what string) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("stream ended before %q", what)
				}
				if strings.Contains(l, what) {
					return
				}
			case <-deadline:
				t.Fatalf("no %q event", what)
			}
		}
	}
	waitFor("connection_established")
	e.do("POST", "/api/memories", auth.ScopeWrite, map[string]any{"content": "written over REST"})
	waitFor("written over REST")
	cs, err := e.mcpClient(auth.ScopeWrite, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "memory_store", Arguments: map[string]any{"content": "written over MCP"}}); err != nil {
		t.Fatal(err)
	}
	waitFor("written over MCP")
	if _, err := e.svc.Store(context.Background(), memory.StoreRequest{Content: "written by the service directly"}); err != nil {
		t.Fatal(err)
	}
	waitFor("written by the service directly")
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "memory_delete", Arguments: map[string]any{"content_hash": memory.ContentHash("written over MCP")}}); err != nil {
		t.Fatal(err)
	}
	waitFor("memory_deleted")
}

func TestMetrics(t *testing.T) {
	e := start(t, daemon.Config{}, nil)
	e.do("POST", "/api/memories", auth.ScopeWrite, map[string]any{"content": "counted"})
	e.do("POST", "/api/search", auth.ScopeRead, map[string]any{"query": "counted"})
	if code, _, _ := e.do("GET", "/metrics", "", nil); code != 401 {
		t.Errorf("anonymous metrics: %d, want 401", code)
	}
	if code, _, _ := e.do("GET", "/metrics", auth.ScopeWrite, nil); code != 403 {
		t.Errorf("metrics for a write key: %d, want 403 (they count every user's memories)", code)
	}
	code, body, _ := e.do("GET", "/metrics", auth.ScopeAdmin, nil)
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, m := range []string{"http_requests_total", "http_request_duration_seconds", "memory_memories 1", "memory_index_size_bytes", "memory_embed_duration_seconds"} {
		if !strings.Contains(body, m) {
			t.Errorf("metrics lack %q", m)
		}
	}
	if strings.Contains(body, "counted") {
		t.Error("metrics leak memory content")
	}
}

// blockingStore holds Insert until released, to catch shutdown mid-write.
type blockingStore struct {
	memory.Store
	entered chan struct{}
	release chan struct{}
}

func (b *blockingStore) Insert(ctx context.Context, ms []*memory.Memory) error {
	close(b.entered)
	<-b.release
	return b.Store.Insert(ctx, ms)
}

func TestShutdownFinishesInFlightWrites(t *testing.T) {
	e := start(t, daemon.Config{}, nil)
	bs := &blockingStore{Store: e.store, entered: make(chan struct{}), release: make(chan struct{})}
	e.svc.Storage = bs
	done := make(chan int, 1)
	go func() {
		code, _, _ := e.do("POST", "/api/memories", auth.ScopeWrite, map[string]any{"content": "acknowledged during shutdown"})
		done <- code
	}()
	<-bs.entered
	e.stop() // shutdown begins while the write is in flight
	// Wait until it has: the listener refuses new connections.
	host := strings.TrimPrefix(e.url, "http://")
	for {
		c, err := net.Dial("tcp", host)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(5 * time.Millisecond)
	}
	close(bs.release)
	if code := <-done; code != 200 {
		t.Fatalf("in-flight write during shutdown: %d", code)
	}
	if err := <-e.stopped; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	e.stopped <- nil // for the cleanup
	if _, err := e.store.Get(context.Background(), memory.LocalOwner, memory.ContentHash("acknowledged during shutdown")); err != nil {
		t.Fatalf("acknowledged write lost: %v", err)
	}
}

// TestUpstreamCompatibleEndpoints: the plain JSON-RPC POST /mcp that
// upstream's hooks send (no initialize, no session, JSON only), GET
// /mcp/tools and /mcp/health, and upstream's OpenAPI path.
func TestUpstreamCompatibleEndpoints(t *testing.T) {
	e := start(t, daemon.Config{}, nil)
	code, body, h := e.do("POST", "/mcp", auth.ScopeWrite, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"store_memory","arguments":{"content":"stored by a hook"}}}`)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") || !strings.Contains(body, `"id":7`) || !strings.Contains(body, "Memory stored") {
		t.Fatalf("sessionless tools/call: %d %q %s", code, h.Get("Content-Type"), body)
	}
	code, body, _ = e.do("POST", "/mcp", auth.ScopeRead, `{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"store_memory","arguments":{"content":"a read key in a hook"}}}`)
	if code != 403 {
		t.Errorf("sessionless write with a read key: %d %s", code, body)
	}
	code, body, _ = e.do("GET", "/mcp/tools", auth.ScopeRead, nil)
	if code != 200 || !strings.Contains(body, `"memory_search"`) {
		t.Errorf("/mcp/tools: %d %.200s", code, body)
	}
	if code, _, _ := e.do("GET", "/mcp/tools", "", nil); code != 401 {
		t.Errorf("anonymous /mcp/tools: %d", code)
	}
	if code, body, _ := e.do("GET", "/mcp/health", "", nil); code != 200 || body != "{\"status\":\"healthy\"}\n" {
		t.Errorf("/mcp/health: %d %q", code, body)
	}
	code, body, _ = e.do("GET", "/openapi.json", "", nil)
	if code != 200 || !strings.Contains(body, `"openapi":"3.1.0"`) && !strings.Contains(body, `"openapi": "3.1.0"`) {
		t.Errorf("/openapi.json: %d %.100s", code, body)
	}
}

// TestOwnersAreIsolatedOverMCP: keys of different owners never see each
// other's memories through MCP (BOLA).
func TestOwnersAreIsolatedOverMCP(t *testing.T) {
	e := start(t, daemon.Config{}, nil)
	ctx := context.Background()
	for _, owner := range []string{"alice", "bob"} {
		k, secret, err := auth.NewKey(owner, owner, auth.ScopeWrite, time.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		e.keys[owner] = secret
	}
	alice, err := e.mcpClient("alice", "")
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	if res, err := alice.CallTool(ctx, &mcp.CallToolParams{Name: "memory_store", Arguments: map[string]any{"content": "alice's private note about the merger"}}); err != nil || res.IsError {
		t.Fatalf("alice stores: %v %+v", err, res)
	}
	bob, err := e.mcpClient("bob", "2025-11-25")
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	hash := memory.ContentHash("alice's private note about the merger")
	for _, call := range []mcp.CallToolParams{
		{Name: "memory_search", Arguments: map[string]any{"query": "private note merger"}},
		{Name: "memory_list", Arguments: map[string]any{}},
		{Name: "memory_delete", Arguments: map[string]any{"content_hash": hash}},
		{Name: "memory_update", Arguments: map[string]any{"content_hash": hash, "updates": map[string]any{"tags": []string{"stolen"}}}},
	} {
		res, err := bob.CallTool(ctx, &call)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		if strings.Contains(string(b), "alice's private") && !res.IsError {
			t.Errorf("bob's %s reaches alice's memory: %s", call.Name, b)
		}
	}
	if m, err := e.store.Get(ctx, "alice", hash); err != nil || len(m.Tags) != 0 {
		t.Errorf("alice's memory after bob's attempts: %v %+v", err, m)
	}
}

// TestShutdownEndsEventStreams: an event stream opened without an
// Accept header (curl) does not hold up shutdown.
func TestShutdownEndsEventStreams(t *testing.T) {
	e := start(t, daemon.Config{ShutdownTimeout: time.Minute}, nil)
	req, _ := http.NewRequest("GET", e.url+"/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+e.keys[auth.ScopeRead])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 256)
	if _, err := resp.Body.Read(buf); err != nil { // connection_established
		t.Fatal(err)
	}
	e.stop()
	select {
	case err := <-e.stopped:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
		e.stopped <- nil // for the cleanup
	case <-time.After(20 * time.Second): // the shutdown timeout is a minute
		t.Fatal("an open event stream held up shutdown")
	}
}
