package httpapi

import (
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// MemoryResponse is a memory as the REST API shows it: upstream's shape
// (times as float epoch seconds plus ISO 8601 strings) with the quality and
// access figures.
type MemoryResponse struct {
	Content        string         `json:"content"`
	ContentHash    string         `json:"content_hash"`
	Tags           []string       `json:"tags"`
	MemoryType     string         `json:"memory_type"`
	Metadata       map[string]any `json:"metadata"`
	CreatedAt      float64        `json:"created_at" jsonschema:"creation time, seconds since the Unix epoch"`
	CreatedAtISO   string         `json:"created_at_iso"`
	UpdatedAt      float64        `json:"updated_at"`
	UpdatedAtISO   string         `json:"updated_at_iso"`
	QualityScore   float64        `json:"quality_score"`
	AccessCount    int64          `json:"access_count"`
	LastAccessedAt *float64       `json:"last_accessed_at,omitempty" jsonschema:"last time a search returned it, seconds since the Unix epoch"`
	SupersededBy   string         `json:"superseded_by,omitempty" jsonschema:"hash of the newer version that replaced it"`
}

// toResponse converts a memory; nil gives nil.
func toResponse(m *memory.Memory) *MemoryResponse {
	if m == nil {
		return nil
	}
	r := &MemoryResponse{
		Content:      m.Content,
		ContentHash:  m.Hash,
		Tags:         m.Tags,
		MemoryType:   m.Type,
		Metadata:     m.Metadata,
		CreatedAt:    epoch(m.CreatedAt),
		CreatedAtISO: iso(m.CreatedAt),
		UpdatedAt:    epoch(m.UpdatedAt),
		UpdatedAtISO: iso(m.UpdatedAt),
		QualityScore: m.Quality,
		AccessCount:  m.AccessCount,
		SupersededBy: m.SupersededBy,
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	if r.Metadata == nil {
		r.Metadata = map[string]any{}
	}
	if !m.LastAccessedAt.IsZero() {
		t := epoch(m.LastAccessedAt)
		r.LastAccessedAt = &t
	}
	return r
}

// toResponses converts a list of memories, never returning nil.
func toResponses(ms []*memory.Memory) []*MemoryResponse {
	out := make([]*MemoryResponse, 0, len(ms))
	for _, m := range ms {
		out = append(out, toResponse(m))
	}
	return out
}

// epoch is t in seconds since the Unix epoch, at millisecond precision.
func epoch(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}

// iso is t in UTC as ISO 8601 with milliseconds, or "" for the zero time.
func iso(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
