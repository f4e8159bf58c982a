package main

// The commands on the postgres backend, against a real PostgreSQL server:
// scripts/postgres.sh starts one and sets MCP_MEMORY_TEST_POSTGRES_URL
// (and the commands that stop and start it, for the fault test). Without
// it these tests skip, but for TestPostgresServerDownAtStart, which needs
// no server.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/postgres/postgrestest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// testPassword is put in every DSN the tests give the commands (the test
// server trusts local connections, so it is not checked): it must never
// appear in their output or logs.
const testPassword = "pw-never-shown-7c1e"

// pgTest is a fresh schema on the test server and the environment that
// points the commands at it.
type pgTest struct {
	dsn, schema string
	env         []string // for child processes
}

// newPGTest creates a schema on the test server (postgrestest), dropped
// when the test ends, or skips the test saying how to run it.
func newPGTest(t *testing.T) *pgTest {
	t.Helper()
	dsn, schema := postgrestest.DSN(t), postgrestest.NewSchema(t)
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Skip("MCP_MEMORY_TEST_POSTGRES_URL is not a URL; these tests add a password to it")
	}
	u.User = url.UserPassword(u.User.Username(), testPassword)
	withPW := u.String()
	return &pgTest{dsn: withPW, schema: schema, env: []string{
		"MCP_MEMORY_STORAGE_BACKEND=postgres", "MCP_MEMORY_POSTGRES_URL=" + withPW, "MCP_MEMORY_POSTGRES_SCHEMA=" + schema,
		"MCP_MEMORY_BASE_DIR=" + t.TempDir(),
	}}
}

// getenv returns the test's environment for run, with more settings.
func (p *pgTest) getenv(more ...string) func(string) string {
	m := map[string]string{}
	for _, kv := range append(append([]string{}, p.env...), more...) {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

// noPassword fails the test if out shows the DSN's password.
func noPassword(t *testing.T, what, out string) {
	t.Helper()
	if strings.Contains(out, testPassword) {
		t.Errorf("%s shows the database password:\n%s", what, out)
	}
}

// TestPostgresServerDownAtStart: with nothing listening, every command
// that opens the store exits non-zero at once with an error that names the
// setting and the server, and never the password.
func TestPostgresServerDownAtStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a port nothing listens on
	dsn := "postgres://memory:" + testPassword + "@" + addr + "/memory"
	for _, args := range [][]string{{"status"}, {"server", "--http", "--port", "0"}, {"server"}, {"search", "anything"}, {"keys", "list"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := command(ctx, []string{"MCP_MEMORY_STORAGE_BACKEND=postgres", "MCP_MEMORY_POSTGRES_URL=" + dsn, "LOG_LEVEL=debug",
			"MCP_MEMORY_BASE_DIR=" + t.TempDir()}, args...)
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		cancel()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("%v: %v, want exit status 1\n%s", args, err, out)
		}
		for _, want := range []string{"MCP_MEMORY_POSTGRES_URL", addr, "unavailable"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%v: output %q does not say %q", args, out, want)
			}
		}
		noPassword(t, fmt.Sprint(args), string(out))
	}
	// The backend without a URL is a configuration error naming it.
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"status", "--backend", "postgres"}, nil, &out, &errOut, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "MCP_MEMORY_POSTGRES_URL") {
		t.Errorf("status --backend postgres without a URL = %v, want an error naming MCP_MEMORY_POSTGRES_URL", err)
	}
}

