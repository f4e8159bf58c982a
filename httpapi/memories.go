package httpapi

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	memory "github.com/mcp-memory-go/memory"
)

// StoreBody is the body of POST /api/memories.
type StoreBody struct {
	Content        string         `json:"content" jsonschema:"the text to remember"`
	Tags           Tags           `json:"tags,omitempty" jsonschema:"tags: an array of strings or a comma-separated string"`
	MemoryType     string         `json:"memory_type,omitempty" jsonschema:"memory type (see GET /api/types); default note"`
	Metadata       map[string]any `json:"metadata,omitempty" jsonschema:"free-form metadata"`
	ClientHostname string         `json:"client_hostname,omitempty" jsonschema:"client host for the source:<host> tag (only when the server includes host names)"`
	ConversationID string         `json:"conversation_id,omitempty" jsonschema:"conversation id: kept in the metadata; skips semantic deduplication"`
}

// StoreResponse answers POST /api/memories. A duplicate is not an HTTP
// error, for compatibility with upstream's clients: Success is false,
// Message says why and Error is "conflict".
type StoreResponse struct {
	Success     bool            `json:"success"`
	Message     string          `json:"message"`
	ContentHash string          `json:"content_hash,omitempty"`
	Memory      *MemoryResponse `json:"memory,omitempty" jsonschema:"the stored memory (its first chunk when split)"`
	// ChunkHashes lists every chunk when the content was split.
	ChunkHashes  []string `json:"chunk_hashes,omitempty"`
	OriginalHash string   `json:"original_hash,omitempty" jsonschema:"hash of the whole content when it was split"`
	Warnings     []string `json:"warnings,omitempty"`
	Error        string   `json:"error,omitempty" jsonschema:"conflict when the content is a duplicate"`
}

func (a *API) storeMemory(r *http.Request, b *StoreBody) (*StoreResponse, error) {
	tags := append([]string(nil), b.Tags...)
	if id := strings.TrimSpace(r.Header.Get("X-Agent-ID")); id != "" {
		tags = append(tags, "agent:"+id)
	}
	req := memory.StoreRequest{Content: b.Content, Tags: tags, Type: b.MemoryType, Metadata: b.Metadata, ConversationID: b.ConversationID}
	if a.IncludeHostname {
		req.Hostname = strings.TrimSpace(b.ClientHostname)
		if req.Hostname == "" {
			req.Hostname = strings.TrimSpace(r.Header.Get("X-Client-Hostname"))
		}
		if req.Hostname == "" {
			req.Hostname, _ = os.Hostname()
		}
	}
	res, err := a.Service.Store(r.Context(), req)
	if memory.ErrorCode(err) == memory.EConflict {
		return &StoreResponse{Message: memory.ErrorMessage(err), Error: memory.EConflict,
			ContentHash: memory.ContentHash(memory.NormalizeContent(b.Content))}, nil
	}
	if err != nil {
		return nil, err
	}
	first := res.Memories[0]
	out := &StoreResponse{Success: true, Message: "Memory stored successfully", ContentHash: first.Hash,
		Memory: toResponse(first), OriginalHash: res.OriginalHash, Warnings: res.Warnings}
	if n := len(res.Memories); n > 1 {
		out.Message = fmt.Sprintf("Memory stored as %d chunks", n)
		for _, m := range res.Memories {
			out.ChunkHashes = append(out.ChunkHashes, m.Hash)
		}
	}
	return out, nil
}

// ListResponse answers GET /api/memories.
type ListResponse struct {
	Memories   []*MemoryResponse `json:"memories"`
	Total      int               `json:"total"`
	Page       int               `json:"page"`
	PageSize   int               `json:"page_size"`
	TotalPages int               `json:"total_pages"`
	HasMore    bool              `json:"has_more"`
}

func (a *API) listMemories(r *http.Request) (*ListResponse, error) {
	p := paramsOf(r)
	res, err := a.Service.List(r.Context(), memory.ListRequest{
		Page: p.int("page"), PageSize: p.int("page_size"),
		Tags: memory.SplitTagList(p.str("tag")), TagMatch: memory.TagMatch(p.str("tag_match")), Type: p.str("memory_type"),
		IncludeSuperseded: p.bool("include_superseded"),
	})
	if err != nil {
		return nil, err
	}
	return &ListResponse{Memories: toResponses(res.Memories), Total: res.Total, Page: res.Page, PageSize: res.PageSize,
		TotalPages: res.TotalPages, HasMore: res.HasMore}, nil
}

func (a *API) getMemory(r *http.Request) (*MemoryResponse, error) {
	m, err := a.Service.Get(r.Context(), paramsOf(r).str("content_hash"))
	if err != nil {
		return nil, err
	}
	return toResponse(m), nil
}

