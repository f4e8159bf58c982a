package daemon_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/daemon"
	"github.com/mcp-memory-go/memory/httpapi"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// secret is alice's memory; nothing bob does may show or change it.
const secret = "alice zebra merger plan codename bluefin"

// TestUserIsolationEveryRouteAndTool: bob, with keys of every scope of
// his own, calls every REST route and every MCP tool (the hidden v8 ones
// too) aimed at alice's memory — by hash, tag, type, query and time — and
// never sees it, changes it or deletes it.
func TestUserIsolationEveryRouteAndTool(t *testing.T) {
	e := start(t, daemon.Config{}, nil, func(e *env, cfg *daemon.Config) {
		e.svc.Graph, e.svc.Archive = e.store, e.store
		cfg.Consolidator = consolidate.New(e.svc, e.store)
	})
	ctx := context.Background()
	for _, who := range []string{"alice", "bob"} {
		for _, scope := range auth.Scopes() {
			k, s, err := auth.NewKey(who+" "+scope, who, scope, time.Now(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.store.CreateKey(ctx, k); err != nil {
				t.Fatal(err)
			}
			e.keys[who+"-"+scope] = s
		}
	}
	code, body, _ := e.do("POST", "/api/memories", "alice-write", map[string]any{"content": secret, "tags": []string{"zebra"}, "memory_type": "decision"})
	if code != 200 {
		t.Fatalf("alice stores: %d %s", code, body)
	}
	hash := memory.ContentHash(secret)
	// Alice's memory is in a conflict (a graph edge) with another, and a
	// third one is archived: all hers alone.
	secret2 := "codename bluefin merger plan alice zebra"
	if code, body, _ := e.do("POST", "/api/memories", "alice-write", map[string]any{"content": secret2, "conversation_id": "c"}); code != 200 || !strings.Contains(body, `"success":true`) {
		t.Fatalf("alice stores a conflicting memory: %d %s", code, body)
	}
	aliceCtx := memory.WithOwner(ctx, "alice")
	if cs, err := e.svc.Conflicts(aliceCtx); err != nil || len(cs) != 1 {
		t.Fatalf("alice's conflicts: %v, %v", cs, err)
	}
	old, err := e.svc.Store(aliceCtx, memory.StoreRequest{Content: "bluefin archive of alice", ConversationID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ArchiveMemories(aliceCtx, []string{old.Memories[0].Hash}, "codename test"); err != nil {
		t.Fatal(err)
	}
	leak := regexp.MustCompile(`bluefin|codename`)
	unchanged := func(what string) {
		t.Helper()
		m, err := e.store.Get(ctx, "alice", hash)
		if err != nil || len(m.Tags) != 1 || m.Tags[0] != "zebra" || m.Type != "decision" || m.Quality != memory.DefaultQuality {
			t.Fatalf("after %s alice's memory is %+v (%v)", what, m, err)
		}
	}
	// A body that fills every field any route reads, aimed at alice's memory.
	body1 := map[string]any{
		"content": "bob writes", "query": "zebra merger plan", "tags": []string{"zebra"}, "tag": "zebra",
		"memory_type": "decision", "match_all": false, "time_expr": "today", "time_filter": "today",
		"semantic_query": "merger", "before_date": time.Now().Add(time.Hour).Format(time.RFC3339),
		"after_date": "2000-01-01", "rating": 1, "name": "bob key", "scope": "read",
		"turns": []map[string]string{{"role": "user", "content": "hi"}}, "metadata": map[string]any{"x": 1},
		"time_horizon": "monthly", "content_hashes": []string{hash, old.Memories[0].Hash},
		"winner_hash": hash, "loser_hash": memory.ContentHash(secret2),
	}
	api := httpapi.New(e.svc)
	for _, rt := range api.Routes() {
		if rt.Path == "/api/session" || rt.Path == "/api/events" {
			continue // logins and streams are covered below and in TestBrowserSessions
		}
		// Key administration is an admin's job across users (keys are
		// not memories): the id is a spare key's, so alice keeps hers.
		path := strings.NewReplacer("{content_hash}", hash, "{id}", strings.Split(e.keys["alice-admin"], "_")[1], "{time_horizon}", "monthly").Replace(rt.Path)
		switch rt.Path {
		case "/api/manage/delete-untagged":
			path += "?confirm_count=0"
		case "/api/graph/path":
			path += "?from=" + hash + "&to=" + memory.ContentHash(secret2)
		}
		for _, scope := range auth.Scopes() {
			var b any
			if rt.Body != nil {
				b = body1
			}
			code, resp, _ := e.do(rt.Method, path, "bob-"+scope, b)
			if leak.MatchString(resp) {
				t.Errorf("%s %s as bob (%s): %d shows alice's memory: %.300s", rt.Method, rt.Path, scope, code, resp)
			}
			unchanged(rt.Method + " " + rt.Path)
		}
	}
	if code, _, _ := e.do("GET", "/api/memories/"+hash, "alice-read", nil); code != 200 {
		t.Fatalf("alice lost access to her memory: %d", code)
	}

	// Every MCP tool, listed and hidden, over both protocol eras.
	for _, version := range []string{"", "2025-11-25"} {
		cs, err := e.mcpClient("bob-admin", version)
		if err != nil {
			t.Fatal(err)
		}
		tools := []string{"memory_store", "memory_store_session", "memory_search", "memory_list", "memory_delete",
			"memory_update", "memory_cleanup", "memory_health", "memory_stats",
			"store_memory", "retrieve_memory", "recall_memory", "search_by_tag", "delete_memory", "delete_by_tag",
			"delete_by_tags", "delete_by_all_tags", "exact_match_retrieve", "recall_by_timeframe", "delete_by_timeframe",
			"delete_before_date", "list_memories", "check_database_health", "get_cache_stats", "cleanup_duplicates", "update_memory_metadata",
			"memory_consolidate", "memory_quality", "memory_graph", "memory_conflicts", "memory_resolve", "mistake_note_add", "mistake_note_search",
			"retrieve_with_quality_boost", "rate_memory", "get_memory_quality", "analyze_quality_distribution", "find_connected_memories",
			"find_shortest_path", "get_memory_subgraph", "consolidate_memories", "consolidation_status", "consolidation_recommendations",
			"scheduler_status", "trigger_consolidation", "pause_consolidation", "resume_consolidation"}
		actions := map[string][]string{"memory_consolidate": {"run", "status", "recommend"}, "memory_quality": {"get", "analyze", "maintain", "maintain_status"},
			"memory_graph": {"connected", "path", "subgraph", "infer", "suggest"}}
		args := map[string]any{"content_hash": hash, "query": "zebra merger plan", "tags": []string{"zebra"}, "tag": "zebra",
			"memory_type": "decision", "content": "zebra merger plan", "start_date": "2000-01-01", "end_date": "2100-01-01",
			"before_date": "2100-01-01", "time_expr": "today", "n_results": 10, "limit": 10,
			"updates": map[string]any{"tags": []string{"stolen"}}, "turns": []map[string]string{{"role": "user", "content": "hi"}},
			"time_horizon": "monthly", "hash": hash, "hash1": hash, "hash2": memory.ContentHash(secret2), "rating": "1",
			"winner_hash": hash, "loser_hash": memory.ContentHash(secret2), "error_pattern": "zebra", "context_signature": "merger",
			"incorrect_action": "x", "correct_action": "y", "dry_run": false}
		for _, name := range tools {
			for _, action := range append([]string{""}, actions[name]...) {
				if action == "" && actions[name] != nil {
					continue
				}
				args["action"] = action
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
				if err != nil {
					t.Fatalf("%s %s: %v", name, action, err)
				}
				b, _ := json.Marshal(res)
				if leak.Match(b) {
					t.Errorf("MCP %s %s as bob shows alice's memory: %.300s", name, action, b)
				}
				unchanged("MCP " + name + " " + action)
			}
		}
		if cs, err := e.svc.Conflicts(aliceCtx); err != nil || len(cs) != 1 {
			t.Errorf("alice's conflict after bob's calls: %v, %v", cs, err)
		}
		if l, err := e.svc.Archived(aliceCtx, 1, 10); err != nil || l.Total != 1 {
			t.Errorf("alice's archive after bob's calls: %+v, %v", l, err)
		}
		for _, uri := range []string{"memory://recent/10", "memory://tag/zebra", "memory://search/zebra%20merger", "memory://tags", "memory://stats"} {
			rs, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
			if err != nil {
				t.Fatalf("%s: %v", uri, err)
			}
			b, _ := json.Marshal(rs)
			if version == "" && !strings.Contains(string(b), `"cacheScope":"private"`) {
				t.Errorf("resource %s may be cached for everyone: %.200s", uri, b)
			}
			if leak.Match(b) {
				t.Errorf("resource %s as bob shows alice's data: %.300s", uri, b)
			}
		}
		cs.Close()
	}
}
