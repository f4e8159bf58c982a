package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMain lets the test binary act as the memory command in child
// processes, so end-to-end tests run real processes without a build step.
func TestMain(m *testing.M) {
	if os.Getenv("MEMORY_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// command returns an exec.Cmd running `memory args…` as a child process.
func command(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "MEMORY_TEST_AS_MAIN=1"), env...)
	return cmd
}

// connect starts `memory server` on db and returns a go-sdk client session
// talking to it over the child's real stdin and stdout.
func connect(tb testing.TB, db string, env ...string) *mcp.ClientSession {
	tb.Helper()
	cmd := command(context.Background(), env, "server", "-db", db)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	client := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		tb.Fatalf("connecting to memory server: %v\nstderr: %s", err, stderr.String())
	}
	tb.Cleanup(func() { cs.Close() })
	return cs
}

// storeMemory stores content through the memory_store tool; a tool error
// is an error.
func storeMemory(cs *mcp.ClientSession, content string, tags ...string) error {
	args := map[string]any{"content": content}
	if len(tags) > 0 {
		args["tags"] = tags
	}
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "memory_store", Arguments: args})
	if err == nil && res.IsError {
		err = fmt.Errorf("%v", res.Content[0].(*mcp.TextContent).Text)
	}
	return err
}

func callTool(tb testing.TB, cs *mcp.ClientSession, name string, args map[string]any, out any) {
	tb.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	if res.IsError {
		tb.Fatalf("%s: tool error %v", name, res.Content[0].(*mcp.TextContent).Text)
	}
	if out != nil {
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, out); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestStdioEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "e2e.db")
	cs := connect(t, db)
	ctx := context.Background()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) < 9 {
		t.Fatalf("%d tools listed", len(tools.Tools))
	}
	for _, m := range []map[string]any{
		{"content": "Our cat Miso loves sleeping in cardboard boxes", "tags": []string{"pets", "home"}},
		{"content": "The production database is backed up to object storage every night", "tags": []string{"ops", "database"}},
		{"content": "Lunch with the design team moved to Thursday", "tags": []string{"work", "calendar"}},
	} {
		callTool(t, cs, "memory_store", m, nil)
	}
	var res memory.SearchResult
	callTool(t, cs, "memory_search", map[string]any{"query": "where do kittens like to nap", "mode": "semantic", "limit": 1}, &res)
	if res.Count != 1 || !strings.Contains(res.Results[0].Content, "Miso") {
		t.Errorf("by meaning: %+v", res.Results)
	}
	callTool(t, cs, "memory_search", map[string]any{"tags": []string{"ops", "pets"}}, &res)
	if res.Count != 2 {
		t.Errorf("tags any: %d", res.Count)
	}
	callTool(t, cs, "memory_search", map[string]any{"tags": []string{"ops", "database"}, "tag_match": "all"}, &res)
	if res.Count != 1 {
		t.Errorf("tags all: %d", res.Count)
	}
	callTool(t, cs, "memory_search", map[string]any{"query": "backup", "time_expr": "today"}, &res)
	if res.Count == 0 {
		t.Errorf("time_expr today found nothing")
	}
	callTool(t, cs, "memory_search", map[string]any{"query": "backup", "time_expr": "last month"}, &res)
	if res.Count != 0 {
		t.Errorf("time_expr last month: %d", res.Count)
	}
	callTool(t, cs, "memory_search", map[string]any{"query": "design team lunch"}, &res)
	if res.Count == 0 {
		t.Fatal("lunch not found")
	}
	callTool(t, cs, "memory_delete", map[string]any{"content_hash": res.Results[0].Hash}, nil)
	callTool(t, cs, "memory_search", map[string]any{"query": "design team lunch", "mode": "exact"}, &res)
	if res.Count != 0 {
		t.Errorf("deleted memory found")
	}
	// v8 names through the same process.
	callTool(t, cs, "store_memory", map[string]any{"content": "v8 clients still work", "metadata": map[string]any{"tags": "legacy"}}, nil)
	callTool(t, cs, "search_by_tag", map[string]any{"tags": []string{"legacy"}}, &res)
	if res.Count != 1 {
		t.Errorf("search_by_tag: %d", res.Count)
	}
	callTool(t, cs, "delete_by_tag", map[string]any{"tag": "legacy"}, nil)
	callTool(t, cs, "exact_match_retrieve", map[string]any{"content": "v8 clients"}, &res)
	if res.Count != 0 {
		t.Errorf("v8 delete left %d", res.Count)
	}
}

