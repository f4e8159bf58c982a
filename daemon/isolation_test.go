package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/daemon"
	"github.com/mcp-memory-go/memory/httpapi"
	"github.com/mcp-memory-go/memory/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Alice's data. Everything she owns carries "bluefin" or "codename", so a
// response or event that shows any of it to bob is caught by leak.
const (
	secret     = "alice zebra merger plan codename bluefin"
	secretDoc  = "alice-bluefin-handbook.md"
	secretText = "# Codename handbook\n\nThe bluefin team meets on Thursdays in the harbour office.\n\nEvery codename is chosen by the night shift."
)

var leak = regexp.MustCompile(`(?i)bluefin|codename`)

// isolationCase says how bob aims one REST route at alice's data. Path
// placeholders are filled with alice's memory hash, upload id and a
// spare key id of hers; every route gets the body that fills every field
// any route reads (bob's upload routes a real file).
type isolationCase struct {
	// query is added to the path.
	query string
	// want is the status bob gets when his scope suffices (0: any); it is
	// 404 for every route that names alice's memory or upload.
	want int
	// skip says where the route is checked instead.
	skip string
}

// isolationRoutes has a case for every route of the REST route table: a
// route added without one fails TestUserIsolationEveryRouteAndTool, so
// nobody adds a route without saying how it keeps users apart.
var isolationRoutes = map[string]isolationCase{
	"GET /api/health":                                {},
	"GET /api/health/detailed":                       {},
	"POST /api/memories":                             {},
	"GET /api/memories":                              {query: "?tag=zebra&memory_type=decision"},
	"GET /api/memories/{content_hash}":               {want: 404},
	"PUT /api/memories/{content_hash}":               {want: 404},
	"DELETE /api/memories/{content_hash}":            {want: 404},
	"POST /api/sessions":                             {},
	"GET /api/tags":                                  {},
	"GET /api/types":                                 {},
	"POST /api/search":                               {},
	"POST /api/memories/search":                      {},
	"POST /api/search/by-tag":                        {},
	"POST /api/search/by-time":                       {},
	"GET /api/search/similar/{content_hash}":         {want: 404},
	"POST /api/manage/bulk-delete":                   {},
	"POST /api/manage/cleanup-duplicates":            {},
	"GET /api/manage/tags/stats":                     {},
	"GET /api/manage/untagged/count":                 {},
	"POST /api/manage/delete-untagged":               {query: "?confirm_count=0"},
	"GET /api/analytics/overview":                    {},
	"GET /api/analytics/memory-growth":               {query: "?period=year"},
	"GET /api/analytics/tag-usage":                   {},
	"GET /api/analytics/memory-types":                {},
	"GET /api/analytics/activity-heatmap":            {},
	"GET /api/analytics/top-tags":                    {query: "?period=all"},
	"GET /api/analytics/activity-breakdown":          {},
	"GET /api/analytics/storage-stats":               {},
	"GET /api/events":                                {skip: "a stream: bob's is read below, alice's events must not reach it"},
	"POST /api/events/ticket":                        {},
	"GET /api/events/stats":                          {},
	"GET /api/documents/formats":                     {},
	"POST /api/documents/upload":                     {want: 202},
	"POST /api/documents/batch-upload":               {want: 202},
	"GET /api/documents/status/{upload_id}":          {want: 404},
	"GET /api/documents/history":                     {},
	"DELETE /api/documents/remove/{upload_id}":       {want: 404},
	"DELETE /api/documents/remove-by-tags":           {query: "?tags=zebra&tags=upload_id:{upload_id}"},
	"GET /api/documents/search-content/{upload_id}":  {want: 404},
	"POST /api/quality/memories/{content_hash}/rate": {want: 404},
	"POST /api/session":                              {},
	"GET /api/session":                               {},
	"DELETE /api/session":                            {},
	"GET /api/keys":                                  {},
	"POST /api/keys":                                 {},
	"DELETE /api/keys/{id}":                          {},
	"GET /api/sync/status":                           {}, // a non-admin sees only their own pending changes (httpapi TestSyncRoutes)
	"POST /api/sync/force":                           {want: 404},
	"POST /api/sync/pause":                           {}, // admin: it stops every user's sync
	"POST /api/sync/resume":                          {},
	"GET /api/health/sync-status":                    {},
	"GET /api/backup/status":                         {},
	"POST /api/backup/now":                           {}, // admin: a backup holds every user's memories
	"GET /api/backup/list":                           {},
	"GET /api/export":                                {query: "?tags=zebra&memory_type=decision&time_expr=today", want: 200},
	"GET /api/openapi.json":                          {},
	"GET /api/docs":                                  {},
	"GET /mcp/tools":                                 {},
	"GET /metrics":                                   {},
	"GET /mcp/health":                                {},
	"GET /health":                                    {},
	"GET /":                                          {},
	// Consolidation, quality, conflicts and the graph: alice has a
	// conflict (an edge), a rating and an archived memory.
	"POST /api/consolidation/trigger":                       {},
	"POST /api/consolidation/run":                           {},
	"GET /api/consolidation/status":                         {},
	"GET /api/consolidation/recommendations/{time_horizon}": {},
	"GET /api/consolidation/history":                        {},
	"POST /api/consolidation/pause":                         {},
	"POST /api/consolidation/resume":                        {},
	"GET /api/consolidation/archive":                        {},
	"POST /api/consolidation/archive/restore":               {want: 404},
	"POST /api/quality/memories/{content_hash}/evaluate":    {want: 404},
	"GET /api/quality/memories/{content_hash}":              {want: 404},
	"GET /api/quality/distribution":                         {},
	"GET /api/quality/trends":                               {},
	"GET /api/conflicts":                                    {},
	"POST /api/conflicts/resolve":                           {want: 404},
	"GET /api/analytics/graph-visualization":                {},
	"GET /api/analytics/relationship-types":                 {},
	"GET /api/graph/connected/{content_hash}":               {want: 404},
	"GET /api/graph/subgraph/{content_hash}":                {want: 404},
	"GET /api/graph/path":                                   {query: "?from={content_hash}&to={conflict_hash}", want: 404},
	"GET /api/graph/suggest/{content_hash}":                 {want: 404},
}

