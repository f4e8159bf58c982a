package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/httpapi"
)

// curated turns on the graph, the archive and consolidation, and records
// the events published.
func (e *env) curated() *[]memory.Event {
	e.svc.Graph, e.svc.Archive = e.st, e.st
	c := consolidate.New(e.svc, e.st)
	c.Now = e.svc.Now
	e.api.Consolidator = c
	var events []memory.Event
	prev := e.svc.OnEvent
	e.svc.OnEvent = func(ev memory.Event) {
		events = append(events, ev)
		prev(ev)
	}
	return &events
}

func TestConsolidationRoutes(t *testing.T) {
	e := MustOpenEnv(t)
	events := e.curated()
	for _, w := range []string{"alpha", "bravo", "charlie", "delta", "echo"} {
		e.store("alice", "kubernetes staging cluster runs arm64 nodes "+w, now, "", "k8s")
	}
	e.store("bob", "bob's only memory", now, "")
	var tr httpapi.TriggerResponse
	e.mustDo(http.StatusOK, "alice-write", "POST", "/api/consolidation/trigger", map[string]any{"time_horizon": "weekly", "dry_run": true}).Decode(t, &tr)
	if tr.Status != consolidate.StatusDryRun || tr.Processed != 5 || tr.Compressed != 1 || !tr.Report.DryRun {
		t.Errorf("trigger dry run: %+v", tr)
	}
	e.mustDo(http.StatusOK, "alice-write", "POST", "/api/consolidation/run", map[string]any{}).Decode(t, &tr)
	if tr.Status != consolidate.StatusCompleted || tr.Horizon != "weekly" || tr.Compressed != 1 || tr.Report.RunID == "" {
		t.Errorf("run (default weekly): %+v", tr)
	}
	e.wantError(e.do("alice-read", "POST", "/api/consolidation/trigger", map[string]any{}), http.StatusForbidden, "insufficient_scope")
	e.wantError(e.do("alice-write", "POST", "/api/consolidation/trigger", map[string]any{"time_horizon": "hourly"}), http.StatusBadRequest, memory.EInvalid)

	var st consolidate.Status
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/consolidation/status", nil).Decode(t, &st)
	if st.JobsExecuted != 1 || st.LastRun == nil || st.Running || len(st.Schedules) != 5 {
		t.Errorf("status (alice): %+v", st)
	}
	m := e.mustDo(http.StatusOK, "alice-read", "GET", "/api/consolidation/status", nil).JSON(t)
	for _, k := range []string{"running", "next_daily", "next_weekly", "next_monthly", "jobs_executed", "jobs_failed"} {
		if _, ok := m[k]; !ok {
			t.Errorf("status lacks upstream's field %s: %v", k, m)
		}
	}
	e.mustDo(http.StatusOK, "bob-write", "GET", "/api/consolidation/status", nil).Decode(t, &st)
	if st.JobsExecuted != 0 {
		t.Errorf("status (bob): %d jobs, want none of alice's", st.JobsExecuted)
	}
	var rec consolidate.Recommendation
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/consolidation/recommendations/monthly", nil).Decode(t, &rec)
	if rec.MemoryCount != 6 || rec.Recommendation == "" || rec.EstimatedDuration == "" {
		t.Errorf("recommendations/monthly: %+v", rec)
	}
	e.wantError(e.do("alice-read", "GET", "/api/consolidation/recommendations/hourly", nil), http.StatusBadRequest, memory.EInvalid)
	var runs httpapi.RunsResponse
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/consolidation/history", nil).Decode(t, &runs)
	if runs.Count != 1 || runs.Runs[0].Report == nil || runs.Runs[0].Report.Compression.Created != 1 {
		t.Errorf("history: %+v", runs)
	}
	var pr httpapi.PauseResponse
	e.mustDo(http.StatusOK, "alice-write", "POST", "/api/consolidation/pause", map[string]any{"time_horizon": "monthly"}).Decode(t, &pr)
	if !pr.Success || pr.Schedules[2].Paused == nil || pr.Schedules[0].Paused != nil {
		t.Errorf("pause monthly: %+v", pr)
	}
	var pr2 httpapi.PauseResponse
	e.mustDo(http.StatusOK, "alice-write", "POST", "/api/consolidation/resume", map[string]any{}).Decode(t, &pr2)
	if pr2.Schedules[2].Paused != nil {
		t.Errorf("resume: %+v", pr2)
	}
	var seen []string
	for _, ev := range *events {
		if ev.Type == memory.EventConsolidationStarted || ev.Type == memory.EventConsolidationCompleted {
			seen = append(seen, ev.Owner+":"+ev.Type)
		}
	}
	if want := []string{"alice:consolidation_started", "alice:consolidation_completed"}; !slices.Equal(seen, want) {
		t.Errorf("consolidation events=%v, want %v (none for the dry run)", seen, want)
	}

	e.api.Consolidator = nil
	e.wantError(e.do("alice-read", "GET", "/api/consolidation/status", nil), http.StatusServiceUnavailable, memory.EUnavailable)
}

