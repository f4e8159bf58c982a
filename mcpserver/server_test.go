package mcpserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/mcpserver"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/mcp-memory-go/memory/timeexpr"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MustConnect starts the MCP server over a fresh store and returns a real
// go-sdk client session connected to it through in-memory transports.
func MustConnect(tb testing.TB, opts mcpserver.Options) *mcp.ClientSession {
	tb.Helper()
	ctx := context.Background()
	st := sqlite.New(filepath.Join(tb.TempDir(), "m.db"))
	if err := st.Open(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	svc := memory.NewService(st, memorytest.NewFakeEmbedder(64))
	svc.TimeParser = timeexpr.Bounds
	return connectService(tb, svc, opts)
}

// connectService starts the MCP server over svc and returns a go-sdk
// client session connected to it through in-memory transports.
func connectService(tb testing.TB, svc *memory.Service, opts mcpserver.Options) *mcp.ClientSession {
	tb.Helper()
	ctx := context.Background()
	server := mcpserver.New(svc, opts)
	st1, ct := mcp.NewInMemoryTransports()
	ss, err := server.Connect(ctx, st1, nil)
	if err != nil {
		tb.Fatal(err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cs.Close()
		ss.Wait()
	})
	return cs
}

// call invokes a tool and decodes its structured content into out.
func call(tb testing.TB, cs *mcp.ClientSession, name string, args map[string]any, out any) *mcp.CallToolResult {
	tb.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		tb.Fatalf("CallTool(%s): %v", name, err)
	}
	if res.IsError {
		tb.Fatalf("CallTool(%s) is an error: %s", name, text(res))
	}
	if out != nil {
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, out); err != nil {
			tb.Fatalf("CallTool(%s) structured content: %v", name, err)
		}
	}
	return res
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

var mainTools = []string{"memory_store", "memory_store_session", "memory_search", "memory_list", "memory_delete",
	"memory_update", "memory_cleanup", "memory_health", "memory_stats",
	"memory_quality", "memory_graph", "memory_conflicts", "memory_resolve", "mistake_note_add", "mistake_note_search"}

func TestToolsListed(t *testing.T) {
	cs := MustConnect(t, mcpserver.Options{})
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*mcp.Tool{}
	for _, tool := range res.Tools {
		got[tool.Name] = tool
	}
	for _, name := range mainTools {
		tool := got[name]
		if tool == nil {
			t.Errorf("tool %s not listed", name)
			continue
		}
		if tool.InputSchema == nil || tool.OutputSchema == nil || tool.Annotations == nil || tool.Description == "" {
			t.Errorf("tool %s lacks a schema, annotations or description", name)
		}
	}
	if got["memory_search"] != nil && !got["memory_search"].Annotations.ReadOnlyHint {
		t.Error("memory_search is not read-only")
	}
	if d := got["memory_delete"]; d != nil && (d.Annotations.DestructiveHint == nil || !*d.Annotations.DestructiveHint) {
		t.Error("memory_delete is not destructive")
	}
	if got["store_memory"] != nil {
		t.Error("legacy tools listed by default")
	}
	if len(got) != len(mainTools) {
		t.Errorf("%d tools listed, want %d", len(got), len(mainTools))
	}

	cs = MustConnect(t, mcpserver.Options{ListLegacyTools: true})
	res, _ = cs.ListTools(context.Background(), nil)
	if len(res.Tools) != len(mainTools)+24 {
		t.Errorf("with legacy tools: %d listed", len(res.Tools))
	}
}

