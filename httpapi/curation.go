package httpapi

// Routes of consolidation, quality, conflicts and the graph.

import (
	"net/http"
	"strings"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
)

// curationRoutes are the routes of consolidation, quality, conflicts and
// the graph, in that order.
func (a *API) curationRoutes() []Route {
	horizon := Param{Name: "time_horizon", In: "path", Type: "string", Required: true, Description: "daily, weekly, monthly, quarterly or yearly",
		Enum: []string{"daily", "weekly", "monthly", "quarterly", "yearly"}}
	var rs []Route
	rs = append(rs, tagged("consolidation",
		bodyOp(post, "/api/consolidation/trigger", write, "Run a consolidation pass of the caller's memories now (time_horizon, default weekly; dry_run reports without changing anything); 409 while another pass runs", a.triggerConsolidation),
		bodyOp(post, "/api/consolidation/run", write, "Same as POST /api/consolidation/trigger (the path upstream's .env.example names)", a.triggerConsolidation),
		jsonOp(get, "/api/consolidation/status", read, "Whether a pass runs, the schedules with their next runs and pauses, the caller's passes and archive size", a.consolidationStatus),
		jsonOp(get, "/api/consolidation/recommendations/{time_horizon}", read, "Whether a pass of this horizon is worth running now, with reasons and an estimated duration", a.consolidationAdvice).with(horizon),
		jsonOp(get, "/api/consolidation/history", read, "The caller's recorded passes with their reports, newest first", a.consolidationHistory).with(
			intQuery("limit", "number of passes", 20, 1, 200)),
		bodyOp(post, "/api/consolidation/pause", write, "Pause the caller's scheduled passes of a horizon (or of all without time_horizon)", a.pauseConsolidation),
		bodyOp(post, "/api/consolidation/resume", write, "Resume the caller's scheduled passes of a horizon (or of all without time_horizon)", a.resumeConsolidation),
		jsonOp(get, "/api/consolidation/archive", read, "Memories archived by forgetting (or by hand), most recently archived first, with the reason", a.listArchive).with(
			intQuery("page", "page number, from 1", 1, 1, 1_000_000),
			intQuery("page_size", "memories per page", 20, 1, 100)),
		bodyOp(post, "/api/consolidation/archive/restore", write, "Bring archived memories back exactly as they were (all or none; 409 if one was stored again since)", a.restoreArchive),
	)...)
	rs = append(rs, tagged("quality",
		bodyOp(post, "/api/quality/memories/{content_hash}/rate", write, "Rate a memory: 1 useful, 0 neutral, -1 wrong; its quality moves halfway towards 1, 0.5 or 0", a.rateMemory).with(pathHash()),
		bodyOp(post, "/api/quality/memories/{content_hash}/evaluate", read, "Score a memory now from its ratings and use (no AI scorer runs; nothing is written)", a.evaluateQuality).with(pathHash()),
		jsonOp(get, "/api/quality/memories/{content_hash}", read, "A memory's quality and what it is made of (ratings, use)", a.memoryQuality).with(pathHash()),
		jsonOp(get, "/api/quality/distribution", read, "The distribution of the caller's quality scores, with the best and worst memories", a.qualityDistribution).with(
			Param{Name: "min_quality", In: "query", Type: "number", Default: 0.0, Minimum: ptr(0.0), Maximum: ptr(1.0), Description: "lowest score counted"},
			Param{Name: "max_quality", In: "query", Type: "number", Default: 1.0, Minimum: ptr(0.0), Maximum: ptr(1.0), Description: "highest score counted"}),
		jsonOp(get, "/api/quality/trends", read, "Average quality of the memories created each day", a.qualityTrends).with(
			intQuery("days", "number of days up to today", 30, 1, 3650)),
	)...)
	rs = append(rs, tagged("conflicts",
		jsonOp(get, "/api/conflicts", read, "Unresolved conflicts: memories of nearly the same meaning with different content", a.listConflicts),
		bodyOp(post, "/api/conflicts/resolve", write, "Keep winner_hash; loser_hash is kept but superseded (hidden from search)", a.resolveConflict),
	)...)
	rs = append(rs, tagged("graph",
		jsonOp(get, "/api/analytics/graph-visualization", read, "The most connected memories and the edges between them, for a graph view (D3 nodes and edges)", a.graphVisualization).with(
			intQuery("limit", "number of memories", 100, 1, 500),
			intQuery("min_connections", "least number of edges a memory needs", 1, 0, 1000)),
		jsonOp(get, "/api/analytics/relationship-types", read, "Number of edges of each relation type", a.relationshipTypes),
		jsonOp(get, "/api/graph/connected/{content_hash}", read, "Memories linked to one within max_hops edges, nearest first", a.graphConnected).with(
			pathHash(), intQuery("max_hops", "edges away", 2, 1, 6)),
		jsonOp(get, "/api/graph/subgraph/{content_hash}", read, "Memories within radius edges of one and the edges between them", a.graphSubgraph).with(
			pathHash(), intQuery("radius", "edges around", 2, 1, 6)),
		jsonOp(get, "/api/graph/path", read, "A shortest chain of edges between two memories (path null when none)", a.graphPath).with(
			Param{Name: "from", In: "query", Type: "string", Required: true, Description: "content hash of the first memory"},
			Param{Name: "to", In: "query", Type: "string", Required: true, Description: "content hash of the last memory"},
			intQuery("max_depth", "longest path in edges", 5, 1, 6)),
		jsonOp(get, "/api/graph/suggest/{content_hash}", read, "Memories similar to one but not yet linked to it", a.graphSuggest).with(
			pathHash(), intQuery("limit", "number of suggestions", 10, 1, 100)),
	)...)
	return rs
}

