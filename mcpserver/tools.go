package mcpserver

import (
	"context"
	"fmt"
	"strings"

	memory "github.com/mcp-memory-go/memory"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// StoreArgs are the arguments of memory_store (and store_memory).
type StoreArgs struct {
	Content        string         `json:"content" jsonschema:"the text to remember"`
	Metadata       map[string]any `json:"metadata,omitempty" jsonschema:"optional: tags (array or comma-separated string), type (memory type, default note), and any other fields to keep with the memory"`
	Tags           Tags           `json:"tags,omitempty"`
	MemoryType     string         `json:"memory_type,omitempty" jsonschema:"memory type such as note, decision, learning, error, task, reference (same as metadata.type)"`
	ConversationID string         `json:"conversation_id,omitempty" jsonschema:"conversation this memory belongs to; skips near-duplicate detection so incremental notes are kept"`
	ClientHostname string         `json:"client_hostname,omitempty" jsonschema:"machine name; adds the tag source:<hostname>"`
}

// request turns the arguments into a service request, reading tags and type
// from the metadata object as upstream does.
func (a StoreArgs) request() (memory.StoreRequest, error) {
	meta := map[string]any{}
	tags := []string(a.Tags)
	typ := a.MemoryType
	for k, v := range a.Metadata {
		switch k {
		case "tags":
			t, err := tagsFrom("metadata.tags", v)
			if err != nil {
				return memory.StoreRequest{}, err
			}
			tags = append(tags, t...)
		case "type", "memory_type":
			s, ok := v.(string)
			if !ok {
				return memory.StoreRequest{}, memory.Errorf(memory.EInvalid, "metadata.type must be a string such as \"note\" or \"decision\"")
			}
			if typ == "" {
				typ = s
			}
		default:
			meta[k] = v
		}
	}
	return memory.StoreRequest{Content: a.Content, Tags: tags, Type: typ, Metadata: meta,
		ConversationID: a.ConversationID, Hostname: a.ClientHostname}, nil
}

// StoreOutput is the result of memory_store.
type StoreOutput struct {
	Success      bool     `json:"success"`
	Message      string   `json:"message"`
	ContentHash  string   `json:"content_hash" jsonschema:"hash of the stored memory (of the first chunk when split)"`
	ChunkHashes  []string `json:"chunk_hashes,omitempty"`
	OriginalHash string   `json:"original_hash,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
}

func (h *handlers) store(ctx context.Context, _ *mcp.CallToolRequest, in StoreArgs) (*mcp.CallToolResult, StoreOutput, error) {
	req, err := in.request()
	if err != nil {
		return nil, StoreOutput{}, h.toolError(err)
	}
	res, err := h.svc.Store(ctx, req)
	if err != nil {
		return nil, StoreOutput{}, h.toolError(err)
	}
	out := StoreOutput{Success: true, ContentHash: res.Memories[0].Hash, OriginalHash: res.OriginalHash, Warnings: res.Warnings}
	if len(res.Memories) > 1 {
		for _, m := range res.Memories {
			out.ChunkHashes = append(out.ChunkHashes, m.Hash)
		}
		out.Message = fmt.Sprintf("Stored %d memory chunks (original hash: %s)", len(res.Memories), res.OriginalHash)
	} else {
		out.Message = fmt.Sprintf("Memory stored (hash: %s)", out.ContentHash)
	}
	return textResult(out.Message, out.Warnings...), out, nil
}

// SessionArgs are the arguments of memory_store_session.
type SessionArgs struct {
	Turns     []memory.Turn  `json:"turns" jsonschema:"the conversation, in order: at least one {role, content}"`
	SessionID string         `json:"session_id,omitempty" jsonschema:"session id (default: a random id); the memories are tagged session:<id>"`
	Tags      Tags           `json:"tags,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
}

func (h *handlers) storeSession(ctx context.Context, _ *mcp.CallToolRequest, in SessionArgs) (*mcp.CallToolResult, memory.SessionResult, error) {
	res, err := h.svc.StoreSession(ctx, memory.SessionRequest{Turns: in.Turns, SessionID: in.SessionID, Tags: in.Tags, Metadata: in.Metadata})
	if err != nil {
		return nil, memory.SessionResult{}, h.toolError(err)
	}
	msg := fmt.Sprintf("Session stored (session_id: %s, turns: %d, hash: %s)", res.SessionID, res.Turns, res.Memories[0].Hash)
	if len(res.Memories) > 1 {
		msg = fmt.Sprintf("Session stored (session_id: %s, turns: %d, chunks: %d)", res.SessionID, res.Turns, len(res.Memories))
	}
	return textResult(msg), res, nil
}

// SearchArgs are the arguments of memory_search.
type SearchArgs struct {
	Query             string  `json:"query,omitempty" jsonschema:"what to look for; optional when filtering by tags or time only"`
	Mode              string  `json:"mode,omitempty" jsonschema:"hybrid (default: keywords and meaning), semantic (meaning only), keyword (BM25 only) or exact (substring)"`
	TimeExpr          string  `json:"time_expr,omitempty" jsonschema:"natural-language time filter: yesterday, last week, 3 days ago, in March, between May 1 and May 5"`
	After             string  `json:"after,omitempty" jsonschema:"only memories created on or after this date (YYYY-MM-DD) or time (RFC 3339)"`
	Before            string  `json:"before,omitempty" jsonschema:"only memories created before this date (YYYY-MM-DD) or time (RFC 3339)"`
	Tags              Tags    `json:"tags,omitempty"`
	TagMatch          string  `json:"tag_match,omitempty" jsonschema:"any (default) or all"`
	MemoryType        string  `json:"memory_type,omitempty" jsonschema:"only memories of this type"`
	QualityBoost      float64 `json:"quality_boost,omitempty" jsonschema:"0..1: weight of the quality score in the ranking (default 0)"`
	Limit             int     `json:"limit,omitempty" jsonschema:"1..100, default 10"`
	MinScore          float64 `json:"min_score,omitempty" jsonschema:"drop results scoring below this (0..1)"`
	IncludeDebug      bool    `json:"include_debug,omitempty" jsonschema:"add per-signal scores to the text"`
	MaxResponseChars  int     `json:"max_response_chars,omitempty" jsonschema:"cut the answer at a memory boundary after this many characters"`
	IncludeSuperseded bool    `json:"include_superseded,omitempty" jsonschema:"also return versions replaced by newer ones"`
}

func (a SearchArgs) request() (memory.SearchRequest, error) {
	after, err := memory.ParseDate("after", a.After)
	if err != nil {
		return memory.SearchRequest{}, err
	}
	before, err := memory.ParseDate("before", a.Before)
	if err != nil {
		return memory.SearchRequest{}, err
	}
	req := memory.SearchRequest{Query: a.Query, Mode: strings.ToLower(strings.TrimSpace(a.Mode)), Limit: a.Limit,
		Tags: a.Tags, TagMatch: memory.TagMatch(a.TagMatch), After: after, Before: before, TimeExpr: a.TimeExpr,
		MinScore: a.MinScore, QualityBoost: a.QualityBoost, IncludeSuperseded: a.IncludeSuperseded}
	if a.MemoryType != "" {
		req.Types = []string{a.MemoryType}
	}
	return req, nil
}

func (h *handlers) search(ctx context.Context, _ *mcp.CallToolRequest, in SearchArgs) (*mcp.CallToolResult, memory.SearchResult, error) {
	req, err := in.request()
	if err != nil {
		return nil, memory.SearchResult{}, h.toolError(err)
	}
	return h.runSearch(ctx, req, in.IncludeDebug, in.MaxResponseChars)
}

func (h *handlers) runSearch(ctx context.Context, req memory.SearchRequest, debug bool, maxChars int) (*mcp.CallToolResult, memory.SearchResult, error) {
	if maxChars == 0 {
		maxChars = h.opts.MaxResponseChars
	}
	res, err := h.svc.Search(ctx, req)
	if err != nil {
		return nil, memory.SearchResult{}, h.toolError(err)
	}
	text, shown := formatSearch(res, debug, maxChars)
	res.Results, res.Count = res.Results[:shown], shown // the structured answer matches the text
	return textResult(text), res, nil
}

// ListArgs are the arguments of memory_list.
type ListArgs struct {
	Page              int    `json:"page,omitempty" jsonschema:"page number, from 1"`
	PageSize          int    `json:"page_size,omitempty" jsonschema:"1..100, default 20"`
	Tags              Tags   `json:"tags,omitempty"`
	TagMatch          string `json:"tag_match,omitempty" jsonschema:"any (default) or all"`
	MemoryType        string `json:"memory_type,omitempty"`
	StaleDays         int    `json:"stale_days,omitempty" jsonschema:"only memories not accessed in this many days"`
	IncludeSuperseded bool   `json:"include_superseded,omitempty" jsonschema:"also list versions replaced by newer ones (versioned updates, resolved conflicts)"`
}

func (h *handlers) list(ctx context.Context, _ *mcp.CallToolRequest, in ListArgs) (*mcp.CallToolResult, memory.ListResult, error) {
	res, err := h.svc.List(ctx, memory.ListRequest{Page: in.Page, PageSize: in.PageSize, Tags: in.Tags,
		TagMatch: memory.TagMatch(in.TagMatch), Type: in.MemoryType, StaleDays: in.StaleDays, IncludeSuperseded: in.IncludeSuperseded})
	if err != nil {
		return nil, memory.ListResult{}, h.toolError(err)
	}
	return textResult(formatList(res)), res, nil
}

// DeleteArgs are the arguments of memory_delete.
type DeleteArgs struct {
	ContentHash string `json:"content_hash,omitempty" jsonschema:"delete this memory (other filters are then ignored)"`
	Tags        Tags   `json:"tags,omitempty"`
	TagMatch    string `json:"tag_match,omitempty" jsonschema:"any (default) or all"`
	MemoryType  string `json:"memory_type,omitempty"`
	After       string `json:"after,omitempty" jsonschema:"created on or after this date (YYYY-MM-DD) or time"`
	Before      string `json:"before,omitempty" jsonschema:"created before this date (YYYY-MM-DD) or time"`
	TimeExpr    string `json:"time_expr,omitempty" jsonschema:"natural-language time range, e.g. last week"`
	DryRun      bool   `json:"dry_run,omitempty" jsonschema:"only report what would be deleted"`
}

// DeleteOutput is the result of memory_delete.
type DeleteOutput struct {
	memory.DeleteResult
	Message string `json:"message"`
}

func (h *handlers) delete(ctx context.Context, _ *mcp.CallToolRequest, in DeleteArgs) (*mcp.CallToolResult, DeleteOutput, error) {
	after, err := memory.ParseDate("after", in.After)
	if err != nil {
		return nil, DeleteOutput{}, h.toolError(err)
	}
	before, err := memory.ParseDate("before", in.Before)
	if err != nil {
		return nil, DeleteOutput{}, h.toolError(err)
	}
	return h.runDelete(ctx, memory.DeleteRequest{Hash: in.ContentHash, Tags: in.Tags, TagMatch: memory.TagMatch(in.TagMatch),
		Type: in.MemoryType, After: after, Before: before, TimeExpr: in.TimeExpr, DryRun: in.DryRun})
}

func (h *handlers) runDelete(ctx context.Context, req memory.DeleteRequest) (*mcp.CallToolResult, DeleteOutput, error) {
	res, err := h.svc.Delete(ctx, req)
	if err != nil {
		return nil, DeleteOutput{}, h.toolError(err)
	}
	out := DeleteOutput{DeleteResult: res}
	if res.DryRun {
		out.Message = fmt.Sprintf("Would delete %d memories", res.Count)
		if res.Count > 0 {
			out.Message += ": " + strings.Join(res.Deleted[:min(5, res.Count)], ", ")
			if res.Count > 5 {
				out.Message += ", …"
			}
		}
	} else {
		out.Message = fmt.Sprintf("Deleted %d memories", res.Count)
	}
	return textResult(out.Message), out, nil
}

// UpdateArgs are the arguments of memory_update.
type UpdateArgs struct {
	ContentHash        string         `json:"content_hash" jsonschema:"the memory to update"`
	Updates            map[string]any `json:"updates" jsonschema:"fields to change: tags (replaces), memory_type, metadata (merged), content (with versioned=true); any other key is stored as a metadata field"`
	PreserveTimestamps *bool          `json:"preserve_timestamps,omitempty" jsonschema:"keep updated_at for metadata-only changes (default true); false lets updates set created_at/updated_at"`
	Versioned          bool           `json:"versioned,omitempty" jsonschema:"store updates.content as a new version; the old one is kept and hidden from search"`
}

// UpdateOutput is the result of memory_update.
type UpdateOutput struct {
	memory.UpdateResult
	Message string `json:"message"`
}

func (a UpdateArgs) request() (memory.UpdateRequest, error) {
	req := memory.UpdateRequest{Hash: a.ContentHash, Versioned: a.Versioned, PreserveTimestamps: a.PreserveTimestamps == nil || *a.PreserveTimestamps}
	if len(a.Updates) == 0 {
		return req, memory.Errorf(memory.EInvalid, "updates is empty: give tags, memory_type, metadata or (with versioned) content")
	}
	for k, v := range a.Updates {
		var err error
		switch k {
		case "tags":
			var t []string
			if t, err = tagsFrom("updates.tags", v); err == nil {
				req.Tags = append([]string{}, t...) // non-nil: replace even with none
			}
		case "memory_type", "type":
			var ok bool
			if req.Type, ok = v.(string); !ok {
				err = memory.Errorf(memory.EInvalid, "updates.memory_type must be a string")
			}
		case "content":
			var ok bool
			if req.Content, ok = v.(string); !ok {
				err = memory.Errorf(memory.EInvalid, "updates.content must be a string")
			}
		case "metadata":
			m, ok := v.(map[string]any)
			if !ok {
				err = memory.Errorf(memory.EInvalid, "updates.metadata must be an object")
			}
			if req.Metadata == nil {
				req.Metadata = map[string]any{}
			}
			for mk, mv := range m {
				req.Metadata[mk] = mv
			}
		case "created_at", "updated_at":
			s, _ := v.(string)
			t, perr := memory.ParseDate("updates."+k, s)
			if err = perr; err == nil && k == "created_at" {
				req.CreatedAt = t
			} else if err == nil {
				req.UpdatedAt = t
			}
		default:
			if req.Metadata == nil {
				req.Metadata = map[string]any{}
			}
			req.Metadata[k] = v
		}
		if err != nil {
			return req, err
		}
	}
	return req, nil
}

func (h *handlers) update(ctx context.Context, _ *mcp.CallToolRequest, in UpdateArgs) (*mcp.CallToolResult, UpdateOutput, error) {
	req, err := in.request()
	if err != nil {
		return nil, UpdateOutput{}, h.toolError(err)
	}
	res, err := h.svc.Update(ctx, req)
	if err != nil {
		return nil, UpdateOutput{}, h.toolError(err)
	}
	out := UpdateOutput{UpdateResult: res}
	if res.ParentHash != "" {
		out.Message = fmt.Sprintf("Versioned update stored. New hash: %s, previous version %s is now superseded", res.Memory.Hash, res.ParentHash)
	} else {
		out.Message = "Memory updated. Updated fields: " + strings.Join(res.UpdatedFields, ", ")
	}
	return textResult(out.Message, res.Warnings...), out, nil
}

// NoArgs is the argument object of tools without parameters.
type NoArgs struct{}

func (h *handlers) cleanup(ctx context.Context, _ *mcp.CallToolRequest, _ NoArgs) (*mcp.CallToolResult, memory.CleanupResult, error) {
	res, err := h.svc.Cleanup(ctx)
	if err != nil {
		return nil, memory.CleanupResult{}, h.toolError(err)
	}
	return textResult(strings.Join(res.Messages, "\n")), res, nil
}

func (h *handlers) health(ctx context.Context, _ *mcp.CallToolRequest, _ NoArgs) (*mcp.CallToolResult, memory.Health, error) {
	res, err := h.svc.Health(ctx)
	if err != nil {
		return nil, memory.Health{}, h.toolError(err)
	}
	return textResult(formatHealth(res)), res, nil
}

func (h *handlers) stats(ctx context.Context, _ *mcp.CallToolRequest, _ NoArgs) (*mcp.CallToolResult, memory.Stats, error) {
	res, err := h.svc.Stats(ctx)
	if err != nil {
		return nil, memory.Stats{}, h.toolError(err)
	}
	msg := fmt.Sprintf("%d memories, %d tags; %d searches this session (avg %.2f ms), %d stores", res.Storage.Memories,
		res.Storage.UniqueTags, res.Searches, res.AvgSearchMS, res.Stores)
	return textResult(msg), res, nil
}
