package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// daemonProc is a `memory server --http` child process.
type daemonProc struct {
	URL    string             // its base URL
	Stderr *memorytest.Buffer // everything it wrote to stderr
}

// startDaemon runs `memory server --http` as a child process on db and a
// free port and returns its base URL.
func startDaemon(t *testing.T, db string, env ...string) string {
	t.Helper()
	return startDaemonEnv(t, append(env, "MCP_MEMORY_SQLITE_PATH="+db)...).URL
}

// startDaemonEnv runs `memory server --http` as a child process on a free
// port with env, which says where its storage is.
func startDaemonEnv(t *testing.T, env ...string) *daemonProc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := command(ctx, append(env, "MCP_SEMANTIC_DEDUP_ENABLED=false", "MCP_RATE_LIMIT=0"), "server", "--http", "--port", "0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	d := &daemonProc{Stderr: &memorytest.Buffer{}}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(d.Stderr, sc.Text())
			if _, rest, ok := strings.Cut(sc.Text(), "serving "); ok {
				urls <- strings.Fields(rest)[0]
			}
		}
	}()
	select {
	case d.URL = <-urls:
		return d
	case <-time.After(20 * time.Second):
		t.Fatalf("the daemon did not start:\n%s", d.Stderr.String())
	}
	return nil
}

// createKey runs `memory keys create` and returns the secret.
func createKey(t *testing.T, db, scope string) string {
	t.Helper()
	out, err := command(context.Background(), []string{"MCP_MEMORY_SQLITE_PATH=" + db}, "keys", "create", "-name", "test "+scope, "-scope", scope).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestBridgesAndRESTShareOneDaemon: two stdio bridges (`memory server
// --connect`) and a REST client write at the same time; nothing is lost and
// everything is found, by every client.
func TestBridgesAndRESTShareOneDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes")
	}
	db := filepath.Join(t.TempDir(), "daemon.db")
	key := createKey(t, db, "write")
	url := startDaemon(t, db)
	bridges := make([]*mcp.ClientSession, 2)
	for i := range bridges {
		cmd := command(context.Background(), []string{"MCP_API_KEY=" + key, "MCP_MEMORY_CONNECT=" + url}, "server")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "bridge-client", Version: "1"}, nil).Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			t.Fatalf("bridge %d: %v\n%s", i, err, stderr.String())
		}
		defer cs.Close()
		bridges[i] = cs
	}
	const each = 150
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for b, cs := range bridges {
		wg.Go(func() {
			for i := range each {
				if err := storeMemory(cs, fmt.Sprintf("bridge%d note%d written concurrently", b, i)); err != nil {
					errs <- fmt.Errorf("bridge %d store %d: %w", b, i, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range each {
			body, _ := json.Marshal(map[string]any{"content": fmt.Sprintf("rest note%d written concurrently", i)})
			req, _ := http.NewRequest("POST", url+"/api/memories", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(b), `"success":true`) {
				errs <- fmt.Errorf("REST store %d: %d %s", i, resp.StatusCode, b)
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Every client sees all 3×each memories and finds any of them first.
	var list memory.ListResult
	callTool(t, bridges[0], "memory_list", map[string]any{"page_size": 1}, &list)
	if list.Total != 3*each {
		t.Fatalf("bridge sees %d memories, want %d", list.Total, 3*each)
	}
	for _, who := range []string{"bridge0", "bridge1", "rest"} {
		for i := 0; i < each; i += 7 {
			var res memory.SearchResult
			callTool(t, bridges[1], "memory_search", map[string]any{"query": fmt.Sprintf("%s note%d", who, i), "mode": "exact", "limit": 1}, &res)
			if res.Count != 1 {
				t.Fatalf("%s note%d not found through the other bridge", who, i)
			}
		}
	}
	req, _ := http.NewRequest("GET", url+"/api/memories?page_size=1", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Total int `json:"total"`
	}
	json.NewDecoder(resp.Body).Decode(&page)
	if page.Total != 3*each {
		t.Fatalf("REST sees %d memories, want %d", page.Total, 3*each)
	}
}

func TestServerFlagsRefuseUnsafeSettings(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	for _, tc := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"server", "--http", "--host", "0.0.0.0", "--port", "0"}, "without authentication"},
		{[]string{"MCP_ALLOW_ANONYMOUS_ACCESS=true"}, []string{"server", "--http", "--host", "0.0.0.0", "--port", "0"}, "anonymous"},
		{[]string{"MCP_API_KEY=short"}, []string{"server", "--http", "--port", "0"}, "at least 16"},
		// An empty or blank key is no key: it never turns authentication
		// off (CVE-2026-44830).
		{[]string{"MCP_API_KEY="}, []string{"server", "--http", "--host", "0.0.0.0", "--port", "0"}, "without authentication"},
		{[]string{"MCP_API_KEY=" + strings.Repeat(" ", 20)}, []string{"server", "--http", "--port", "0"}, "without surrounding spaces"},
		{[]string{"MCP_CORS_ORIGINS=*"}, []string{"server", "--http", "--port", "0"}, "wildcards"},
		{nil, []string{"server", "--http", "--connect", "http://127.0.0.1:1"}, "exclude each other"},
		{nil, []string{"server", "--connect", "http://127.0.0.1:1"}, "connecting to the memory daemon"},
	} {
		out, err := command(context.Background(), append(tc.env, "MCP_MEMORY_SQLITE_PATH="+db), tc.args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("%v %v: err %v, output %q; want a refusal mentioning %q", tc.env, tc.args, err, out, tc.want)
		}
	}
}

// TestStdioStdoutCarriesOnlyProtocol: in stdio mode every line on stdout is
// a JSON-RPC message, even with debug logging on (logs go to stderr).
func TestStdioStdoutCarriesOnlyProtocol(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := command(ctx, []string{"MCP_MEMORY_SQLITE_PATH=" + db, "LOG_LEVEL=debug"}, "server")
	stdin, _ := cmd.StdinPipe()
	var stdout, stderr memorytest.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"memory_store","arguments":{"content":"stdout stays clean"}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"memory_search","arguments":{"query":"clean"}}}`,
	} {
		io.WriteString(stdin, m+"\n")
	}
	deadline := time.Now().Add(20 * time.Second)
	// Every answer, not just the last: tool calls run concurrently, and
	// closing stdin early cancels the ones still running.
	for !(strings.Contains(stdout.String(), `"id":2`) && strings.Contains(stdout.String(), `"id":3`)) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stdin.Close()
	cmd.Wait()
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) < 3 {
		t.Fatalf("stdout has %d lines: %q (stderr %q)", len(lines), stdout.String(), stderr.String())
	}
	for _, l := range lines {
		var msg struct {
			JSONRPC string `json:"jsonrpc"`
		}
		if json.Unmarshal([]byte(l), &msg) != nil || msg.JSONRPC != "2.0" {
			t.Errorf("stdout line is not a JSON-RPC message: %q", l)
		}
	}
	if stderr.Len() == 0 {
		t.Error("debug logging wrote nothing to stderr")
	}
}
