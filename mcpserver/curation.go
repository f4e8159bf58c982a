package mcpserver

// Tools that curate memories: memory_quality, memory_graph,
// memory_conflicts, memory_resolve, mistake_note_add and
// mistake_note_search, with their v8 names.

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// QualityArgs are the arguments of memory_quality.
type QualityArgs struct {
	Action      string   `json:"action" jsonschema:"rate, get, analyze, maintain or maintain_status"`
	ContentHash string   `json:"content_hash,omitempty" jsonschema:"rate, get: the memory"`
	Rating      Rating   `json:"rating,omitempty"`
	Feedback    string   `json:"feedback,omitempty" jsonschema:"rate: why (kept with the memory)"`
	MinQuality  *float64 `json:"min_quality,omitempty" jsonschema:"analyze: lowest quality counted (default 0)"`
	MaxQuality  *float64 `json:"max_quality,omitempty" jsonschema:"analyze: highest quality counted (default 1)"`
	DryRun      *bool    `json:"dry_run,omitempty" jsonschema:"maintain: only report (default true); false also merges duplicates"`
}

// QualityOutput is the result of memory_quality; the field of its action
// is set.
type QualityOutput struct {
	Action   string                      `json:"action"`
	Message  string                      `json:"message"`
	Rated    *memory.RateResult          `json:"rated,omitempty"`
	Quality  *memory.QualityInfo         `json:"quality,omitempty"`
	Analysis *memory.QualityReport       `json:"analysis,omitempty"`
	Maintain *consolidate.MaintainReport `json:"maintain,omitempty"`
	// Status is "never_run" for maintain_status before any maintenance.
	Status string `json:"status,omitempty"`
}

var qualityActions = []string{"rate", "get", "analyze", "maintain", "maintain_status"}

func (h *handlers) quality(ctx context.Context, _ *mcp.CallToolRequest, in QualityArgs) (*mcp.CallToolResult, QualityOutput, error) {
	out := QualityOutput{Action: strings.ToLower(strings.TrimSpace(in.Action))}
	fail := func(err error) (*mcp.CallToolResult, QualityOutput, error) {
		return nil, QualityOutput{}, h.toolError(err)
	}
	switch out.Action {
	case "rate":
		r, err := h.svc.Rate(ctx, in.ContentHash, int(in.Rating), in.Feedback)
		if err != nil {
			return fail(err)
		}
		out.Rated = &r
		out.Message = fmt.Sprintf("Rated %s: quality %.3f → %.3f", r.Hash, r.OldQuality, r.NewQuality)
	case "get":
		q, err := h.svc.QualityOf(ctx, in.ContentHash)
		if err != nil {
			return fail(err)
		}
		out.Quality = &q
		out.Message = fmt.Sprintf("Quality of %s: %.3f (%s; stored %.3f, from use %.3f, read %d times)", q.Hash, q.QualityScore, q.Provider, q.StoredScore, q.ImplicitScore, q.AccessCount)
	case "analyze":
		lo, hi := 0.0, 1.0
		if in.MinQuality != nil {
			lo = *in.MinQuality
		}
		if in.MaxQuality != nil {
			hi = *in.MaxQuality
		}
		r, err := h.svc.QualityReport(ctx, lo, hi)
		if err != nil {
			return fail(err)
		}
		out.Analysis = &r
		out.Message = fmt.Sprintf("%d memories: %d high (>= 0.7), %d medium, %d low (< 0.5); average %.3f; providers %v",
			r.Total, r.High, r.Medium, r.Low, r.Average, r.Providers)
	case "maintain", "maintain_status":
		c := h.opts.Consolidator
		if c == nil {
			return fail(memory.Errorf(memory.EUnavailable, "maintenance is not available on this server"))
		}
		if out.Action == "maintain_status" {
			r, err := c.LastMaintain(ctx)
			if err != nil {
				return fail(err)
			}
			if r == nil {
				out.Status, out.Message = "never_run", "Maintenance has never run"
				break
			}
			out.Maintain, out.Status = r, "completed"
			out.Message = fmt.Sprintf("Last maintenance %s: %s", r.StartedAt.Format("2006-01-02 15:04"), strings.Join(r.Steps, "; "))
			break
		}
		r, err := c.Maintain(ctx, in.DryRun == nil || *in.DryRun)
		if err != nil {
			return fail(err)
		}
		out.Maintain, out.Status = &r, "completed"
		out.Message = "Maintenance: " + strings.Join(r.Steps, "; ")
	default:
		return fail(memory.Errorf(memory.EInvalid, "action must be one of %s, got %q", strings.Join(qualityActions, ", "), in.Action))
	}
	return textResult(out.Message), out, nil
}