func TestArchiveRoutes(t *testing.T) {
	e := MustOpenEnv(t)
	e.curated()
	a := e.store("alice", "a memory to archive", now, "note", "x")
	ctx := memory.WithOwner(context.Background(), "alice")
	if _, err := e.svc.ArchiveMemories(ctx, []string{a.Hash}, "unused for a year"); err != nil {
		t.Fatal(err)
	}
	e.wantError(e.do("alice-read", "GET", "/api/memories/"+a.Hash, nil), http.StatusNotFound, memory.ENotFound)
	var list httpapi.ArchiveResponse
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/consolidation/archive", nil).Decode(t, &list)
	if list.Total != 1 || list.Memories[0].ContentHash != a.Hash || list.Memories[0].Reason != "unused for a year" || list.Memories[0].ArchivedAtISO == "" {
		t.Fatalf("archive: %+v", list)
	}
	e.mustDo(http.StatusOK, "bob-write", "GET", "/api/consolidation/archive", nil).Decode(t, &list)
	if list.Total != 0 {
		t.Errorf("bob's archive lists %d, want alice's hidden", list.Total)
	}
	e.wantError(e.do("bob-write", "POST", "/api/consolidation/archive/restore", map[string]any{"content_hashes": []string{a.Hash}}), http.StatusNotFound, memory.ENotFound)
	e.wantError(e.do("alice-read", "POST", "/api/consolidation/archive/restore", map[string]any{"content_hashes": []string{a.Hash}}), http.StatusForbidden, "insufficient_scope")
	e.wantError(e.do("alice-write", "POST", "/api/consolidation/archive/restore", map[string]any{"content_hashes": []string{}}), http.StatusBadRequest, memory.EInvalid)
	var rr httpapi.RestoreResponse
	e.mustDo(http.StatusOK, "alice-write", "POST", "/api/consolidation/archive/restore", map[string]any{"content_hashes": []string{a.Hash}}).Decode(t, &rr)
	if rr.Count != 1 || rr.Restored[0].ContentHash != a.Hash || rr.Restored[0].Tags[0] != "x" {
		t.Errorf("restore: %+v", rr)
	}
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/memories/"+a.Hash, nil)
}

func TestQualityRoutes(t *testing.T) {
	e := MustOpenEnv(t)
	e.curated()
	a := e.store("alice", "a memory worth rating", now, "")
	e.store("alice", "a plain memory", now, "")
	e.mustDo(http.StatusOK, "alice-write", "POST", "/api/quality/memories/"+a.Hash+"/rate", map[string]any{"rating": 1})
	var q memory.QualityInfo
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/quality/memories/"+a.Hash, nil).Decode(t, &q)
	if q.QualityScore != 0.75 || q.Provider != memory.ProviderUser || len(q.RatingHistory) != 1 {
		t.Errorf("quality of a: %+v", q)
	}
	var ev httpapi.EvaluateResponse
	e.mustDo(http.StatusOK, "alice-read", "POST", "/api/quality/memories/"+a.Hash+"/evaluate", map[string]any{}).Decode(t, &ev)
	if !ev.Success || ev.QualityScore != 0.75 || ev.AIScore != nil {
		t.Errorf("evaluate: %+v", ev)
	}
	var d memory.QualityReport
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/quality/distribution", nil).Decode(t, &d)
	if d.Total != 2 || d.High != 1 || d.Medium != 1 {
		t.Errorf("distribution: %+v", d)
	}
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/quality/distribution?min_quality=0.7", nil).Decode(t, &d)
	if d.Total != 1 {
		t.Errorf("distribution >= 0.7: %d", d.Total)
	}
	e.wantError(e.do("alice-read", "GET", "/api/quality/distribution?max_quality=2", nil), http.StatusBadRequest, memory.EInvalid)
	var tr memory.QualityTrends
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/quality/trends?days=7", nil).Decode(t, &tr)
	if tr.Total != 2 || len(tr.Data) != 1 || tr.Days != 7 {
		t.Errorf("trends: %+v", tr)
	}
	e.wantError(e.do("bob-write", "GET", "/api/quality/memories/"+a.Hash, nil), http.StatusNotFound, memory.ENotFound)
}

