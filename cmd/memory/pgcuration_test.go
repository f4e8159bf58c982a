package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/mcpserver"
)

// TestPostgresCuration: on the postgres backend, consolidation passes
// archive and restore, record their history, and the graph, conflict and
// mistake-note tools work, from the CLI and the stdio server alike.
func TestPostgresCuration(t *testing.T) {
	p := newPGTest(t)
	env := map[string]string{"MCP_SEMANTIC_DEDUP_ENABLED": "false"}
	for _, kv := range p.env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	a := openTestApp(t, env)
	if a.cons == nil || a.svc.Graph == nil || a.svc.Archive == nil {
		a.Close()
		t.Fatal("postgres backend: consolidation, graph or archive off")
	}
	storeErrands(t, a)
	a.Close()

	count := func() string {
		t.Helper()
		m := regexp.MustCompile(`memories:\s+(\d+)`).FindStringSubmatch(runOK(t, env, "status"))
		if m == nil {
			t.Fatal("status shows no memory count")
		}
		return m[1]
	}
	if out := runOK(t, env, "consolidate", "run", "-horizon", "monthly"); !strings.Contains(out, "Forgetting: 2 archived") {
		t.Errorf("consolidate run: %s", out)
	}
	if n := count(); n != "18" {
		t.Errorf("memories after the pass: %s, want 18", n)
	}
	if out := runOK(t, env, "consolidate", "status"); !strings.Contains(out, "passes: 1 (0 failed); archived memories: 2") {
		t.Errorf("consolidate status: %s", out)
	}
	var list memory.ArchiveList
	if err := json.Unmarshal([]byte(runOK(t, env, "consolidate", "archive", "list", "-json")), &list); err != nil {
		t.Fatal(err)
	}
	if list.Total != 2 || !strings.Contains(list.Memories[0].Reason, "monthly consolidation") {
		t.Fatalf("archive list: %+v", list)
	}
	if out := runOK(t, env, "consolidate", "archive", "restore", list.Memories[0].Hash); !strings.Contains(out, "restored "+list.Memories[0].Hash) {
		t.Errorf("archive restore: %s", out)
	}
	if n := count(); n != "19" {
		t.Errorf("memories after a restore: %s, want 19", n)
	}

	// The stdio server: conflicts, the graph, resolving, mistake notes and
	// the consolidation status, all kept in PostgreSQL.
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	cs := connect(t, "unused.db", envList...)
	var x, y struct {
		ContentHash string `json:"content_hash"`
	}
	callTool(t, cs, "memory_store", map[string]any{"content": "We deploy with Helm, not Kustomize"}, &x)
	callTool(t, cs, "memory_store", map[string]any{"content": "We deploy with Kustomize, not Helm"}, &y)
	var conflicts mcpserver.ConflictsOutput
	callTool(t, cs, "memory_conflicts", nil, &conflicts)
	if conflicts.Count != 1 {
		t.Fatalf("memory_conflicts: %+v, want the Helm/Kustomize pair", conflicts)
	}
	var g mcpserver.GraphOutput
	callTool(t, cs, "memory_graph", map[string]any{"action": "connected", "hash": x.ContentHash}, &g)
	if g.Count != 1 || g.Connected[0].Hash != y.ContentHash {
		t.Errorf("memory_graph connected: %+v, want the other through the conflict", g)
	}
	var r memory.ResolveResult
	callTool(t, cs, "memory_resolve", map[string]any{"winner_hash": y.ContentHash, "loser_hash": x.ContentHash}, &r)
	callTool(t, cs, "memory_conflicts", nil, &conflicts)
	if !r.Success || conflicts.Count != 0 {
		t.Errorf("memory_resolve: %+v, then %d conflicts; want none", r, conflicts.Count)
	}
	note := map[string]any{"error_pattern": "ENOSPC", "context_signature": "docker build", "incorrect_action": "retry", "correct_action": "prune images"}
	var m memory.MistakeResult
	callTool(t, cs, "mistake_note_add", note, &m)
	callTool(t, cs, "mistake_note_add", note, &m)
	if m.Status != "updated" || m.FailureCount != 2 {
		t.Errorf("mistake_note_add twice: %+v, want one note failed twice", m)
	}
	var found mcpserver.MistakeSearchOutput
	callTool(t, cs, "mistake_note_search", map[string]any{"query": "docker build ENOSPC"}, &found)
	if found.Count != 1 || found.Notes[0].FailureCount != 2 {
		t.Errorf("mistake_note_search: %+v", found)
	}
	var st mcpserver.ConsolidateOutput
	callTool(t, cs, "memory_consolidate", map[string]any{"action": "status"}, &st)
	if st.Status == nil || st.Status.JobsExecuted != 1 {
		t.Errorf("memory_consolidate status: %+v, want the pass run from the CLI", st.Status)
	}
}