// daemonRoutes are the routes outside the REST table that show data.
var daemonRoutes = []httpapi.Route{
	{Method: "GET", Path: "/mcp/tools", Scope: auth.ScopeRead},
	{Method: "GET", Path: "/metrics", Scope: auth.ScopeAdmin},
	{Method: "GET", Path: "/mcp/health"},
	{Method: "GET", Path: "/health"},
	{Method: "GET", Path: "/"},
}

// isolationTools are the arguments with which bob calls each MCP tool at
// alice's data; every tool must have an entry (tools/list lists them
// all, the v8 names included).
var isolationTools = map[string]map[string]any{}

// isolationResources are the URIs bob reads for each resource and
// template, and isolationPrompts the arguments of each prompt.
var (
	isolationResources = map[string]string{
		"memory://stats":          "memory://stats",
		"memory://tags":           "memory://tags",
		"memory://recent/{n}":     "memory://recent/100",
		"memory://tag/{tag}":      "memory://tag/zebra",
		"memory://search/{query}": "memory://search/zebra%20merger%20plan",
	}
	isolationPrompts = map[string]map[string]string{
		"memory_review":    {"time_period": "today", "focus_area": "merger"},
		"memory_analysis":  {"tags": "zebra", "time_range": "today"},
		"knowledge_export": {"format": "json", "filter": "zebra merger plan"},
		"memory_cleanup":   {"older_than": "1"},
		"learning_session": {"topic": "bob's topic", "key_points": "his own"},
	}
)