// GraphArgs are the arguments of memory_graph.
type GraphArgs struct {
	Action   string `json:"action" jsonschema:"connected, path, subgraph, infer or suggest"`
	Hash     string `json:"hash,omitempty" jsonschema:"connected, subgraph, suggest: the memory; infer: start from it (optional)"`
	Hash1    string `json:"hash1,omitempty" jsonschema:"path: from this memory"`
	Hash2    string `json:"hash2,omitempty" jsonschema:"path: to this memory"`
	MaxHops  int    `json:"max_hops,omitempty" jsonschema:"connected, infer: how many edges away (1..6, default 2)"`
	MaxDepth int    `json:"max_depth,omitempty" jsonschema:"path: longest path in edges (1..6, default 5)"`
	Radius   int    `json:"radius,omitempty" jsonschema:"subgraph: how many edges around (1..6, default 2)"`
	RelType  string `json:"rel_type,omitempty" jsonschema:"infer: relation type (related, causes, fixes, supports, follows, contradicts, summarizes; default related)"`
	Limit    int    `json:"limit,omitempty" jsonschema:"suggest: number of suggestions (1..100, default 10)"`
}

// GraphOutput is the result of memory_graph; the fields of its action are
// set.
type GraphOutput struct {
	Success     bool                `json:"success"`
	Action      string              `json:"action"`
	Message     string              `json:"message"`
	Count       int                 `json:"count"`
	Connected   []memory.Linked     `json:"connected,omitempty"`
	Path        []string            `json:"path,omitempty"`
	Length      int                 `json:"length,omitempty" jsonschema:"path: number of edges"`
	Nodes       []memory.GraphNode  `json:"nodes,omitempty"`
	Edges       []memory.Edge       `json:"edges,omitempty"`
	Inferred    []memory.Inferred   `json:"inferred,omitempty"`
	Suggestions []memory.Suggestion `json:"suggestions,omitempty"`
}

var graphActions = []string{"connected", "path", "subgraph", "infer", "suggest"}

func (h *handlers) graph(ctx context.Context, _ *mcp.CallToolRequest, in GraphArgs) (*mcp.CallToolResult, GraphOutput, error) {
	out := GraphOutput{Success: true, Action: strings.ToLower(strings.TrimSpace(in.Action))}
	var err error
	switch out.Action {
	case "connected":
		out.Connected, err = h.svc.Connected(ctx, in.Hash, in.MaxHops)
		out.Count = len(out.Connected)
		out.Message = fmt.Sprintf("%d memories connected to %s", out.Count, memory.Clip(in.Hash, 12))
	case "path":
		out.Path, err = h.svc.Path(ctx, in.Hash1, in.Hash2, in.MaxDepth)
		out.Count = len(out.Path)
		out.Length = max(0, len(out.Path)-1)
		out.Message = fmt.Sprintf("Path of %d edges: %s", out.Length, strings.Join(out.Path, " → "))
		if out.Path == nil {
			out.Message = "No path between the two memories within max_depth"
		}
	case "subgraph":
		var g memory.Subgraph
		g, err = h.svc.Subgraph(ctx, in.Hash, in.Radius)
		out.Nodes, out.Edges, out.Count = g.Nodes, g.Edges, len(g.Nodes)
		out.Message = fmt.Sprintf("Subgraph of %d memories and %d edges", len(g.Nodes), len(g.Edges))
	case "infer":
		out.Inferred, err = h.svc.Infer(ctx, in.Hash, in.RelType, in.MaxHops)
		out.Count = len(out.Inferred)
		out.Message = fmt.Sprintf("%d inferred relations", out.Count)
	case "suggest":
		out.Suggestions, err = h.svc.Suggest(ctx, in.Hash, in.Limit)
		out.Count = len(out.Suggestions)
		out.Message = fmt.Sprintf("%d memories similar to %s but not linked to it", out.Count, memory.Clip(in.Hash, 12))
	default:
		err = memory.Errorf(memory.EInvalid, "action must be one of %s, got %q", strings.Join(graphActions, ", "), in.Action)
	}
	if err != nil {
		return nil, GraphOutput{}, h.toolError(err)
	}
	return textResult(out.Message), out, nil
}

// ConflictsOutput is the result of memory_conflicts.
type ConflictsOutput struct {
	Conflicts []memory.Conflict `json:"conflicts"`
	Count     int               `json:"count"`
}