func TestStoreSearchDelete(t *testing.T) {
	cs := MustConnect(t, mcpserver.Options{})
	var stored struct {
		ContentHash string `json:"content_hash"`
	}
	res := call(t, cs, "memory_store", map[string]any{"content": "The release train leaves every second Thursday",
		"metadata": map[string]any{"tags": "release,process", "type": "decision"}}, &stored)
	if !strings.Contains(text(res), stored.ContentHash) || len(stored.ContentHash) != 64 {
		t.Fatalf("store text %q hash %q", text(res), stored.ContentHash)
	}
	call(t, cs, "memory_store", map[string]any{"content": "Dinner with Sam on Friday", "tags": []string{"personal"}}, nil)

	var found memory.SearchResult
	res = call(t, cs, "memory_search", map[string]any{"query": "when does the release train leave", "limit": 5}, &found)
	if found.Count == 0 || found.Results[0].Hash != stored.ContentHash {
		t.Fatalf("search: %+v", found)
	}
	if !strings.Contains(text(res), "release train") {
		t.Errorf("search text lacks the content: %s", text(res))
	}
	call(t, cs, "memory_search", map[string]any{"tags": []string{"release", "personal"}, "tag_match": "all"}, &found)
	if found.Count != 0 {
		t.Errorf("tag_match all: %d results", found.Count)
	}
	call(t, cs, "memory_search", map[string]any{"tags": "release, personal"}, &found)
	if found.Count != 2 {
		t.Errorf("tag_match any: %d results", found.Count)
	}
	call(t, cs, "memory_search", map[string]any{"query": "release", "time_expr": "today", "mode": "keyword"}, &found)
	if found.Count != 1 {
		t.Errorf("time_expr today: %d results", found.Count)
	}

	var del mcpserver.DeleteOutput
	call(t, cs, "memory_delete", map[string]any{"content_hash": stored.ContentHash}, &del)
	if del.Count != 1 {
		t.Fatalf("delete: %+v", del)
	}
	call(t, cs, "memory_search", map[string]any{"query": "release train"}, &found)
	for _, r := range found.Results {
		if r.Hash == stored.ContentHash {
			t.Fatal("deleted memory still found")
		}
	}
}

func TestLegacyNames(t *testing.T) {
	cs := MustConnect(t, mcpserver.Options{})
	call(t, cs, "store_memory", map[string]any{"content": "Legacy clients store like this", "metadata": map[string]any{"tags": []string{"legacy", "v8"}}}, nil)
	call(t, cs, "store_memory", map[string]any{"content": "Another v8 memory about databases", "metadata": map[string]any{"tags": "v8"}}, nil)
	var found memory.SearchResult
	// Hidden tools have no schema a generic client can see, so numbers may arrive as strings.
	call(t, cs, "retrieve_memory", map[string]any{"query": "how do legacy clients store", "n_results": "1"}, &found)
	if found.Count != 1 || !strings.Contains(found.Results[0].Content, "Legacy clients") {
		t.Fatalf("retrieve_memory: %+v", found)
	}
	call(t, cs, "search_by_tag", map[string]any{"tags": []string{"legacy", "v8"}, "match_all": "true"}, &found)
	if found.Count != 1 {
		t.Errorf("search_by_tag match_all: %d", found.Count)
	}
	call(t, cs, "exact_match_retrieve", map[string]any{"content": "about databases"}, &found)
	if found.Count != 1 {
		t.Errorf("exact_match_retrieve: %d", found.Count)
	}
	today := time.Now().Format("2006-01-02")
	call(t, cs, "recall_by_timeframe", map[string]any{"start_date": today, "end_date": today}, &found)
	if found.Count != 2 {
		t.Errorf("recall_by_timeframe: %d", found.Count)
	}
	call(t, cs, "recall_memory", map[string]any{"query": "databases today"}, &found)
	if found.Count == 0 {
		t.Errorf("recall_memory found nothing")
	}
	var del mcpserver.DeleteOutput
	call(t, cs, "delete_by_tag", map[string]any{"tag": "legacy"}, &del)
	if del.Count != 1 {
		t.Errorf("delete_by_tag: %+v", del)
	}
	call(t, cs, "delete_by_timeframe", map[string]any{"start_date": today, "end_date": today}, &del)
	if del.Count != 1 {
		t.Errorf("delete_by_timeframe: %+v", del)
	}
	for _, name := range []string{"check_database_health", "get_cache_stats", "cleanup_duplicates", "list_memories"} {
		call(t, cs, name, map[string]any{}, nil)
	}
}