func init() {
	// One set of arguments fills every field any tool reads, aimed at
	// alice's memory by hash, tag, type, query and time.
	hash := memory.ContentHash(secret)
	all := map[string]any{"content_hash": hash, "query": "zebra merger plan", "tags": []string{"zebra"}, "tag": "zebra",
		"memory_type": "decision", "content": "zebra merger plan by bob", "start_date": "2000-01-01", "end_date": "2100-01-01",
		"before_date": "2100-01-01", "time_expr": "today", "n_results": 10, "limit": 10,
		"updates": map[string]any{"tags": []string{"stolen"}}, "turns": []map[string]string{{"role": "user", "content": "hi"}}}
	for _, name := range []string{"memory_store", "memory_store_session", "memory_search", "memory_list", "memory_delete",
		"memory_update", "memory_cleanup", "memory_health", "memory_stats",
		"store_memory", "retrieve_memory", "recall_memory", "search_by_tag", "delete_memory", "delete_by_tag",
		"delete_by_tags", "delete_by_all_tags", "exact_match_retrieve", "recall_by_timeframe", "delete_by_timeframe",
		"delete_before_date", "list_memories", "check_database_health", "get_cache_stats", "cleanup_duplicates",
		"update_memory_metadata"} {
		isolationTools[name] = all
	}
	// Ingestion reads the server's files into the caller's memories: bob
	// ingests his own file; alice's upload must stay hers.
	for _, name := range []string{"memory_ingest", "ingest_document"} {
		isolationTools[name] = map[string]any{"file_path": "{root}/bob.md", "tags": []string{"zebra"}}
	}
	isolationTools["ingest_directory"] = map[string]any{"directory_path": "{root}"}
	// Consolidation, quality, conflicts, the graph and mistake notes, each
	// action through the tool or its v8 name.
	for name, args := range map[string]map[string]any{
		"memory_consolidate":            {"action": "run", "time_horizon": "monthly"},
		"memory_quality":                {"action": "maintain", "dry_run": false},
		"memory_graph":                  {"action": "suggest", "hash": hash},
		"memory_conflicts":              {},
		"memory_resolve":                {"winner_hash": hash, "loser_hash": "{conflict_hash}"},
		"mistake_note_add":              {"error_pattern": "zebra", "context_signature": "merger plan", "incorrect_action": "x", "correct_action": "y"},
		"mistake_note_search":           {"query": "zebra merger plan"},
		"retrieve_with_quality_boost":   {"query": "zebra merger plan", "quality_weight": 0.5},
		"rate_memory":                   {"content_hash": hash, "rating": "1"},
		"get_memory_quality":            {"content_hash": hash},
		"analyze_quality_distribution":  {},
		"find_connected_memories":       {"hash": hash},
		"find_shortest_path":            {"hash1": hash, "hash2": "{conflict_hash}"},
		"get_memory_subgraph":           {"hash": hash},
		"consolidate_memories":          {"time_horizon": "monthly"},
		"consolidation_status":          {},
		"consolidation_recommendations": {"time_horizon": "monthly"},
		"scheduler_status":              {},
		"trigger_consolidation":         {"time_horizon": "yearly"},
		"pause_consolidation":           {},
		"resume_consolidation":          {},
	} {
		isolationTools[name] = args
	}
}

