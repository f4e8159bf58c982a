package mcpserver_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/mcpserver"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// curated is a client session on a server with the graph, the archive
// and a consolidator, and a settable clock.
type curated struct {
	cs  *mcp.ClientSession
	svc *memory.Service
	now *time.Time
}

func MustConnectCurated(tb testing.TB) curated {
	tb.Helper()
	ctx := context.Background()
	st := sqlite.New(filepath.Join(tb.TempDir(), "m.db"))
	if err := st.Open(ctx); err != nil {
		tb.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc := memory.NewService(st, memorytest.NewFakeEmbedder(64))
	svc.Graph, svc.Archive, svc.Now = st, st, clock
	c := consolidate.New(svc, st)
	c.Now = clock
	tb.Cleanup(func() { st.Close() })
	cs := connectService(tb, svc, mcpserver.Options{Consolidator: c})
	return curated{cs: cs, svc: svc, now: &now}
}

// callErr invokes a tool that must fail with a tool error and returns
// its text.
func callErr(tb testing.TB, cs *mcp.ClientSession, name string, args map[string]any) string {
	tb.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		tb.Fatalf("CallTool(%s): %v", name, err)
	}
	if !res.IsError {
		tb.Fatalf("CallTool(%s, %v) succeeded, want a tool error", name, args)
	}
	return text(res)
}

func TestCurationToolsListedAndScoped(t *testing.T) {
	c := MustConnectCurated(t)
	res, err := c.cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tools := map[string]*mcp.Tool{}
	for _, tool := range res.Tools {
		tools[tool.Name] = tool
	}
	for name, readOnly := range map[string]bool{
		"memory_consolidate": false, "memory_quality": false, "memory_graph": true, "memory_conflicts": true,
		"memory_resolve": false, "mistake_note_add": false, "mistake_note_search": true,
	} {
		tool := tools[name]
		if tool == nil {
			t.Errorf("tool %s not listed", name)
			continue
		}
		if tool.OutputSchema == nil || tool.Annotations == nil || tool.Annotations.ReadOnlyHint != readOnly {
			t.Errorf("tool %s: output schema %v, annotations %+v; want read-only %v", name, tool.OutputSchema != nil, tool.Annotations, readOnly)
		}
		want := auth.ScopeWrite
		if readOnly {
			want = auth.ScopeRead
		}
		if got := mcpserver.ToolScope(name); got != want {
			t.Errorf("ToolScope(%s)=%s, want %s", name, got, want)
		}
	}
	for tool, param := range map[string]string{"memory_consolidate": "action", "memory_quality": "action", "memory_graph": "action"} {
		s, _ := tools[tool].InputSchema.(map[string]any)
		props, _ := s["properties"].(map[string]any)
		p, _ := props[param].(map[string]any)
		if enum, _ := p["enum"].([]any); len(enum) < 5 {
			t.Errorf("%s.%s schema %v, want an enum of the actions", tool, param, p)
		}
	}
	for _, name := range []string{"get_memory_quality", "analyze_quality_distribution", "consolidation_status", "find_shortest_path"} {
		if mcpserver.ToolScope(name) != auth.ScopeRead {
			t.Errorf("ToolScope(%s)=%s, want read (a read-only v8 name)", name, mcpserver.ToolScope(name))
		}
	}
	for _, name := range []string{"rate_memory", "consolidate_memories", "pause_consolidation"} {
		if mcpserver.ToolScope(name) != auth.ScopeWrite {
			t.Errorf("ToolScope(%s)=%s, want write", name, mcpserver.ToolScope(name))
		}
	}
}