// consolidator returns the consolidator or EUnavailable.
func (a *API) consolidator() (*consolidate.Consolidator, error) {
	if a.Consolidator == nil {
		return nil, memory.Errorf(memory.EUnavailable, "consolidation is not available on this server")
	}
	return a.Consolidator, nil
}

// TriggerRequest is the body of POST /api/consolidation/trigger.
type TriggerRequest struct {
	TimeHorizon string `json:"time_horizon,omitempty" jsonschema:"daily, weekly (default), monthly, quarterly or yearly"`
	DryRun      bool   `json:"dry_run,omitempty" jsonschema:"report what the pass would do without changing anything"`
}

// TriggerResponse answers POST /api/consolidation/trigger: upstream's
// fields and the full report.
type TriggerResponse struct {
	Status     string             `json:"status"`
	Horizon    string             `json:"horizon"`
	Processed  int                `json:"processed"`
	Compressed int                `json:"compressed" jsonschema:"summaries written"`
	Forgotten  int                `json:"forgotten" jsonschema:"memories archived"`
	Duration   float64            `json:"duration" jsonschema:"seconds"`
	Report     consolidate.Report `json:"report"`
}

// horizonOr reads an optional horizon argument: def when it is blank.
func horizonOr(s string, def consolidate.Horizon) (consolidate.Horizon, error) {
	if strings.TrimSpace(s) == "" {
		return def, nil
	}
	return consolidate.ParseHorizon(s)
}

func (a *API) triggerConsolidation(r *http.Request, req *TriggerRequest) (*TriggerResponse, error) {
	c, err := a.consolidator()
	if err != nil {
		return nil, err
	}
	h, err := horizonOr(req.TimeHorizon, consolidate.Weekly)
	if err != nil {
		return nil, err
	}
	rep, err := c.Consolidate(r.Context(), h, consolidate.Options{DryRun: req.DryRun})
	if err != nil {
		return nil, err
	}
	return &TriggerResponse{Status: rep.Status, Horizon: string(h), Processed: rep.Processed, Compressed: rep.Compression.Created,
		Forgotten: rep.Forgetting.Count, Duration: rep.DurationMS / 1000, Report: rep}, nil
}

func (a *API) consolidationStatus(r *http.Request) (*consolidate.Status, error) {
	c, err := a.consolidator()
	if err != nil {
		return nil, err
	}
	st, err := c.Status(r.Context())
	return &st, err
}

func (a *API) consolidationAdvice(r *http.Request) (*consolidate.Recommendation, error) {
	c, err := a.consolidator()
	if err != nil {
		return nil, err
	}
	rec, err := c.Recommend(r.Context(), consolidate.Horizon(paramsOf(r).str("time_horizon")))
	return &rec, err
}

// RunsResponse answers GET /api/consolidation/history.
type RunsResponse struct {
	Runs  []consolidate.RunRecord `json:"runs"`
	Count int                     `json:"count"`
}

func (a *API) consolidationHistory(r *http.Request) (*RunsResponse, error) {
	c, err := a.consolidator()
	if err != nil {
		return nil, err
	}
	runs, err := c.History(r.Context(), paramsOf(r).int("limit"))
	if err != nil {
		return nil, err
	}
	return &RunsResponse{Runs: nonNilSlice(runs), Count: len(runs)}, nil
}

// PauseRequest is the body of POST /api/consolidation/pause and resume.
type PauseRequest struct {
	TimeHorizon string `json:"time_horizon,omitempty" jsonschema:"the horizon; every horizon when absent"`
}