// TestManyProcessesOneDatabase: three server processes store 300 memories
// each at the same time; a fourth process finds every one.
func TestManyProcessesOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four processes")
	}
	db := filepath.Join(t.TempDir(), "shared.db")
	const procs, each = 3, 300
	sessions := make([]*mcp.ClientSession, procs)
	for p := range sessions {
		sessions[p] = connect(t, db, "MCP_SEMANTIC_DEDUP_ENABLED=false")
	}
	var wg sync.WaitGroup
	errs := make(chan error, procs)
	for p, cs := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := storeMemory(cs, fmt.Sprintf("note p%dn%d from a concurrent writer", p, i), fmt.Sprintf("p%d", p)); err != nil {
					errs <- fmt.Errorf("process %d store %d: %w", p, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	reader := connect(t, db)
	var list memory.ListResult
	callTool(t, reader, "memory_list", map[string]any{"page_size": 1}, &list)
	if list.Total != procs*each {
		t.Fatalf("reader sees %d memories, want %d", list.Total, procs*each)
	}
	for p := 0; p < procs; p++ {
		for i := 0; i < each; i++ {
			var res memory.SearchResult
			callTool(t, reader, "memory_search", map[string]any{"query": fmt.Sprintf("p%dn%d", p, i), "limit": 1}, &res)
			if res.Count != 1 || !strings.Contains(res.Results[0].Content, fmt.Sprintf("p%dn%d ", p, i)) {
				t.Fatalf("p%dn%d not found first: %+v", p, i, res.Results)
			}
		}
	}
}

func TestBadDatabaseExitsNonZero(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	junk := bytes.Repeat([]byte("this is not a database "), 500)
	if err := os.WriteFile(corrupt, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, []byte("x"), 0o600)
	for name, db := range map[string]string{"corrupt": corrupt, "unwritable": filepath.Join(notDir, "sub", "m.db")} {
		for _, args := range [][]string{{"status", "-db", db}, {"server", "-db", db}} {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			cmd := command(ctx, nil, args...)
			cmd.Stdin = strings.NewReader("")
			out, err := cmd.CombinedOutput()
			cancel()
			if err == nil {
				t.Errorf("%s %v: exit 0, want an error", name, args)
			}
			if !strings.Contains(string(out), db) && !strings.Contains(string(out), filepath.Dir(db)) {
				t.Errorf("%s %v: message %q does not name the path", name, args, out)
			}
		}
	}
	if got, _ := os.ReadFile(corrupt); !bytes.Equal(got, junk) {
		t.Error("the corrupt file was modified")
	}
}

func TestCLIStoreAndSearch(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	var out, errOut bytes.Buffer
	env := func(string) string { return "" }
	ctx := context.Background()
	if err := run(ctx, []string{"store", "-db", db, "-tags", "cli,test", "The", "CLI", "stores", "memories"}, nil, &out, &errOut, env); err != nil {
		t.Fatalf("store: %v %s", err, errOut.String())
	}
	hash := strings.TrimSpace(out.String())
	out.Reset()
	if err := run(ctx, []string{"search", "-db", db, "cli memories", "-json"}, nil, &out, &errOut, env); err != nil {
		t.Fatalf("search: %v", err)
	}
	var res memory.SearchResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Count != 1 || res.Results[0].Hash != hash {
		t.Fatalf("search -json = %s (%v)", out.String(), err)
	}
	out.Reset()
	if err := run(ctx, []string{"status", "-db", db}, nil, &out, &errOut, env); err != nil || !strings.Contains(out.String(), "memories:  1") {
		t.Fatalf("status: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"frobnicate"}, nil, &out, &errOut, env); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := run(ctx, []string{"status", "-db", db}, nil, &out, &errOut, func(k string) string {
		if k == "MCP_HYBRID_SEMANTIC_WEIGHT" {
			return "lots"
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "MCP_HYBRID_SEMANTIC_WEIGHT") {
		t.Fatalf("bad env: %v", err)
	}
}

// TestBenchColdStart runs the cold-start benchmark on real child processes,
// on a fresh database each run and on one existing database.
func TestBenchColdStart(t *testing.T) {
	t.Setenv("MEMORY_TEST_AS_MAIN", "1")
	db := filepath.Join(t.TempDir(), "existing.db")
	for _, tt := range []struct {
		args []string
		kind string
	}{
		{[]string{"bench", "coldstart", "-n", "2", "-bin", os.Args[0]}, "fresh database each"},
		{[]string{"bench", "coldstart", "-n", "2", "-bin", os.Args[0], "-db", db}, "existing database"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), tt.args, strings.NewReader(""), &stdout, &stderr, os.Getenv); err != nil {
			t.Fatalf("memory %v: %v\n%s", tt.args, err, stderr.String())
		}
		if out := stdout.String(); !strings.Contains(out, "over 2 runs ("+tt.kind+")") || !strings.Contains(out, "tools/list answered p50") {
			t.Errorf("memory %v printed %q", tt.args, out)
		}
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("the existing database was not created: %v", err)
	}
}

// TestBenchSearch seeds a store and times searches on it in every mode; a
// mode that does not exist is refused before anything runs.
func TestBenchSearch(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	words := filepath.Join("..", "..", "testdata", "benchwords.txt")
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"bench", "seed", "-n", "300", "-words", words, "-db", db}, strings.NewReader(""), &stdout, &stderr, os.Getenv); err != nil {
		t.Fatalf("bench seed: %v\n%s", err, stderr.String())
	}
	stdout.Reset()
	if err := run(t.Context(), []string{"bench", "search", "-q", "5", "-words", words, "-modes", "hybrid,keyword,exact", "-db", db}, strings.NewReader(""), &stdout, &stderr, os.Getenv); err != nil {
		t.Fatalf("bench search: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"300 memories", "\nhybrid ", "\nkeyword ", "\nexact "} {
		if !strings.Contains(out, want) {
			t.Errorf("bench search printed %q, want %q in it", out, want)
		}
	}
	err := run(t.Context(), []string{"bench", "search", "-modes", "psychic", "-words", words, "-db", db}, strings.NewReader(""), &stdout, &stderr, os.Getenv)
	if err == nil || !strings.Contains(err.Error(), `unknown mode "psychic"`) {
		t.Errorf("bench search -modes psychic: %v, want an unknown-mode error", err)
	}
}