func TestConsolidateTool(t *testing.T) {
	c := MustConnectCurated(t)
	for _, s := range []string{"k8s staging cluster runs arm64 nodes alpha", "k8s staging cluster runs arm64 nodes bravo",
		"k8s staging cluster runs arm64 nodes charlie", "k8s staging cluster runs arm64 nodes delta", "k8s staging cluster runs arm64 nodes echo"} {
		call(t, c.cs, "memory_store", map[string]any{"content": s, "conversation_id": "c1"}, nil)
	}
	var out mcpserver.ConsolidateOutput
	res := call(t, c.cs, "memory_consolidate", map[string]any{"action": "run", "time_horizon": "weekly", "dry_run": true}, &out)
	if out.Report == nil || !out.Report.DryRun || out.Report.Processed != 5 || !strings.Contains(text(res), "dry run") {
		t.Fatalf("run dry_run: %+v / %s", out.Report, text(res))
	}
	call(t, c.cs, "memory_consolidate", map[string]any{"action": "run", "time_horizon": "weekly"}, &out)
	if out.Report == nil || out.Report.DryRun || out.Report.RunID == "" || out.Report.Compression.Created != 1 {
		t.Fatalf("run: %+v, want one summary of the 5 near-identical memories", out.Report)
	}
	call(t, c.cs, "memory_consolidate", map[string]any{"action": "status"}, &out)
	if out.Status == nil || out.Status.JobsExecuted != 1 || out.Status.LastRun == nil || out.Status.LastRun.Report == nil {
		t.Errorf("status: %+v, want the one pass", out.Status)
	}
	call(t, c.cs, "memory_consolidate", map[string]any{"action": "recommend", "time_horizon": "monthly"}, &out)
	if out.Recommendation == nil || out.Recommendation.MemoryCount != 6 {
		t.Errorf("recommend: %+v, want 6 memories (5 and the summary)", out.Recommendation)
	}
	call(t, c.cs, "memory_consolidate", map[string]any{"action": "pause", "time_horizon": "daily"}, &out)
	if len(out.Schedules) != 5 || out.Schedules[0].Paused == nil {
		t.Errorf("pause daily: %+v", out.Schedules)
	}
	var resumed mcpserver.ConsolidateOutput
	call(t, c.cs, "memory_consolidate", map[string]any{"action": "resume"}, &resumed)
	if resumed.Schedules[0].Paused != nil {
		t.Errorf("resume: %+v, want daily no longer paused", resumed.Schedules[0])
	}
	for _, args := range []map[string]any{{"action": "explode"}, {"action": "run"}, {"action": "run", "time_horizon": "hourly"}} {
		callErr(t, c.cs, "memory_consolidate", args)
	}
	call(t, c.cs, "consolidation_status", nil, &out)
	if out.Status == nil {
		t.Errorf("consolidation_status (v8) gave no status")
	}
}

func TestQualityTool(t *testing.T) {
	c := MustConnectCurated(t)
	var stored struct {
		ContentHash string `json:"content_hash"`
	}
	call(t, c.cs, "memory_store", map[string]any{"content": "the build cache lives in /var/cache/build"}, &stored)
	var out mcpserver.QualityOutput
	call(t, c.cs, "memory_quality", map[string]any{"action": "rate", "content_hash": stored.ContentHash, "rating": "1", "feedback": "spot on"}, &out)
	if out.Rated == nil || out.Rated.NewQuality != 0.75 {
		t.Fatalf("rate: %+v", out.Rated)
	}
	call(t, c.cs, "rate_memory", map[string]any{"content_hash": stored.ContentHash, "rating": 1}, &out)
	call(t, c.cs, "memory_quality", map[string]any{"action": "get", "content_hash": stored.ContentHash}, &out)
	if out.Quality == nil || out.Quality.Provider != memory.ProviderUser || out.Quality.UserRating == nil || *out.Quality.UserRating != 1 ||
		len(out.Quality.RatingHistory) != 2 || out.Quality.UserFeedback != "spot on" {
		t.Errorf("get: %+v", out.Quality)
	}
	call(t, c.cs, "memory_quality", map[string]any{"action": "analyze", "min_quality": 0.5}, &out)
	if out.Analysis == nil || out.Analysis.Total != 1 || out.Analysis.High != 1 {
		t.Errorf("analyze: %+v", out.Analysis)
	}
	call(t, c.cs, "memory_quality", map[string]any{"action": "maintain_status"}, &out)
	if out.Status != "never_run" {
		t.Errorf("maintain_status before maintain: %q", out.Status)
	}
	call(t, c.cs, "memory_quality", map[string]any{"action": "maintain"}, &out)
	if out.Maintain == nil || !out.Maintain.DryRun || out.Maintain.Quality.Total != 1 {
		t.Errorf("maintain: %+v, want a dry run by default", out.Maintain)
	}
	call(t, c.cs, "memory_quality", map[string]any{"action": "maintain_status"}, &out)
	if out.Status != "completed" || out.Maintain == nil {
		t.Errorf("maintain_status after maintain: %q %+v", out.Status, out.Maintain)
	}
	callErr(t, c.cs, "memory_quality", map[string]any{"action": "rate", "content_hash": stored.ContentHash, "rating": "5"})
	callErr(t, c.cs, "memory_quality", map[string]any{"action": "get", "content_hash": "nope"})
	callErr(t, c.cs, "memory_quality", map[string]any{"action": "judge"})
}