// PauseResponse answers POST /api/consolidation/pause and resume.
type PauseResponse struct {
	Success   bool                         `json:"success"`
	Message   string                       `json:"message"`
	Schedules []consolidate.ScheduleStatus `json:"schedules"`
}

func (a *API) pauseConsolidation(r *http.Request, req *PauseRequest) (*PauseResponse, error) {
	return a.setPause(r, req, true)
}

func (a *API) resumeConsolidation(r *http.Request, req *PauseRequest) (*PauseResponse, error) {
	return a.setPause(r, req, false)
}

func (a *API) setPause(r *http.Request, req *PauseRequest, pause bool) (*PauseResponse, error) {
	c, err := a.consolidator()
	if err != nil {
		return nil, err
	}
	op, verb := c.Resume, "resumed"
	if pause {
		op, verb = c.Pause, "paused"
	}
	h, err := horizonOr(req.TimeHorizon, "") // none: every horizon
	if err != nil {
		return nil, err
	}
	sch, err := op(r.Context(), h)
	if err != nil {
		return nil, err
	}
	what := "all horizons"
	if h != "" {
		what = string(h)
	}
	return &PauseResponse{Success: true, Message: "scheduled consolidation " + verb + " for " + what, Schedules: sch}, nil
}

// ArchivedResponse is an archived memory.
type ArchivedResponse struct {
	*MemoryResponse
	ArchivedAt    float64 `json:"archived_at" jsonschema:"seconds since the Unix epoch"`
	ArchivedAtISO string  `json:"archived_at_iso"`
	Reason        string  `json:"reason"`
}

// ArchiveResponse answers GET /api/consolidation/archive.
type ArchiveResponse struct {
	Memories   []ArchivedResponse `json:"memories"`
	Total      int                `json:"total"`
	Page       int                `json:"page"`
	PageSize   int                `json:"page_size"`
	TotalPages int                `json:"total_pages"`
	HasMore    bool               `json:"has_more"`
}

func (a *API) listArchive(r *http.Request) (*ArchiveResponse, error) {
	p := paramsOf(r)
	l, err := a.Service.Archived(r.Context(), p.int("page"), p.int("page_size"))
	if err != nil {
		return nil, err
	}
	out := &ArchiveResponse{Memories: []ArchivedResponse{}, Total: l.Total, Page: l.Page, PageSize: l.PageSize, TotalPages: l.TotalPages, HasMore: l.HasMore}
	for _, m := range l.Memories {
		out.Memories = append(out.Memories, ArchivedResponse{MemoryResponse: toResponse(m.Memory), ArchivedAt: epoch(m.ArchivedAt),
			ArchivedAtISO: iso(m.ArchivedAt), Reason: m.Reason})
	}
	return out, nil
}

// RestoreRequest is the body of POST /api/consolidation/archive/restore.
type RestoreRequest struct {
	ContentHashes []string `json:"content_hashes" jsonschema:"the archived memories to bring back (at most 1000)"`
}

// RestoreResponse answers POST /api/consolidation/archive/restore.
type RestoreResponse struct {
	Success  bool              `json:"success"`
	Message  string            `json:"message"`
	Restored []*MemoryResponse `json:"restored"`
	Count    int               `json:"count"`
}

func (a *API) restoreArchive(r *http.Request, req *RestoreRequest) (*RestoreResponse, error) {
	ms, err := a.Service.Restore(r.Context(), req.ContentHashes)
	if err != nil {
		return nil, err
	}
	return &RestoreResponse{Success: true, Message: "memories restored", Restored: toResponses(ms), Count: len(ms)}, nil
}

// EvaluateRequest is the body of POST
// /api/quality/memories/{content_hash}/evaluate.
type EvaluateRequest struct {
	Query string `json:"query,omitempty" jsonschema:"accepted for compatibility; the score does not depend on it"`
}

// EvaluateResponse answers POST
// /api/quality/memories/{content_hash}/evaluate (upstream's fields; no AI
// scorer runs, so ai_score is null).
type EvaluateResponse struct {
	Success          bool     `json:"success"`
	ContentHash      string   `json:"content_hash"`
	QualityScore     float64  `json:"quality_score"`
	QualityProvider  string   `json:"quality_provider"`
	AIScore          *float64 `json:"ai_score"`
	ImplicitScore    float64  `json:"implicit_score"`
	EvaluationTimeMS float64  `json:"evaluation_time_ms"`
	Message          string   `json:"message"`
}