// UpdateBody is the body of PUT /api/memories/{content_hash}. Absent fields
// are left alone.
type UpdateBody struct {
	Tags       Tags           `json:"tags,omitempty" jsonschema:"new tags, replacing the old ones ([] clears them)"`
	MemoryType string         `json:"memory_type,omitempty" jsonschema:"new memory type"`
	Metadata   map[string]any `json:"metadata,omitempty" jsonschema:"merged into the metadata; a null value removes the key"`
	Content    string         `json:"content,omitempty" jsonschema:"new content, with versioned: stored as a new memory that supersedes this one"`
	Versioned  bool           `json:"versioned,omitempty" jsonschema:"required with content"`
}

// UpdateResponse answers PUT /api/memories/{content_hash}.
type UpdateResponse struct {
	Success       bool            `json:"success"`
	Message       string          `json:"message"`
	ContentHash   string          `json:"content_hash"`
	Memory        *MemoryResponse `json:"memory"`
	UpdatedFields []string        `json:"updated_fields"`
	ParentHash    string          `json:"parent_hash,omitempty" jsonschema:"the version replaced by a versioned update"`
	Warnings      []string        `json:"warnings,omitempty"`
}

func (a *API) updateMemory(r *http.Request, b *UpdateBody) (*UpdateResponse, error) {
	req := memory.UpdateRequest{Hash: paramsOf(r).str("content_hash"), Type: b.MemoryType, Metadata: b.Metadata,
		Content: b.Content, Versioned: b.Versioned, PreserveTimestamps: true}
	if b.Tags != nil {
		req.Tags = []string(b.Tags)
	}
	res, err := a.Service.Update(r.Context(), req)
	if err != nil {
		return nil, err
	}
	return &UpdateResponse{Success: true, Message: "Memory updated successfully", ContentHash: res.Memory.Hash,
		Memory: toResponse(res.Memory), UpdatedFields: res.UpdatedFields, ParentHash: res.ParentHash, Warnings: res.Warnings}, nil
}

// DeleteResponse answers DELETE /api/memories/{content_hash}.
type DeleteResponse struct {
	Success     bool   `json:"success"`
	Message     string `json:"message"`
	ContentHash string `json:"content_hash"`
}

func (a *API) deleteMemory(r *http.Request) (*DeleteResponse, error) {
	hash := paramsOf(r).str("content_hash")
	if _, err := a.Service.Delete(r.Context(), memory.DeleteRequest{Hash: hash}); err != nil {
		return nil, err
	}
	return &DeleteResponse{Success: true, Message: "Memory deleted successfully", ContentHash: hash}, nil
}

// SessionBody is the body of POST /api/sessions.
type SessionBody struct {
	Turns     []memory.Turn  `json:"turns" jsonschema:"the conversation: at least one {role, content} turn"`
	SessionID string         `json:"session_id,omitempty" jsonschema:"session id; default a random id"`
	Tags      Tags           `json:"tags,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
}

// SessionResponse answers POST /api/sessions. As for POST /api/memories, a
// duplicate session gives Success false and Error "conflict".
type SessionResponse struct {
	Success       bool     `json:"success"`
	Message       string   `json:"message"`
	SessionID     string   `json:"session_id"`
	ContentHash   string   `json:"content_hash,omitempty" jsonschema:"hash of the (first) session memory"`
	ContentHashes []string `json:"content_hashes,omitempty" jsonschema:"every session memory, when split into chunks"`
	TurnCount     int      `json:"turn_count"`
	Error         string   `json:"error,omitempty"`
}

func (a *API) storeSession(r *http.Request, b *SessionBody) (*SessionResponse, error) {
	res, err := a.Service.StoreSession(r.Context(), memory.SessionRequest{Turns: b.Turns, SessionID: b.SessionID, Tags: b.Tags, Metadata: b.Metadata})
	if memory.ErrorCode(err) == memory.EConflict && len(res.Memories) == 0 {
		return &SessionResponse{Message: memory.ErrorMessage(err), SessionID: res.SessionID, TurnCount: res.Turns, Error: memory.EConflict}, nil
	}
	if err != nil {
		return nil, err
	}
	out := &SessionResponse{Success: true, SessionID: res.SessionID, TurnCount: res.Turns,
		Message: fmt.Sprintf("Session stored: %d turns in %d memories", res.Turns, len(res.Memories))}
	for _, m := range res.Memories {
		out.ContentHashes = append(out.ContentHashes, m.Hash)
	}
	if len(out.ContentHashes) > 0 {
		out.ContentHash = out.ContentHashes[0]
	}
	return out, nil
}

// TagsResponse answers GET /api/tags.
type TagsResponse struct {
	Tags []memory.TagCount `json:"tags" jsonschema:"tags with their counts, most used first"`
}

func (a *API) listTags(r *http.Request) (*TagsResponse, error) {
	tags, err := a.Service.Tags(r.Context())
	if err != nil {
		return nil, err
	}
	return &TagsResponse{Tags: tags}, nil
}

func (a *API) listTypes(*http.Request) ([]string, error) {
	return memory.MemoryTypes(), nil
}