func TestBadArgumentsAreToolErrors(t *testing.T) {
	cs := MustConnect(t, mcpserver.Options{})
	for _, tc := range []struct {
		tool string
		args map[string]any
		want string // part of the message
	}{
		{"memory_store", map[string]any{}, "content"},
		{"memory_store", map[string]any{"content": 42}, "content"},
		{"memory_store", map[string]any{"content": "x", "tags": 7}, "tags"},
		{"memory_store", map[string]any{"content": "   "}, "empty"},
		{"memory_search", map[string]any{"query": "x", "limit": "ten"}, "limit"},
		{"memory_search", map[string]any{"query": "x", "limit": 500}, "limit"},
		{"memory_search", map[string]any{"query": "x", "mode": "psychic"}, "mode"},
		{"memory_search", map[string]any{"query": "x", "after": "yesterday-ish"}, "after"},
		{"memory_search", map[string]any{"query": "x", "time_expr": "when pigs fly"}, "time expression"},
		{"memory_delete", map[string]any{}, "at least one filter"},
		{"memory_update", map[string]any{"content_hash": "abc"}, "updates"},
		{"memory_update", map[string]any{"content_hash": "abc", "updates": map[string]any{"tags": []string{"x"}}}, "abc"},
		{"memory_list", map[string]any{"page_size": 1000}, "page_size"},
		{"memory_store_session", map[string]any{"turns": []any{}}, "turns"},
		// Names match exactly, and unknown ones are refused: a client's
		// typo is not silently dropped.
		{"memory_store", map[string]any{"Content": "x"}, "content"},
		{"memory_store", map[string]any{"content": "x", "tagz": []string{"a"}}, "tagz"},
		{"memory_search", map[string]any{"query": "x", "LIMIT": 5}, "limit"},
	} {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tc.tool, Arguments: tc.args})
		if err != nil {
			t.Errorf("%s %v: protocol error %v, want a tool error", tc.tool, tc.args, err)
			continue
		}
		if !res.IsError || !strings.Contains(strings.ToLower(text(res)), tc.want) {
			t.Errorf("%s %v: isError=%v text %q, want an error mentioning %q", tc.tool, tc.args, res.IsError, text(res), tc.want)
		}
	}
	var list memory.ListResult
	call(t, cs, "memory_list", map[string]any{}, &list)
	if list.Total != 0 {
		t.Errorf("bad calls wrote %d memories", list.Total)
	}
}

func TestUpdateAndSession(t *testing.T) {
	cs := MustConnect(t, mcpserver.Options{})
	var stored mcpserver.StoreOutput
	call(t, cs, "memory_store", map[string]any{"content": "Staging uses Postgres 14"}, &stored)
	var up mcpserver.UpdateOutput
	call(t, cs, "memory_update", map[string]any{"content_hash": stored.ContentHash, "updates": map[string]any{"tags": []string{"infra"}, "owner_team": "platform"}}, &up)
	if up.Memory.Metadata["owner_team"] != "platform" || up.Memory.Tags[0] != "infra" {
		t.Fatalf("update: %+v", up.Memory)
	}
	call(t, cs, "memory_update", map[string]any{"content_hash": stored.ContentHash, "versioned": true, "updates": map[string]any{"content": "Staging uses Postgres 16"}}, &up)
	if up.ParentHash != stored.ContentHash {
		t.Fatalf("versioned update: %+v", up)
	}
	var sess memory.SessionResult
	call(t, cs, "memory_store_session", map[string]any{"turns": []map[string]string{{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}}, "session_id": "abc"}, &sess)
	if sess.SessionID != "abc" || len(sess.Memories) != 1 {
		t.Fatalf("session: %+v", sess)
	}
	var h memory.Health
	call(t, cs, "memory_health", nil, &h)
	if h.Storage.Memories != 3 || !h.Semantic.Enabled {
		t.Fatalf("health: %+v", h)
	}
}

func TestResourcesAndPrompts(t *testing.T) {
	cs := MustConnect(t, mcpserver.Options{})
	ctx := context.Background()
	call(t, cs, "memory_store", map[string]any{"content": "Resource test memory", "tags": "res-tag"}, nil)
	for _, uri := range []string{"memory://stats", "memory://tags", "memory://recent/5", "memory://tag/res-tag", "memory://search/resource%20test"} {
		res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		if err != nil {
			t.Errorf("ReadResource(%s): %v", uri, err)
			continue
		}
		if len(res.Contents) != 1 || !json.Valid([]byte(res.Contents[0].Text)) {
			t.Errorf("ReadResource(%s) = %+v", uri, res.Contents)
		}
		if uri != "memory://stats" && uri != "memory://tags" && !strings.Contains(res.Contents[0].Text, "Resource test memory") {
			t.Errorf("ReadResource(%s) lacks the memory", uri)
		}
	}
	if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "memory://recent/0"}); err == nil {
		t.Error("memory://recent/0 accepted")
	}
	prompts, err := cs.ListPrompts(ctx, nil)
	if err != nil || len(prompts.Prompts) != 5 {
		t.Fatalf("ListPrompts = %v, %v", prompts, err)
	}
	for name, args := range map[string]map[string]string{
		"memory_review":    {"time_period": "today"},
		"memory_analysis":  {},
		"knowledge_export": {"format": "markdown"},
		"memory_cleanup":   {"older_than": "30"},
		"learning_session": {"topic": "Go generics", "key_points": "type sets, constraints"},
	} {
		res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: name, Arguments: args})
		if err != nil || len(res.Messages) == 0 {
			t.Errorf("GetPrompt(%s) = %v, %v", name, res, err)
		}
	}
}