func TestGraphConflictsAndMistakeTools(t *testing.T) {
	c := MustConnectCurated(t)
	var a, b struct {
		ContentHash string `json:"content_hash"`
	}
	call(t, c.cs, "memory_store", map[string]any{"content": "We deploy with Helm, not Kustomize"}, &a)
	*c.now = c.now.Add(48 * time.Hour)
	res := call(t, c.cs, "memory_store", map[string]any{"content": "We deploy with Kustomize, not Helm"}, &b)
	if !strings.Contains(text(res), "conflict") {
		t.Errorf("storing a conflicting memory: %s, want a warning", text(res))
	}
	var cs mcpserver.ConflictsOutput
	call(t, c.cs, "memory_conflicts", nil, &cs)
	if cs.Count != 1 {
		t.Fatalf("memory_conflicts: %+v", cs)
	}
	var g mcpserver.GraphOutput
	call(t, c.cs, "memory_graph", map[string]any{"action": "connected", "hash": a.ContentHash}, &g)
	if g.Count != 1 || g.Connected[0].Hash != b.ContentHash {
		t.Errorf("memory_graph connected: %+v, want b through the conflict", g)
	}
	call(t, c.cs, "find_shortest_path", map[string]any{"hash1": a.ContentHash, "hash2": b.ContentHash}, &g)
	if g.Length != 1 || !slices.Equal(g.Path, []string{a.ContentHash, b.ContentHash}) {
		t.Errorf("find_shortest_path: %+v", g)
	}
	call(t, c.cs, "memory_graph", map[string]any{"action": "subgraph", "hash": a.ContentHash}, &g)
	if len(g.Nodes) != 2 || len(g.Edges) != 1 || g.Edges[0].Type != memory.RelContradicts {
		t.Errorf("memory_graph subgraph: %+v", g)
	}
	callErr(t, c.cs, "memory_graph", map[string]any{"action": "path", "hash1": a.ContentHash})
	var r memory.ResolveResult
	call(t, c.cs, "memory_resolve", map[string]any{"winner_hash": b.ContentHash, "loser_hash": a.ContentHash}, &r)
	if !r.Success {
		t.Fatalf("memory_resolve: %+v", r)
	}
	call(t, c.cs, "memory_conflicts", nil, &cs)
	if cs.Count != 0 {
		t.Errorf("memory_conflicts after resolve: %+v", cs)
	}
	var list memory.ListResult
	call(t, c.cs, "memory_list", map[string]any{"include_superseded": true}, &list)
	if list.Total != 2 {
		t.Errorf("memory_list include_superseded: %d, want 2", list.Total)
	}
	call(t, c.cs, "memory_list", nil, &list)
	if list.Total != 1 {
		t.Errorf("memory_list: %d, want 1 (the loser is hidden)", list.Total)
	}

	var m memory.MistakeResult
	note := map[string]any{"error_pattern": "ENOSPC", "context_signature": "docker build", "incorrect_action": "retry", "correct_action": "prune images"}
	call(t, c.cs, "mistake_note_add", note, &m)
	if m.Status != "created" {
		t.Errorf("mistake_note_add: %+v", m)
	}
	call(t, c.cs, "mistake_note_add", note, &m)
	if m.Status != "updated" || m.FailureCount != 2 {
		t.Errorf("mistake_note_add again: %+v", m)
	}
	var found mcpserver.MistakeSearchOutput
	call(t, c.cs, "mistake_note_search", map[string]any{"query": "docker build ENOSPC"}, &found)
	if found.Count != 1 || found.Notes[0].FailureCount != 2 {
		t.Errorf("mistake_note_search: %+v", found)
	}
	callErr(t, c.cs, "mistake_note_add", map[string]any{"error_pattern": "x"})
}