// TestPostgresCommands runs every command that opens the store on the
// postgres backend: store, search, status, reembed, keys, users, ingest and
// the stdio server, each seeing what the others wrote.
func TestPostgresCommands(t *testing.T) {
	p := newPGTest(t)
	ctx := context.Background()
	getenv := p.getenv()
	var out, errOut bytes.Buffer
	runOK := func(stdin io.Reader, args ...string) string {
		t.Helper()
		out.Reset()
		errOut.Reset()
		if err := run(ctx, args, stdin, &out, &errOut, getenv); err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out.String(), errOut.String())
		}
		noPassword(t, fmt.Sprint(args), out.String()+errOut.String())
		return out.String()
	}
	hash := strings.TrimSpace(runOK(nil, "store", "-tags", "ops,db", "The", "nightly", "backup", "runs", "at", "two"))
	var res memory.SearchResult
	if err := json.Unmarshal([]byte(runOK(nil, "search", "-json", "when does the backup run")), &res); err != nil || res.Count != 1 || res.Results[0].Hash != hash {
		t.Fatalf("search -json = %s (%v), want the stored memory", out.String(), err)
	}
	if s := runOK(nil, "status"); !strings.Contains(s, "memories:  1") || !strings.Contains(s, "postgres ") || !strings.Contains(s, p.schema) {
		t.Errorf("status:\n%s", s)
	}
	var h memory.Health
	if err := json.Unmarshal([]byte(runOK(nil, "status", "-json")), &h); err != nil || h.Backend != "postgres" || h.Status != "healthy" {
		t.Errorf("status -json: backend %q, status %q (%v), want a healthy postgres", h.Backend, h.Status, err)
	}
	runOK(nil, "reembed")
	if s := out.String(); !strings.Contains(s, "re-embedded 0 memories") {
		t.Errorf("reembed of an embedded store: %s", s)
	}

	// Keys and users live in the database, for every process.
	key := strings.TrimSpace(runOK(nil, "keys", "create", "-name", "ci", "-scope", "read"))
	if s := runOK(nil, "keys", "list"); !strings.Contains(s, "ci") || !strings.Contains(s, "read") {
		t.Errorf("keys list:\n%s", s)
	}
	runOK(strings.NewReader("correct horse battery staple\n"), "users", "add", "dana")
	if s := runOK(nil, "users", "list"); !strings.Contains(s, "dana") {
		t.Errorf("users list:\n%s", s)
	}

	// Ingestion records its upload in the database.
	doc := filepath.Join(t.TempDir(), "boat.md")
	os.WriteFile(doc, []byte("# Boat\n\nThe anchor chain was replaced in April; check the windlass fuse."), 0o644)
	if s := runOK(nil, "ingest", "-tags", "boat", doc); !strings.Contains(s, "1 of 1 files ingested") {
		t.Errorf("ingest:\n%s", s)
	}
	if s := runOK(nil, "search", "-mode", "keyword", "windlass"); !strings.Contains(s, "windlass") {
		t.Errorf("search after ingest:\n%s", s)
	}

	// The stdio server sees all of it and writes for the others.
	cs := connect(t, "unused.db", p.env...)
	callTool(t, cs, "memory_store", map[string]any{"content": "Stored over stdio into PostgreSQL", "tags": []string{"stdio"}}, nil)
	callTool(t, cs, "memory_search", map[string]any{"query": "anchor chain"}, &res)
	if res.Count == 0 || !strings.Contains(res.Results[0].Content, "anchor chain") {
		t.Errorf("stdio search for the ingested document: %+v", res.Results)
	}
	if s := runOK(nil, "search", "-mode", "exact", "over stdio"); !strings.Contains(s, "Stored over stdio") {
		t.Errorf("CLI search for the stdio memory:\n%s", s)
	}

	// A daemon on the same database takes the key made by the CLI, and its
	// health reports the backend.
	d := startDaemonEnv(t, p.env...)
	code, body := request(t, "GET", d.URL+"/api/health/detailed", key, "")
	if code != 200 || !strings.Contains(body, `"backend":"postgres"`) {
		t.Errorf("GET /api/health/detailed = %d %s, want the postgres backend", code, body)
	}
	code, body = request(t, "GET", d.URL+"/api/memories?page_size=10", key, "")
	if code != 200 || !strings.Contains(body, `"total":3`) {
		t.Errorf("GET /api/memories = %d %s, want the 3 memories", code, body)
	}
	noPassword(t, "the daemon's log", d.Stderr.String())
}

