package httpapi

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mcp-memory-go/memory/httperror"
)

// HealthResponse answers GET /api/health: the status and nothing else, for
// anyone, authenticated or not (upstream's GHSA-73hc-m4hx-79pj fix).
type HealthResponse struct {
	Status string `json:"status" jsonschema:"healthy, degraded or unhealthy"`
}

// publicHealthTTL is how long the anonymous health answer is reused: the
// check reads the whole database (quick_check), which anonymous callers
// must not be able to run at will.
const publicHealthTTL = 5 * time.Second

// healthMemo remembers the last public health status.
type healthMemo struct {
	mu     sync.Mutex
	at     time.Time
	status string
}

// health answers 200 for healthy and degraded, 503 for unhealthy, so that
// load balancers can use it.
func (a *API) health(w http.ResponseWriter, r *http.Request) error {
	m, now := &a.healthMemo, a.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.status == "" || now.Sub(m.at) >= publicHealthTTL || now.Before(m.at) {
		h, err := a.Service.Health(r.Context())
		if err != nil {
			a.logger().Error("health check", "err", err)
			h.Status = "unhealthy"
		}
		m.at, m.status = now, h.Status
	}
	status := http.StatusOK
	if m.status == "unhealthy" {
		status = http.StatusServiceUnavailable
	}
	httperror.WriteJSON(w, status, HealthResponse{Status: m.status})
	return nil
}

// DetailedHealth answers GET /api/health/detailed. Storage and statistics
// describe the caller's memories; no system path or other owner's figure
// appears.
type DetailedHealth struct {
	Status         string           `json:"status"`
	Version        string           `json:"version"`
	Timestamp      string           `json:"timestamp"`
	UptimeSeconds  float64          `json:"uptime_seconds"`
	Storage        StorageHealth    `json:"storage"`
	Statistics     HealthStatistics `json:"statistics"`
	SemanticSearch SemanticHealth   `json:"semantic_search"`
	Problems       []string         `json:"problems" jsonschema:"what needs attention, each with what to do"`
}

// StorageHealth describes the storage.
type StorageHealth struct {
	Backend        string           `json:"backend"`
	Status         string           `json:"status"`
	Accessible     bool             `json:"accessible"`
	EmbeddingModel string           `json:"embedding_model"`
	TotalMemories  int64            `json:"total_memories"`
	Superseded     int64            `json:"superseded"`
	MemoryTypes    map[string]int64 `json:"memory_types"`
	// SyncStatus is the hybrid backend's sync (as GET /api/sync/status).
	SyncStatus *SyncStatusResponse `json:"sync_status,omitempty"`
}

// HealthStatistics are upstream's statistics block.
type HealthStatistics struct {
	TotalMemories    int64   `json:"total_memories"`
	UniqueTags       int64   `json:"unique_tags"`
	MemoriesThisWeek int     `json:"memories_this_week"`
	DatabaseSizeMB   float64 `json:"database_size_mb"`
	Backend          string  `json:"backend"`
}

// SemanticHealth says whether semantic search works and why not.
type SemanticHealth struct {
	Enabled bool   `json:"enabled"`
	Reason  string `json:"reason,omitempty"`
	Model   string `json:"model,omitempty"`
	Dim     int    `json:"dim,omitempty"`
	// NeedingReembed counts the caller's memories without a vector of the
	// current model.
	NeedingReembed int64 `json:"memories_needing_reembed"`
}

func (a *API) healthDetailed(w http.ResponseWriter, r *http.Request) error {
	out := DetailedHealth{Version: a.version(), Timestamp: iso(a.now()), Problems: []string{}}
	out.Storage.Backend, out.Statistics.Backend = a.backend(), a.backend()
	h, err := a.Service.Health(r.Context())
	if err != nil {
		a.logger().Error("health check", "err", err)
		out.Status, out.Storage.Status = "unhealthy", "unhealthy"
		out.Problems = append(out.Problems, "the storage cannot be read (the server log has the details)")
		httperror.WriteJSON(w, http.StatusServiceUnavailable, out)
		return nil
	}
	st, err := a.Service.Stats(r.Context())
	if err != nil {
		return err
	}
	items, err := a.snapshot(r.Context())
	if err != nil {
		return err
	}
	out.Status, out.UptimeSeconds = h.Status, round(h.UptimeS, 1)
	out.Storage.Status, out.Storage.Accessible = "healthy", true
	out.Storage.EmbeddingModel = h.Semantic.Model
	out.Storage.TotalMemories, out.Storage.Superseded, out.Storage.MemoryTypes = st.Storage.Memories, st.Storage.Superseded, st.Storage.Types
	out.Statistics.TotalMemories, out.Statistics.UniqueTags = st.Storage.Memories, st.Storage.UniqueTags
	out.Statistics.MemoriesThisWeek = len(items) - countBefore(items, a.now().AddDate(0, 0, -7))
	out.Statistics.DatabaseSizeMB = mb(st.Storage.SizeBytes)
	if a.Sync != nil {
		if out.Storage.SyncStatus, err = a.syncStatusOf(r); err != nil {
			a.logger().Warn("read sync status", "err", err)
		}
	}
	out.SemanticSearch = SemanticHealth{Enabled: h.Semantic.Enabled, Reason: h.Semantic.Reason, Model: h.Semantic.Model, Dim: h.Semantic.Dim}
	for model, n := range st.Storage.Models {
		if model != h.Semantic.Model {
			out.SemanticSearch.NeedingReembed += n
		}
	}
	for _, p := range h.Problems {
		if strings.HasPrefix(p, "storage check failed") {
			// The check's error names the database file: log it, send a summary.
			a.logger().Warn("storage check", "problem", p)
			out.Storage.Status = "unhealthy"
			p = "the storage check failed (the server log has the details): restore a backup"
		} else if strings.Contains(p, "memories have no vector") {
			continue // counted for all owners; the caller's figure is in semantic_search
		}
		out.Problems = append(out.Problems, p)
	}
	if out.SemanticSearch.Enabled && out.SemanticSearch.NeedingReembed > 0 {
		out.Problems = append(out.Problems, "some memories have no vector of the current model: run `memory reembed`")
	}
	httperror.WriteJSON(w, http.StatusOK, out)
	return nil
}