func TestMaxResponseCharsCutsTextAndStructuredResults(t *testing.T) {
	cs := MustConnect(t, mcpserver.Options{})
	for i := 0; i < 5; i++ {
		call(t, cs, "memory_store", map[string]any{"content": fmt.Sprintf("budget note %d: %s", i, strings.Repeat("details ", 30)), "conversation_id": "c"}, nil)
	}
	var found memory.SearchResult
	res := call(t, cs, "memory_search", map[string]any{"query": "budget note", "mode": "keyword", "max_response_chars": 700}, &found)
	if found.Count == 0 || found.Count >= 5 || len(found.Results) != found.Count {
		t.Fatalf("structured results: count %d, %d results; want the cut list", found.Count, len(found.Results))
	}
	if !strings.Contains(text(res), "more results cut") || strings.Count(text(res), "Hash:") != found.Count {
		t.Fatalf("text shows %d results, structured %d:\n%s", strings.Count(text(res), "Hash:"), found.Count, text(res))
	}
}

func TestCompletion(t *testing.T) {
	cs := MustConnect(t, mcpserver.Options{})
	ctx := context.Background()
	call(t, cs, "memory_store", map[string]any{"content": "completion source", "tags": []string{"project-alpha", "personal"}}, nil)
	for _, tc := range []struct {
		ref  *mcp.CompleteReference
		arg  mcp.CompleteParamsArgument
		want []string
	}{
		{&mcp.CompleteReference{Type: "ref/resource", URI: "memory://tag/{tag}"}, mcp.CompleteParamsArgument{Name: "tag", Value: "pro"}, []string{"project-alpha"}},
		{&mcp.CompleteReference{Type: "ref/prompt", Name: "memory_analysis"}, mcp.CompleteParamsArgument{Name: "tags", Value: "project-alpha,per"}, []string{"project-alpha,personal"}},
		{&mcp.CompleteReference{Type: "ref/prompt", Name: "knowledge_export"}, mcp.CompleteParamsArgument{Name: "format", Value: "m"}, []string{"markdown"}},
		{&mcp.CompleteReference{Type: "ref/prompt", Name: "learning_session"}, mcp.CompleteParamsArgument{Name: "topic", Value: "x"}, []string{}},
	} {
		res, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: tc.ref, Argument: tc.arg})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(res.Completion.Values) != fmt.Sprint(tc.want) {
			t.Errorf("complete %s %+v: %v, want %v", tc.ref.Type, tc.arg, res.Completion.Values, tc.want)
		}
	}
}

// TestOutputSchemasStayShallow: output schemas spell out two levels of
// objects and no more, so that tools/list stays small (every client reads
// it at each start) and the server starts quickly.
func TestOutputSchemasStayShallow(t *testing.T) {
	cs := MustConnect(t, mcpserver.Options{})
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var depth func(v any) int
	depth = func(v any) int {
		m, ok := v.(map[string]any)
		if !ok {
			return 0
		}
		d := 0
		if props, ok := m["properties"].(map[string]any); ok && len(props) > 0 {
			for _, p := range props {
				d = max(d, 1+depth(p))
			}
		}
		for _, k := range []string{"items", "additionalProperties"} {
			d = max(d, depth(m[k]))
		}
		if alts, ok := m["anyOf"].([]any); ok {
			for _, a := range alts {
				d = max(d, depth(a))
			}
		}
		return d
	}
	all, _ := json.Marshal(res)
	for _, tool := range res.Tools {
		b, _ := json.Marshal(tool.OutputSchema)
		var s any
		json.Unmarshal(b, &s)
		if d := depth(s); d > 3 {
			t.Errorf("%s: output schema nests %d levels of properties, want at most 3", tool.Name, d)
		}
	}
	if len(all) > 40_000 {
		t.Errorf("tools/list is %d bytes, want under 40000", len(all))
	}
}