func TestConflictAndGraphRoutes(t *testing.T) {
	e := MustOpenEnv(t)
	e.curated()
	a := e.store("alice", "The backups run at two, not at four", now, "")
	b := e.store("alice", "The backups run at four, not at two", now, "")
	var cs httpapi.ConflictsResponse
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/conflicts", nil).Decode(t, &cs)
	if cs.Count != 1 || cs.Conflicts[0].ContentA == "" {
		t.Fatalf("conflicts: %+v", cs)
	}
	e.mustDo(http.StatusOK, "bob-write", "GET", "/api/conflicts", nil).Decode(t, &cs)
	if cs.Count != 0 {
		t.Errorf("bob sees %d of alice's conflicts", cs.Count)
	}

	var view memory.GraphView
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/analytics/graph-visualization?limit=10", nil).Decode(t, &view)
	if len(view.Nodes) != 2 || len(view.Edges) != 1 || view.Meta.RelationshipTypes[memory.RelContradicts] != 1 {
		t.Errorf("graph-visualization: %+v", view)
	}
	types := e.mustDo(http.StatusOK, "alice-read", "GET", "/api/analytics/relationship-types", nil).JSON(t)
	if types[memory.RelContradicts] != 1.0 {
		t.Errorf("relationship-types: %v", types)
	}
	var conn httpapi.ConnectedResponse
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/graph/connected/"+a.Hash, nil).Decode(t, &conn)
	if conn.Count != 1 || conn.Connected[0].Hash != b.Hash {
		t.Errorf("connected: %+v", conn)
	}
	var sub memory.Subgraph
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/graph/subgraph/"+a.Hash+"?radius=1", nil).Decode(t, &sub)
	if len(sub.Nodes) != 2 {
		t.Errorf("subgraph: %+v", sub)
	}
	var path httpapi.PathResponse
	e.mustDo(http.StatusOK, "alice-read", "GET", fmt.Sprintf("/api/graph/path?from=%s&to=%s", a.Hash, b.Hash), nil).Decode(t, &path)
	if path.Length != 1 {
		t.Errorf("path: %+v", path)
	}
	e.wantError(e.do("alice-read", "GET", "/api/graph/path?from="+a.Hash, nil), http.StatusBadRequest, memory.EInvalid)
	var sug httpapi.SuggestResponse
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/graph/suggest/"+a.Hash, nil).Decode(t, &sug)
	for _, s := range sug.Suggestions {
		if s.Hash == b.Hash {
			t.Errorf("suggest offers b, which is linked already")
		}
	}
	e.wantError(e.do("bob-write", "GET", "/api/graph/connected/"+a.Hash, nil), http.StatusNotFound, memory.ENotFound)

	e.wantError(e.do("alice-read", "POST", "/api/conflicts/resolve", map[string]any{"winner_hash": b.Hash, "loser_hash": a.Hash}), http.StatusForbidden, "insufficient_scope")
	var rr memory.ResolveResult
	e.mustDo(http.StatusOK, "alice-write", "POST", "/api/conflicts/resolve", map[string]any{"winner_hash": b.Hash, "loser_hash": a.Hash}).Decode(t, &rr)
	if !rr.Success {
		t.Errorf("resolve: %+v", rr)
	}
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/conflicts", nil).Decode(t, &cs)
	if cs.Count != 0 {
		t.Errorf("conflicts after resolve: %d", cs.Count)
	}
	var list httpapi.ListResponse
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/memories?include_superseded=true", nil).Decode(t, &list)
	if list.Total != 2 {
		t.Errorf("GET /api/memories?include_superseded=true: %d, want 2", list.Total)
	}
	e.mustDo(http.StatusOK, "alice-read", "GET", "/api/memories", nil).Decode(t, &list)
	if list.Total != 1 {
		t.Errorf("GET /api/memories: %d, want 1", list.Total)
	}
}