func (h *handlers) conflicts(ctx context.Context, _ *mcp.CallToolRequest, _ NoArgs) (*mcp.CallToolResult, ConflictsOutput, error) {
	cs, err := h.svc.Conflicts(ctx)
	if err != nil {
		return nil, ConflictsOutput{}, h.toolError(err)
	}
	out := ConflictsOutput{Conflicts: cs, Count: len(cs)}
	if len(cs) == 0 {
		return textResult("No unresolved conflicts found."), out, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Found %d conflict(s):%s", len(cs), dataNote)
	for _, c := range cs {
		fmt.Fprintf(&b, "\n- %.12s vs %.12s (similarity: %.2f, divergence: %.2f)\n  A:\n%s\n  B:\n%s", c.HashA, c.HashB, c.Similarity, c.Divergence,
			quote(memory.Clip(c.ContentA, 100), "  "), quote(memory.Clip(c.ContentB, 100), "  "))
	}
	b.WriteString("\nKeep one with memory_resolve(winner_hash, loser_hash).")
	return textResult(b.String()), out, nil
}

// ResolveArgs are the arguments of memory_resolve.
type ResolveArgs struct {
	WinnerHash string `json:"winner_hash" jsonschema:"the memory that holds"`
	LoserHash  string `json:"loser_hash" jsonschema:"the memory it replaces: kept, but hidden from search"`
}

func (h *handlers) resolve(ctx context.Context, _ *mcp.CallToolRequest, in ResolveArgs) (*mcp.CallToolResult, memory.ResolveResult, error) {
	r, err := h.svc.Resolve(ctx, in.WinnerHash, in.LoserHash)
	if err != nil {
		return nil, memory.ResolveResult{}, h.toolError(err)
	}
	return textResult(r.Message), r, nil
}

func (h *handlers) mistakeAdd(ctx context.Context, _ *mcp.CallToolRequest, in memory.MistakeNote) (*mcp.CallToolResult, memory.MistakeResult, error) {
	r, err := h.svc.AddMistakeNote(ctx, in)
	if err != nil {
		return nil, memory.MistakeResult{}, h.toolError(err)
	}
	return textResult(fmt.Sprintf("%s (hash: %s, failures: %d)", r.Message, r.Hash, r.FailureCount)), r, nil
}

// MistakeSearchArgs are the arguments of mistake_note_search.
type MistakeSearchArgs struct {
	Query string `json:"query" jsonschema:"the situation at hand: what you are about to do, or the error you see"`
	Limit int    `json:"limit,omitempty" jsonschema:"1..100, default 5"`
}

// MistakeSearchOutput is the result of mistake_note_search.
type MistakeSearchOutput struct {
	Notes []memory.MistakeMatch `json:"notes"`
	Count int                   `json:"count"`
}

func (h *handlers) mistakeSearch(ctx context.Context, _ *mcp.CallToolRequest, in MistakeSearchArgs) (*mcp.CallToolResult, MistakeSearchOutput, error) {
	ns, err := h.svc.SearchMistakeNotes(ctx, in.Query, in.Limit)
	if err != nil {
		return nil, MistakeSearchOutput{}, h.toolError(err)
	}
	out := MistakeSearchOutput{Notes: ns, Count: len(ns)}
	if len(ns) == 0 {
		return textResult("No mistake notes match."), out, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d mistake note(s):%s", len(ns), dataNote)
	for _, n := range ns {
		fmt.Fprintf(&b, "\n\n(failed %d times, score %.2f, hash %s)\n%s", n.FailureCount, n.Similarity, n.Hash, quote(n.Content, ""))
	}
	return textResult(b.String()), out, nil
}

func (h *handlers) registerCuration(s *toolSet) {
	addToolSchema(s, "memory_quality", "Memory Quality",
		"Rate a memory (rating -1, 0 or 1, with feedback), get its quality (what ratings and use say), analyze the distribution (min_quality, max_quality), "+
			"or maintain: check duplicates, conflicts, stale memories, quality and whether to consolidate (dry_run true by default; false merges duplicates); maintain_status shows the last report.",
		additive, func() *jsonschema.Schema { return withEnum(inputSchema[QualityArgs](), "action", qualityActions...) }, h.quality)
	addToolSchema(s, "memory_graph", "Memory Graph",
		"Explore how memories relate (edges found by consolidation, conflicts and summaries): connected (hash, max_hops), path (hash1, hash2, max_depth), "+
			"subgraph (hash, radius), infer (relations implied by chains of rel_type edges), suggest (similar memories not yet linked to hash).",
		readOnly, func() *jsonschema.Schema { return withEnum(inputSchema[GraphArgs](), "action", graphActions...) }, h.graph)
	addTool(s, "memory_conflicts", "Memory Conflicts",
		"List unresolved conflicts: pairs of memories that say nearly the same thing with different content (found when the second was stored).",
		readOnly, h.conflicts)
	addTool(s, "memory_resolve", "Resolve Conflict",
		"Keep winner_hash and retire loser_hash: the loser is kept but superseded, hidden from search (memory_list include_superseded shows it).",
		destructive, h.resolve)
	addTool(s, "mistake_note_add", "Add Mistake Note",
		"Remember a mistake so it is not repeated: error_pattern, context_signature, incorrect_action and correct_action. The same mistake again (same pattern and context, or very similar) raises its failure_count instead of adding a note.",
		additive, h.mistakeAdd)
	addTool(s, "mistake_note_search", "Search Mistake Notes",
		"Before acting, find mistake notes relevant to the situation (query), with how often each mistake was made.",
		readOnly, h.mistakeSearch)
}

// registerCurationLegacy registers the v8 names of the curation tools.
func (h *handlers) registerCurationLegacy(s *toolSet) {
	addLegacy(s, "retrieve_with_quality_boost", "Search ranking well-rated memories higher; same as memory_search with quality_boost.", readOnly,
		func(ctx context.Context, _ *mcp.CallToolRequest, in QualityBoostArgs) (*mcp.CallToolResult, memory.SearchResult, error) {
			w := 0.3
			if in.QualityWeight != nil {
				w = *in.QualityWeight
			}
			return h.runSearch(ctx, memory.SearchRequest{Query: in.Query, Limit: orDefault(in.NResults, 10), QualityBoost: w, Mode: memory.ModeHybrid}, false, 0)
		})
	for name, action := range map[string]string{"rate_memory": "rate", "get_memory_quality": "get", "analyze_quality_distribution": "analyze"} {
		ann := readOnly
		if action == "rate" {
			ann = additive
		}
		addLegacy(s, name, "Same as memory_quality "+action+".", ann,
			func(ctx context.Context, req *mcp.CallToolRequest, in LegacyQualityArgs) (*mcp.CallToolResult, QualityOutput, error) {
				return h.quality(ctx, req, QualityArgs{Action: action, ContentHash: in.ContentHash, Rating: in.Rating, Feedback: in.Feedback,
					MinQuality: in.MinQuality, MaxQuality: in.MaxQuality})
			})
	}
	for name, action := range map[string]string{"find_connected_memories": "connected", "find_shortest_path": "path", "get_memory_subgraph": "subgraph"} {
		addLegacy(s, name, "Same as memory_graph "+action+".", readOnly,
			func(ctx context.Context, req *mcp.CallToolRequest, in LegacyGraphArgs) (*mcp.CallToolResult, GraphOutput, error) {
				return h.graph(ctx, req, GraphArgs{Action: action, Hash: in.Hash, Hash1: in.Hash1, Hash2: in.Hash2,
					MaxHops: in.MaxHops, MaxDepth: in.MaxDepth, Radius: in.Radius})
			})
	}
}

// LegacyQualityArgs are the arguments of rate_memory, get_memory_quality
// and analyze_quality_distribution.
type LegacyQualityArgs struct {
	ContentHash string   `json:"content_hash,omitempty"`
	Rating      Rating   `json:"rating,omitempty"`
	Feedback    string   `json:"feedback,omitempty"`
	MinQuality  *float64 `json:"min_quality,omitempty"`
	MaxQuality  *float64 `json:"max_quality,omitempty"`
}

// LegacyGraphArgs are the arguments of find_connected_memories,
// find_shortest_path and get_memory_subgraph.
type LegacyGraphArgs struct {
	Hash     string `json:"hash,omitempty"`
	Hash1    string `json:"hash1,omitempty"`
	Hash2    string `json:"hash2,omitempty"`
	MaxHops  int    `json:"max_hops,omitempty"`
	MaxDepth int    `json:"max_depth,omitempty"`
	Radius   int    `json:"radius,omitempty"`
}

// QualityBoostArgs are the arguments of retrieve_with_quality_boost.
type QualityBoostArgs struct {
	Query         string   `json:"query"`
	NResults      Int      `json:"n_results,omitempty"`
	QualityWeight *float64 `json:"quality_weight,omitempty" jsonschema:"0..1, default 0.3"`
}