// request sends a REST request with an API key and returns the status and
// body.
func request(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// restStore stores content over REST; it returns the status and the body.
func restStore(url, key, content string) (int, string, error) {
	b, _ := json.Marshal(map[string]any{"content": content})
	req, _ := http.NewRequest("POST", url+"/api/memories", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), nil
}

// mcpSession connects a go-sdk client to a daemon's /mcp with an API key.
func mcpSession(t *testing.T, base, key string) *mcp.ClientSession {
	t.Helper()
	hc := &http.Client{Transport: bearer{key}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "pg-test", Version: "1"}, nil).
		Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: base + "/mcp", HTTPClient: hc}, nil)
	if err != nil {
		t.Fatalf("connect to %s/mcp: %v", base, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

type bearer struct{ key string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return http.DefaultTransport.RoundTrip(r)
}

// TestPostgresTwoDaemons: two `memory server --http` processes on one
// database, each written to at the same time over REST and over MCP: every
// write is kept, and each daemon finds every memory, whichever daemon took
// it. A key made by the CLI works on both, and its revocation stops both.
func TestPostgresTwoDaemons(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two daemons")
	}
	p := newPGTest(t)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"keys", "create", "-name", "writers", "-scope", "write"}, nil, &out, &errOut, p.getenv()); err != nil {
		t.Fatalf("keys create: %v\n%s", err, errOut.String())
	}
	key := strings.TrimSpace(out.String())
	// Each daemon has its own data directory, as on its own machine.
	daemons := []*daemonProc{
		startDaemonEnv(t, append(p.env, "MCP_MEMORY_BASE_DIR="+t.TempDir())...),
		startDaemonEnv(t, append(p.env, "MCP_MEMORY_BASE_DIR="+t.TempDir())...),
	}
	const each = 100
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for di, d := range daemons {
		cs := mcpSession(t, d.URL, key)
		wg.Go(func() {
			for i := range each {
				if code, body, err := restStore(d.URL, key, fmt.Sprintf("rest d%d note%d written concurrently", di, i)); err != nil || code != 200 {
					errs <- fmt.Errorf("daemon %d REST store %d: %d %s %v", di, i, code, body, err)
					return
				}
			}
		})
		wg.Go(func() {
			for i := range each {
				if err := storeMemory(cs, fmt.Sprintf("mcp d%d note%d written concurrently", di, i)); err != nil {
					errs <- fmt.Errorf("daemon %d MCP store %d: %w", di, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	const total = 4 * each
	for di, d := range daemons {
		code, body := request(t, "GET", d.URL+"/api/memories?page_size=1", key, "")
		var page struct {
			Total int `json:"total"`
		}
		json.Unmarshal([]byte(body), &page)
		if code != 200 || page.Total != total {
			t.Fatalf("daemon %d lists %d memories (%d %s), want %d", di, page.Total, code, body, total)
		}
		// Every memory written through the other daemon is found here.
		cs := mcpSession(t, d.URL, key)
		other := 1 - di
		for _, via := range []string{"rest", "mcp"} {
			for i := range each {
				var res memory.SearchResult
				callTool(t, cs, "memory_search", map[string]any{"query": fmt.Sprintf("%s d%d note%d written", via, other, i), "mode": "exact", "limit": 2}, &res)
				if res.Count != 1 {
					t.Fatalf("daemon %d finds %d memories for %s d%d note%d, want 1", di, res.Count, via, other, i)
				}
			}
		}
	}

	// A revocation by the CLI stops the key on both daemons at once.
	id := strings.SplitN(strings.TrimPrefix(key, "mms_"), "_", 2)[0]
	out.Reset()
	if err := run(context.Background(), []string{"keys", "revoke", id}, nil, &out, &errOut, p.getenv()); err != nil {
		t.Fatalf("keys revoke %s: %v\n%s", id, err, errOut.String())
	}
	for di, d := range daemons {
		if code, _ := request(t, "GET", d.URL+"/api/memories?page_size=1", key, ""); code != http.StatusUnauthorized {
			t.Errorf("daemon %d after the revocation: %d, want 401", di, code)
		}
		noPassword(t, fmt.Sprintf("daemon %d's log", di), d.Stderr.String())
	}
}

// TestPostgresDaemonFault stops the PostgreSQL server under a running
// daemon: requests fail with 503 and a message that says the database is
// unavailable (no address, no connection string, no stack), MCP tool calls
// fail with that message, and once the server is back requests succeed
// again with every acknowledged write kept.
func TestPostgresDaemonFault(t *testing.T) {
	stop, start := os.Getenv(postgrestest.StopVar), os.Getenv(postgrestest.StartVar)
	p := newPGTest(t)
	if stop == "" || start == "" {
		t.Skip("set MCP_MEMORY_TEST_POSTGRES_STOP and MCP_MEMORY_TEST_POSTGRES_START to commands that stop and start the test server (scripts/postgres.sh does)")
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"keys", "create", "-name", "fault", "-scope", "write"}, nil, &out, &errOut, p.getenv()); err != nil {
		t.Fatalf("keys create: %v\n%s", err, errOut.String())
	}
	dbKey := strings.TrimSpace(out.String())
	// The bootstrap key is checked without the database, so that requests
	// reach the store; dbKey's requests fail earlier, at authentication.
	key := "bootstrap-key-for-the-fault-test"
	d := startDaemonEnv(t, append(p.env, "LOG_LEVEL=debug", "MCP_API_KEY="+key)...)
	cs := mcpSession(t, d.URL, key)
	var (
		mu    sync.Mutex
		acked []string
		n     int
	)
	// send stores a new memory and records it if the daemon acknowledged
	// it.
	send := func(content string) (int, string) {
		code, body, err := restStore(d.URL, key, content)
		if err != nil {
			return 0, err.Error()
		}
		if code == 200 {
			mu.Lock()
			acked = append(acked, content)
			mu.Unlock()
		}
		return code, body
	}
	store := func() (int, string) {
		n++
		return send(fmt.Sprintf("fault note %d acknowledged", n))
	}
	for range 5 {
		if code, body := store(); code != 200 {
			t.Fatalf("store before the fault: %d %s", code, body)
		}
	}
	// Writers keep storing through the stop and the start, so that some
	// requests lose their connection mid-statement or mid-commit: each
	// must end in 200 or 503, and every 200 must be kept.
	done := make(chan struct{})
	var wg sync.WaitGroup
	bad := make(chan string, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if code, body := send(fmt.Sprintf("writer %d note %d acknowledged", w, i)); code != 200 && code != http.StatusServiceUnavailable {
					bad <- fmt.Sprintf("writer %d: %d %s", w, code, body)
					return
				}
			}
		})
	}
	time.Sleep(100 * time.Millisecond) // let the writers get going: not an assertion

	shell(t, stop)
	started := false
	t.Cleanup(func() {
		if !started {
			shell(t, start)
		}
	})
	for range 3 {
		code, body := store()
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		json.Unmarshal([]byte(body), &e)
		if code != http.StatusServiceUnavailable || e.Error != memory.EUnavailable || !strings.Contains(e.Description, "database is unavailable") {
			t.Errorf("store with the server down: %d %s, want 503 saying the database is unavailable", code, body)
		}
		for _, leak := range []string{testPassword, "postgres://", p.schema, "goroutine", ".go:"} {
			if strings.Contains(body, leak) {
				t.Errorf("the error shows %q: %s", leak, body)
			}
		}
	}
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "memory_search", Arguments: map[string]any{"query": "fault note"}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "database is unavailable") {
		t.Errorf("MCP search with the server down: %v %+v, want a tool error saying the database is unavailable", err, res)
	}
	if code, body, err := restStore(d.URL, dbKey, "not stored"); err != nil || code != http.StatusServiceUnavailable || !strings.Contains(body, "database is unavailable") {
		t.Errorf("store with a key the daemon cannot look up: %d %s %v, want 503", code, body, err)
	}
	shell(t, start)
	started = true

	// Within a few requests (the pool drops its dead connections) every
	// request succeeds; none fails otherwise than with 503.
	for ok, i := 0, 0; ok < 5; i++ {
		switch code, body := store(); {
		case code == 200:
			ok++
		case code != http.StatusServiceUnavailable || i > 50:
			t.Fatalf("store after the restart: %d %s", code, body)
		}
	}
	close(done)
	wg.Wait()
	close(bad)
	for b := range bad {
		t.Error(b)
	}
	t.Logf("%d writes acknowledged across the restart", len(acked))
	for _, c := range acked {
		var res memory.SearchResult
		callTool(t, cs, "memory_search", map[string]any{"query": c, "mode": "exact"}, &res)
		if res.Count != 1 {
			t.Errorf("acknowledged %q is lost (%d found)", c, res.Count)
		}
	}
	logs := d.Stderr.String()
	noPassword(t, "the daemon's log", logs)
	if !strings.Contains(logs, "unavailable") {
		t.Errorf("the daemon logged nothing about the unavailable database:\n%s", logs)
	}
}

// shell runs a command of the test environment.
func shell(t *testing.T, cmd string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "sh", "-c", cmd).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
}