// TestUserIsolationEveryRouteAndTool: bob, with keys of every scope of
// his own, calls every REST route, every MCP tool (the hidden v8 ones
// too), resource and prompt aimed at alice's memory and document upload —
// by hash, upload id, tag, type, query and time — and never sees them,
// changes them or deletes them; his event stream never carries her
// events and her MCP session is not his to use. The tables above must
// name every route, tool, resource and prompt the server has.
func TestUserIsolationEveryRouteAndTool(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "bob.md"), []byte("# Bob\n\nBob's notes on the weekly lunch rota."), 0o644); err != nil {
		t.Fatal(err)
	}
	e := start(t, daemon.Config{Heartbeat: time.Hour, MCP: mcpserver.Options{ListLegacyTools: true}}, nil, withDocuments(root),
		func(e *env, cfg *daemon.Config) {
			e.svc.Graph, e.svc.Archive = e.store, e.store
			cfg.Consolidator = consolidate.New(e.svc, e.store)
		})
	ctx := context.Background()
	for _, who := range []string{"alice", "bob"} {
		for _, scope := range append(auth.Scopes(), "spare") {
			k, s, err := auth.NewKey(who+" "+scope, who, strings.Replace(scope, "spare", auth.ScopeRead, 1), time.Now(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.store.CreateKey(ctx, k); err != nil {
				t.Fatal(err)
			}
			e.keys[who+"-"+scope] = s
		}
	}
	bobEvents := e.stream("bob-read")
	bobEvents("connection_established")

	// Alice's memory and her document upload.
	code, body, _ := e.do("POST", "/api/memories", "alice-write", map[string]any{"content": secret, "tags": []string{"zebra"}, "memory_type": "decision"})
	if code != 200 {
		t.Fatalf("alice stores: %d %s", code, body)
	}
	hash := memory.ContentHash(secret)
	ctype, upload := multipartFile(t, "file", secretDoc, secretText, "tags", "zebra")
	code, body, _ = e.do("POST", "/api/documents/upload", "alice-write", upload, "Content-Type", ctype)
	var accepted struct {
		UploadID string `json:"upload_id"`
	}
	if code != 202 || json.Unmarshal([]byte(body), &accepted) != nil {
		t.Fatalf("alice uploads: %d %s", code, body)
	}
	uploadID := accepted.UploadID
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		u, err := e.store.Upload(ctx, "alice", uploadID)
		if err == nil && u.Done() {
			if u.ChunksStored == 0 {
				t.Fatalf("alice's upload stored nothing: %+v", u)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice's upload did not finish: %+v %v", u, err)
		}
	}
	aliceCtx := memory.WithOwner(ctx, "alice")
	// Her memory is in a conflict (a graph edge) with another, and a third
	// is archived.
	conflicting := "codename bluefin merger plan alice zebra"
	if code, body, _ := e.do("POST", "/api/memories", "alice-write", map[string]any{"content": conflicting, "conversation_id": "c"}); code != 200 || !strings.Contains(body, `"success":true`) {
		t.Fatalf("alice stores a conflicting memory: %d %s", code, body)
	}
	conflictHash := memory.ContentHash(conflicting)
	old, err := e.svc.Store(aliceCtx, memory.StoreRequest{Content: "bluefin notes of alice, archived", ConversationID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ArchiveMemories(aliceCtx, []string{old.Memories[0].Hash}, "codename test"); err != nil {
		t.Fatal(err)
	}
	// state is everything of alice's bob could change.
	state := func() string {
		res, err := e.svc.List(aliceCtx, memory.ListRequest{PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, m := range res.Memories {
			fmt.Fprintf(&b, "%s %v %s %.2f %d|", m.Hash, m.Tags, m.Type, m.Quality, len(m.Metadata))
		}
		u, err := e.store.Upload(ctx, "alice", uploadID)
		if err != nil {
			t.Fatalf("alice's upload is gone: %v", err)
		}
		fmt.Fprintf(&b, "upload %s %d", u.Status, u.ChunksStored)
		cs, err := e.svc.Conflicts(aliceCtx)
		if err != nil {
			t.Fatal(err)
		}
		arch, err := e.svc.Archived(aliceCtx, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, " conflicts %d archived %d", len(cs), arch.Total)
		return b.String()
	}
	before := state()
	if !strings.Contains(before, "conflicts 1 archived 1") {
		t.Fatalf("alice's state: %s, want a conflict and an archived memory", before)
	}
	unchanged := func(what string) {
		t.Helper()
		if now := state(); now != before {
			t.Fatalf("after %s alice's data is\n%s\nwas\n%s", what, now, before)
		}
	}
	fill := strings.NewReplacer("{content_hash}", hash, "{upload_id}", uploadID, "{conflict_hash}", conflictHash, "{time_horizon}", "monthly",
		"{id}", strings.Split(e.keys["alice-spare"], "_")[1], "{root}", root)

	// Before bob has written anything, no figure he can read counts
	// alice's memories, tags or uploads: every number is zero but sizes
	// of the shared database file, settings and clocks.
	for _, rt := range httpapi.New(e.svc).Routes() {
		if rt.Method != "GET" || strings.Contains(rt.Path, "{") || countsExempt[rt.Path] || isolationRoutes["GET "+rt.Path].skip != "" {
			continue
		}
		_, resp, _ := e.do("GET", rt.Path, "bob-read", nil)
		var v any
		json.Unmarshal([]byte(resp), &v)
		for _, n := range nonZero("", v) {
			t.Errorf("GET %s as bob before he wrote anything: %s (alice's figure?)", rt.Path, n)
		}
	}

	// REST: every route of the table, and the daemon's own.
	body1 := map[string]any{
		"content": "bob writes", "query": "zebra merger plan", "tags": []string{"zebra"}, "tag": "zebra",
		"memory_type": "decision", "match_all": false, "time_expr": "today", "time_filter": "today",
		"semantic_query": "merger", "before_date": time.Now().Add(time.Hour).Format(time.RFC3339),
		"after_date": "2000-01-01", "rating": 1, "name": "bob key", "scope": "read",
		"turns": []map[string]string{{"role": "user", "content": "hi"}}, "metadata": map[string]any{"x": 1},
		"time_horizon": "monthly", "content_hashes": []string{hash, old.Memories[0].Hash},
		"winner_hash": hash, "loser_hash": conflictHash,
	}
	routes := append(httpapi.New(e.svc).Routes(), daemonRoutes...)
	seen := map[string]bool{}
	for _, rt := range routes {
		name := rt.Method + " " + rt.Path
		seen[name] = true
		c, ok := isolationRoutes[name]
		if !ok {
			t.Errorf("route %s has no case in isolationRoutes (daemon/isolation_test.go): say how bob aims it at alice's data", name)
			continue
		}
		if c.skip != "" {
			continue
		}
		path := fill.Replace(rt.Path + c.query)
		for _, scope := range auth.Scopes() {
			var b any
			var hdr []string
			switch {
			case rt.Form != nil:
				field := "file"
				if strings.HasSuffix(rt.Path, "batch-upload") {
					field = "files"
				}
				ct, mp := multipartFile(t, field, "bob-"+scope+".txt", "Bob's own list of lunch places, kept by "+scope, "tags", "zebra")
				b, hdr = mp, []string{"Content-Type", ct}
			case rt.Body != nil:
				b = body1
			}
			code, resp, _ := e.do(rt.Method, path, "bob-"+scope, b, hdr...)
			if leak.MatchString(resp) {
				t.Errorf("%s as bob (%s): %d shows alice's data: %.300s", name, scope, code, resp)
			}
			want := c.want
			if rt.Scope != "" && !slices.Contains(auth.Implied(scope), rt.Scope) {
				want = 403
			}
			if want != 0 && code != want {
				t.Errorf("%s as bob (%s): %d %.200s, want %d", name, scope, code, resp, want)
			}
			unchanged(name + " as bob " + scope)
		}
	}
	for name := range isolationRoutes {
		if !seen[name] {
			t.Errorf("isolationRoutes has a case for %s, which is no route", name)
		}
	}
	if code, _, _ := e.do("GET", "/api/memories/"+hash, "alice-read", nil); code != 200 {
		t.Fatalf("alice lost access to her memory: %d", code)
	}

	// MCP: every tool, listed and hidden, resource and prompt, over both
	// protocol eras.
	for _, version := range []string{"", "2025-11-25"} {
		cs, err := e.mcpClient("bob-admin", version)
		if err != nil {
			t.Fatal(err)
		}
		tools, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tool := range tools.Tools {
			names = append(names, tool.Name)
			args, ok := isolationTools[tool.Name]
			if !ok {
				t.Errorf("tool %s has no arguments in isolationTools (daemon/isolation_test.go)", tool.Name)
				continue
			}
			b, _ := json.Marshal(args)
			if err := json.Unmarshal([]byte(fill.Replace(string(b))), &args); err != nil {
				t.Fatal(err)
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool.Name, Arguments: args})
			if err != nil {
				t.Fatalf("%s: %v", tool.Name, err)
			}
			out, _ := json.Marshal(res)
			if leak.Match(out) {
				t.Errorf("MCP %s as bob shows alice's data: %.300s", tool.Name, out)
			}
			unchanged("MCP " + tool.Name)
		}
		for name := range isolationTools {
			if !slices.Contains(names, name) {
				t.Errorf("isolationTools has arguments for %s, which tools/list does not list", name)
			}
		}
		var uris []string
		rs, err := cs.ListResources(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs.Resources {
			uris = append(uris, r.URI)
		}
		ts, err := cs.ListResourceTemplates(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ts.ResourceTemplates {
			uris = append(uris, r.URITemplate)
		}
		if len(uris) != len(isolationResources) {
			t.Errorf("resources %v, isolationResources has %d", uris, len(isolationResources))
		}
		for _, u := range uris {
			uri, ok := isolationResources[u]
			if !ok {
				t.Errorf("resource %s has no URI in isolationResources", u)
				continue
			}
			res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
			if err != nil {
				t.Fatalf("%s: %v", uri, err)
			}
			b, _ := json.Marshal(res)
			if version == "" && !strings.Contains(string(b), `"cacheScope":"private"`) {
				t.Errorf("resource %s may be cached for everyone: %.200s", uri, b)
			}
			if leak.Match(b) {
				t.Errorf("resource %s as bob shows alice's data: %.300s", uri, b)
			}
		}
		ps, err := cs.ListPrompts(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps.Prompts) != len(isolationPrompts) {
			t.Errorf("%d prompts, isolationPrompts has %d", len(ps.Prompts), len(isolationPrompts))
		}
		for _, p := range ps.Prompts {
			args, ok := isolationPrompts[p.Name]
			if !ok {
				t.Errorf("prompt %s has no arguments in isolationPrompts", p.Name)
				continue
			}
			res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: p.Name, Arguments: args})
			if err != nil && !strings.Contains(err.Error(), "duplicate") {
				t.Fatalf("prompt %s: %v", p.Name, err)
			}
			b, _ := json.Marshal(res)
			if leak.Match(b) {
				t.Errorf("prompt %s as bob shows alice's data: %.300s", p.Name, b)
			}
			unchanged("prompt " + p.Name)
		}
		cs.Close()
	}

	// Alice's MCP session is bound to her: bob cannot use its id.
	sid := mcpSession(t, e, "alice-write")
	code, body, _ = e.do("POST", "/mcp", "bob-admin", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"memory_list","arguments":{}}}`,
		"Mcp-Session-Id", sid, "Mcp-Protocol-Version", "2025-11-25", "Accept", "application/json, text/event-stream")
	if code < 400 || leak.MatchString(body) {
		t.Errorf("bob on alice's MCP session: %d %.300s, want it refused", code, body)
	}
	for _, method := range []string{"GET", "DELETE"} {
		if code, body, _ := e.do(method, "/mcp", "bob-admin", nil, "Mcp-Session-Id", sid, "Mcp-Protocol-Version", "2025-11-25",
			"Accept", "text/event-stream"); code < 400 {
			t.Errorf("%s of alice's MCP session by bob: %d %.200s, want it refused", method, code, body)
		}
	}
	if code, body, _ := e.do("POST", "/mcp", "alice-write", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"memory_list","arguments":{}}}`,
		"Mcp-Session-Id", sid, "Mcp-Protocol-Version", "2025-11-25", "Accept", "application/json, text/event-stream"); code != 200 || !leak.MatchString(body) {
		t.Errorf("alice's session after bob's tries: %d %.200s", code, body)
	}

	// Bob's event stream carried only his own events: nothing of alice's
	// memory or upload, up to an event of his own sent last.
	e.do("POST", "/api/memories", "bob-write", map[string]any{"content": "bob's last word"})
	for _, l := range bobEvents("bob's last word") {
		if leak.MatchString(l) || strings.Contains(l, uploadID) || strings.Contains(l, hash) {
			t.Errorf("bob's event stream carries alice's event: %.300s", l)
		}
	}
	unchanged("the whole run")
}

// countsExempt are the routes whose figures are no one's data: limits,
// the API reference, and event-stream stats (bob's own stream is open;
// TestEventStats in httpapi shows a user sees only their own streams).
var countsExempt = map[string]bool{"/api/documents/formats": true, "/api/openapi.json": true, "/api/events/stats": true,
	"/api/graph/path":         true, // needs its query: a 400 error
	"/api/health/sync-status": true} // a percentage of the caller's own changes (100 when none wait)

// nonZero lists the non-zero numbers in a decoded JSON value, but those of
// keys that are sizes of the shared database file, settings or clocks.
func nonZero(path string, v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, vv := range x {
			switch k {
			case "database_size_mb", "total_size_mb", "uptime_seconds", "dim", "page", "page_size", "heartbeat_interval",
				"limit", "min_connections", "days_analyzed", "quality_range", "estimated_duration_seconds":
				continue
			}
			out = append(out, nonZero(path+"."+k, vv)...)
		}
	case []any:
		for i, vv := range x {
			out = append(out, nonZero(fmt.Sprintf("%s[%d]", path, i), vv)...)
		}
	case float64:
		if x != 0 {
			out = append(out, fmt.Sprintf("%s=%v", path, x))
		}
	}
	return out
}

// mcpSession opens a 2025-11-25 MCP session with the key of scope and
// returns its id.
func mcpSession(t *testing.T, e *env, scope string) string {
	t.Helper()
	_, _, h := e.do("POST", "/mcp", scope, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		"Accept", "application/json, text/event-stream")
	sid := h.Get("Mcp-Session-Id")
	if sid == "" {
		t.Fatal("initialize returned no session id")
	}
	e.do("POST", "/mcp", scope, `{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		"Mcp-Session-Id", sid, "Mcp-Protocol-Version", "2025-11-25", "Accept", "application/json, text/event-stream")
	return sid
}

// multipartFile builds a multipart body with one file and fields.
func multipartFile(t *testing.T, field, name, content string, fields ...string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, content)
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}