func (a *API) evaluateQuality(r *http.Request, _ *EvaluateRequest) (*EvaluateResponse, error) {
	start := a.now()
	q, err := a.Service.QualityOf(r.Context(), paramsOf(r).str("content_hash"))
	if err != nil {
		return nil, err
	}
	return &EvaluateResponse{Success: true, ContentHash: q.Hash, QualityScore: q.QualityScore, QualityProvider: q.Provider,
		ImplicitScore: q.ImplicitScore, EvaluationTimeMS: float64(a.now().Sub(start).Microseconds()) / 1000,
		Message: "scored from ratings and use; this server runs no AI quality model"}, nil
}

func (a *API) memoryQuality(r *http.Request) (*memory.QualityInfo, error) {
	q, err := a.Service.QualityOf(r.Context(), paramsOf(r).str("content_hash"))
	return &q, err
}

func (a *API) qualityDistribution(r *http.Request) (*memory.QualityReport, error) {
	p := paramsOf(r)
	lo, _ := p["min_quality"].(float64)
	hi, _ := p["max_quality"].(float64)
	q, err := a.Service.QualityReport(r.Context(), lo, hi)
	return &q, err
}

func (a *API) qualityTrends(r *http.Request) (*memory.QualityTrends, error) {
	t, err := a.Service.QualityTrends(r.Context(), paramsOf(r).int("days"))
	return &t, err
}

// ConflictsResponse answers GET /api/conflicts.
type ConflictsResponse struct {
	Conflicts []memory.Conflict `json:"conflicts"`
	Count     int               `json:"count"`
}

func (a *API) listConflicts(r *http.Request) (*ConflictsResponse, error) {
	cs, err := a.Service.Conflicts(r.Context())
	if err != nil {
		return nil, err
	}
	return &ConflictsResponse{Conflicts: nonNilSlice(cs), Count: len(cs)}, nil
}

// ResolveRequest is the body of POST /api/conflicts/resolve.
type ResolveRequest struct {
	WinnerHash string `json:"winner_hash" jsonschema:"the memory that holds"`
	LoserHash  string `json:"loser_hash" jsonschema:"the memory it replaces"`
}

func (a *API) resolveConflict(r *http.Request, req *ResolveRequest) (*memory.ResolveResult, error) {
	res, err := a.Service.Resolve(r.Context(), req.WinnerHash, req.LoserHash)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

func (a *API) graphVisualization(r *http.Request) (*memory.GraphView, error) {
	p := paramsOf(r)
	v, err := a.Service.GraphView(r.Context(), p.int("limit"), p.int("min_connections"))
	return &v, err
}

func (a *API) relationshipTypes(r *http.Request) (map[string]int64, error) {
	return a.Service.RelationshipCounts(r.Context())
}

// ConnectedResponse answers GET /api/graph/connected/{content_hash}.
type ConnectedResponse struct {
	ContentHash string          `json:"content_hash"`
	Connected   []memory.Linked `json:"connected"`
	Count       int             `json:"count"`
}

func (a *API) graphConnected(r *http.Request) (*ConnectedResponse, error) {
	p := paramsOf(r)
	ls, err := a.Service.Connected(r.Context(), p.str("content_hash"), p.int("max_hops"))
	if err != nil {
		return nil, err
	}
	return &ConnectedResponse{ContentHash: p.str("content_hash"), Connected: ls, Count: len(ls)}, nil
}

func (a *API) graphSubgraph(r *http.Request) (*memory.Subgraph, error) {
	p := paramsOf(r)
	g, err := a.Service.Subgraph(r.Context(), p.str("content_hash"), p.int("radius"))
	return &g, err
}

// PathResponse answers GET /api/graph/path.
type PathResponse struct {
	Path   []string `json:"path" jsonschema:"hashes from the first memory to the last; null when no path is within max_depth"`
	Length int      `json:"length" jsonschema:"number of edges"`
}

func (a *API) graphPath(r *http.Request) (*PathResponse, error) {
	p := paramsOf(r)
	path, err := a.Service.Path(r.Context(), p.str("from"), p.str("to"), p.int("max_depth"))
	if err != nil {
		return nil, err
	}
	return &PathResponse{Path: path, Length: max(0, len(path)-1)}, nil
}

// SuggestResponse answers GET /api/graph/suggest/{content_hash}.
type SuggestResponse struct {
	Suggestions []memory.Suggestion `json:"suggestions"`
	Count       int                 `json:"count"`
}

func (a *API) graphSuggest(r *http.Request) (*SuggestResponse, error) {
	p := paramsOf(r)
	s, err := a.Service.Suggest(r.Context(), p.str("content_hash"), p.int("limit"))
	if err != nil {
		return nil, err
	}
	return &SuggestResponse{Suggestions: s, Count: len(s)}, nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
