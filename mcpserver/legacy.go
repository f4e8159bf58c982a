package mcpserver

import (
	"context"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// legacyNames are the v8 tool names kept as aliases of the v10 tools.
var legacyNames = map[string]bool{
	"store_memory": true, "retrieve_memory": true, "recall_memory": true, "search_by_tag": true,
	"exact_match_retrieve": true, "recall_by_timeframe": true, "delete_memory": true, "delete_by_tag": true,
	"delete_by_tags": true, "delete_by_all_tags": true, "delete_by_timeframe": true, "delete_before_date": true,
	"list_memories": true, "check_database_health": true, "get_cache_stats": true, "cleanup_duplicates": true,
	"update_memory_metadata": true,
	"ingest_document":        true, "ingest_directory": true,
	"retrieve_with_quality_boost": true, "rate_memory": true, "get_memory_quality": true, "analyze_quality_distribution": true,
	"find_connected_memories": true, "find_shortest_path": true, "get_memory_subgraph": true,
	"consolidate_memories": true, "consolidation_status": true, "consolidation_recommendations": true, "scheduler_status": true,
	"trigger_consolidation": true, "pause_consolidation": true, "resume_consolidation": true,
}

// addLegacy registers a v8 alias.
func addLegacy[In, Out any](s *toolSet, name, desc string, ann mcp.ToolAnnotations, h mcp.ToolHandlerFor[In, Out]) {
	if !legacyNames[name] {
		panic("mcpserver: " + name + " is missing from legacyNames")
	}
	addTool(s, name, name, "(v8 name) "+desc, ann, h)
}

// RetrieveArgs are the arguments of retrieve_memory and recall_memory.
type RetrieveArgs struct {
	Query               string  `json:"query" jsonschema:"what to look for"`
	NResults            Int     `json:"n_results,omitempty" jsonschema:"number of results, default 5"`
	SimilarityThreshold float64 `json:"similarity_threshold,omitempty" jsonschema:"drop results scoring below this (0..1)"`
}

// TagSearchArgs are the arguments of search_by_tag.
type TagSearchArgs struct {
	Tags     Tags `json:"tags"`
	MatchAll Bool `json:"match_all,omitempty" jsonschema:"require every tag (default: any)"`
	Limit    Int  `json:"limit,omitempty" jsonschema:"1..100, default 20"`
}

// HashArgs are the arguments of delete_memory.
type HashArgs struct {
	ContentHash string `json:"content_hash"`
}

// TagDeleteArgs are the arguments of delete_by_tag, delete_by_tags and
// delete_by_all_tags; tag and tags are both accepted.
type TagDeleteArgs struct {
	Tag  string `json:"tag,omitempty"`
	Tags Tags   `json:"tags,omitempty"`
}

func (a TagDeleteArgs) all() []string {
	out := append([]string{}, a.Tags...)
	if a.Tag != "" {
		out = append(out, a.Tag)
	}
	return out
}

// ExactArgs are the arguments of exact_match_retrieve.
type ExactArgs struct {
	Content string `json:"content" jsonschema:"text the memory must contain"`
	Limit   Int    `json:"limit,omitempty"`
}

// TimeframeArgs are the arguments of recall_by_timeframe and
// delete_by_timeframe: dates are inclusive.
type TimeframeArgs struct {
	StartDate string `json:"start_date" jsonschema:"first day (YYYY-MM-DD), inclusive"`
	EndDate   string `json:"end_date,omitempty" jsonschema:"last day (YYYY-MM-DD), inclusive; default today"`
	NResults  Int    `json:"n_results,omitempty"`
	Tag       string `json:"tag,omitempty" jsonschema:"delete_by_timeframe: only memories with this tag"`
}

// BeforeDateArgs are the arguments of delete_before_date.
type BeforeDateArgs struct {
	BeforeDate string `json:"before_date" jsonschema:"delete memories created before this date (YYYY-MM-DD)"`
	Tag        string `json:"tag,omitempty"`
}

func (h *handlers) registerLegacy(s *toolSet) {
	addLegacy(s, "store_memory", "Store a memory; same as memory_store.", additive, h.store)
	addLegacy(s, "retrieve_memory", "Find memories by meaning and keywords; same as memory_search.", readOnly,
		func(ctx context.Context, _ *mcp.CallToolRequest, in RetrieveArgs) (*mcp.CallToolResult, memory.SearchResult, error) {
			return h.runSearch(ctx, memory.SearchRequest{Query: in.Query, Limit: orDefault(in.NResults, 5), MinScore: in.SimilarityThreshold}, false, 0)
		})
	addLegacy(s, "recall_memory", "Find memories using a query that may contain a time expression (\"what did we decide last week about auth\").", readOnly,
		func(ctx context.Context, _ *mcp.CallToolRequest, in RetrieveArgs) (*mcp.CallToolResult, memory.SearchResult, error) {
			return h.runSearch(ctx, memory.SearchRequest{Query: in.Query, ExtractTime: true, Limit: orDefault(in.NResults, 5), MinScore: in.SimilarityThreshold}, false, 0)
		})
	addLegacy(s, "search_by_tag", "List memories with any (or, with match_all, all) of the tags.", readOnly,
		func(ctx context.Context, _ *mcp.CallToolRequest, in TagSearchArgs) (*mcp.CallToolResult, memory.SearchResult, error) {
			m := memory.TagAny
			if in.MatchAll {
				m = memory.TagAll
			}
			if len(in.Tags) == 0 {
				return nil, memory.SearchResult{}, h.toolError(memory.Errorf(memory.EInvalid, "tags is required"))
			}
			return h.runSearch(ctx, memory.SearchRequest{Tags: in.Tags, TagMatch: m, Limit: orDefault(in.Limit, 20)}, false, 0)
		})
	addLegacy(s, "exact_match_retrieve", "Find memories containing this exact text (case-insensitive).", readOnly,
		func(ctx context.Context, _ *mcp.CallToolRequest, in ExactArgs) (*mcp.CallToolResult, memory.SearchResult, error) {
			return h.runSearch(ctx, memory.SearchRequest{Query: in.Content, Mode: memory.ModeExact, Limit: orDefault(in.Limit, 10)}, false, 0)
		})
	addLegacy(s, "recall_by_timeframe", "List memories created between two dates (inclusive).", readOnly,
		func(ctx context.Context, _ *mcp.CallToolRequest, in TimeframeArgs) (*mcp.CallToolResult, memory.SearchResult, error) {
			after, before, err := timeframe(in.StartDate, in.EndDate)
			if err != nil {
				return nil, memory.SearchResult{}, h.toolError(err)
			}
			return h.runSearch(ctx, memory.SearchRequest{After: after, Before: before, Limit: orDefault(in.NResults, 10)}, false, 0)
		})
	addLegacy(s, "delete_memory", "Delete one memory by content_hash.", destructive,
		func(ctx context.Context, _ *mcp.CallToolRequest, in HashArgs) (*mcp.CallToolResult, DeleteOutput, error) {
			if in.ContentHash == "" {
				return nil, DeleteOutput{}, h.toolError(memory.Errorf(memory.EInvalid, "content_hash is required"))
			}
			return h.runDelete(ctx, memory.DeleteRequest{Hash: in.ContentHash})
		})
	for name, match := range map[string]memory.TagMatch{"delete_by_tag": memory.TagAny, "delete_by_tags": memory.TagAny, "delete_by_all_tags": memory.TagAll} {
		desc := "Delete memories carrying any of the tags."
		if match == memory.TagAll {
			desc = "Delete memories carrying all of the tags."
		}
		addLegacy(s, name, desc, destructive,
			func(ctx context.Context, _ *mcp.CallToolRequest, in TagDeleteArgs) (*mcp.CallToolResult, DeleteOutput, error) {
				tags := in.all()
				if len(tags) == 0 {
					return nil, DeleteOutput{}, h.toolError(memory.Errorf(memory.EInvalid, "tag or tags is required"))
				}
				return h.runDelete(ctx, memory.DeleteRequest{Tags: tags, TagMatch: match})
			})
	}
	addLegacy(s, "delete_by_timeframe", "Delete memories created between two dates (inclusive), optionally only those with a tag.", destructive,
		func(ctx context.Context, _ *mcp.CallToolRequest, in TimeframeArgs) (*mcp.CallToolResult, DeleteOutput, error) {
			after, before, err := timeframe(in.StartDate, in.EndDate)
			if err != nil {
				return nil, DeleteOutput{}, h.toolError(err)
			}
			return h.runDelete(ctx, memory.DeleteRequest{After: after, Before: before, Tags: optional(in.Tag)})
		})
	addLegacy(s, "delete_before_date", "Delete memories created before a date, optionally only those with a tag.", destructive,
		func(ctx context.Context, _ *mcp.CallToolRequest, in BeforeDateArgs) (*mcp.CallToolResult, DeleteOutput, error) {
			before, err := memory.ParseDate("before_date", in.BeforeDate)
			if err == nil && before.IsZero() {
				err = memory.Errorf(memory.EInvalid, "before_date is required")
			}
			if err != nil {
				return nil, DeleteOutput{}, h.toolError(err)
			}
			return h.runDelete(ctx, memory.DeleteRequest{Before: before, Tags: optional(in.Tag)})
		})
	addLegacy(s, "list_memories", "Browse memories; same as memory_list.", readOnly, h.list)
	addLegacy(s, "check_database_health", "Same as memory_health.", readOnly, h.health)
	addLegacy(s, "get_cache_stats", "Same as memory_stats.", readOnly, h.stats)
	addLegacy(s, "cleanup_duplicates", "Same as memory_cleanup.", idempotent, h.cleanup)
	addLegacy(s, "update_memory_metadata", "Same as memory_update.", destructive, h.update)
	h.registerCurationLegacy(s)
	h.registerConsolidateLegacy(s)
	h.registerIngestLegacy(s)
}

// timeframe turns inclusive start and end dates into [after, before).
func timeframe(start, end string) (after, before time.Time, err error) {
	if after, err = memory.ParseDate("start_date", start); err != nil {
		return
	}
	if after.IsZero() {
		return after, before, memory.Errorf(memory.EInvalid, "start_date is required (YYYY-MM-DD)")
	}
	before, err = dayAfter("end_date", end)
	return
}

func orDefault(v Int, d int) int {
	if v == 0 {
		return d
	}
	return int(v)
}

func optional(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
