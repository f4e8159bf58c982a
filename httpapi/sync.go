package httpapi

// Hybrid sync: /api/sync/status, force, pause, resume and
// /api/health/sync-status, in upstream's shapes with the figures this
// implementation adds.

import (
	"context"
	"math"
	"net/http"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/hybrid"
)

// Syncer controls hybrid sync; *hybrid.Store implements it. A nil
// API.Sync means the backend does not sync: status answers not_hybrid and
// the other routes 404, as upstream.
type Syncer interface {
	SyncStatus(ctx context.Context) (hybrid.Status, error)
	PendingOf(ctx context.Context, owner string) (pending, held int64, oldest time.Time, err error)
	SyncNow(ctx context.Context) (hybrid.Result, error)
	Pause(ctx context.Context) error
	Resume(ctx context.Context) error
}

// SyncStatusResponse answers GET /api/sync/status: upstream's fields, then
// this implementation's. An admin sees the figures of the whole database;
// another caller sees the pending changes of their own memories, no totals
// and no error text (which may name someone else's memory).
type SyncStatusResponse struct {
	Scope               string   `json:"scope" jsonschema:"all (an admin: every user's figures) or own (the caller's pending changes)"`
	IsHybrid            bool     `json:"is_hybrid"`
	IsRunning           bool     `json:"is_running" jsonschema:"a process is syncing this database"`
	IsPaused            bool     `json:"is_paused"`
	LastSyncTime        *float64 `json:"last_sync_time" jsonschema:"unix seconds of the last successful sync"`
	OperationsPending   int64    `json:"operations_pending" jsonschema:"memories changed locally and not yet accepted by the remote"`
	OperationsProcessed int64    `json:"operations_processed" jsonschema:"memories pushed since the database was first synced"`
	OperationsFailed    int64    `json:"operations_failed" jsonschema:"pending memories the remote refused; they stay queued"`
	ConsecutiveFailures int      `json:"consecutive_failures"`
	SyncIntervalSeconds float64  `json:"sync_interval_seconds"`
	TimeSinceLastSync   *float64 `json:"time_since_last_sync_seconds"`
	NextSyncETA         *float64 `json:"next_sync_eta_seconds"`
	Status              string   `json:"status" jsonschema:"synced, syncing, pending, error, paused or not_hybrid"`

	Remote         string `json:"remote,omitempty"`
	ThisProcess    bool   `json:"this_process" jsonschema:"this server is the process that syncs"`
	LastError      string `json:"last_error,omitempty"`
	HeldError      string `json:"held_error,omitempty" jsonschema:"why the remote refused a held memory"`
	LastSuccess    string `json:"last_success,omitempty"`
	LastAttempt    string `json:"last_attempt,omitempty"`
	NextAttempt    string `json:"next_attempt,omitempty"`
	OldestPending  string `json:"oldest_pending,omitempty" jsonschema:"when the oldest pending change was made"`
	MemoriesPulled int64  `json:"memories_pulled"`
	LastPull       string `json:"last_pull,omitempty"`
	LastDriftCheck string `json:"last_drift_check,omitempty"`
	DriftQueued    int64  `json:"drift_queued" jsonschema:"memories the drift check found missing or older on the remote"`
	DriftRepulls   int64  `json:"drift_repulls" jsonschema:"times the drift check re-read the remote's changes"`
}

// SyncForceResponse answers POST /api/sync/force.
type SyncForceResponse struct {
	Success          bool    `json:"success"`
	Message          string  `json:"message"`
	OperationsSynced int     `json:"operations_synced"`
	MemoriesPulled   int     `json:"memories_pulled"`
	TimeTakenSeconds float64 `json:"time_taken_seconds"`
	Timestamp        string  `json:"timestamp"`
}

// SyncToggleResponse answers POST /api/sync/pause and /resume.
type SyncToggleResponse struct {
	Success   bool   `json:"success"`
	Message   string `json:"message"`
	IsPaused  bool   `json:"is_paused"`
	Timestamp string `json:"timestamp"`
}

// SyncProgressResponse answers GET /api/health/sync-status.
type SyncProgressResponse struct {
	SyncSupported bool         `json:"sync_supported"`
	Status        SyncProgress `json:"status"`
}

// SyncProgress is upstream's progress block, over everything ever pushed.
type SyncProgress struct {
	InProgress         bool    `json:"in_progress"`
	Total              int64   `json:"total"`
	Completed          int64   `json:"completed"`
	Finished           bool    `json:"finished"`
	ProgressPercentage float64 `json:"progress_percentage"`
}

func (a *API) syncRoutes() []Route {
	return tagged("sync",
		jsonOp(get, "/api/sync/status", read, "Hybrid sync: pending changes, last success, failures, errors (not_hybrid for other backends)", a.syncStatus),
		jsonOp(post, "/api/sync/force", write, "Push every pending change, retry refused ones, pull the remote's changes and check drift now (404 unless hybrid)", a.syncForce),
		jsonOp(post, "/api/sync/pause", admin, "Stop syncing, for every user and every process on the database, until resumed; local writes keep working (404 unless hybrid)", a.syncPause),
		jsonOp(post, "/api/sync/resume", admin, "Resume syncing (404 unless hybrid)", a.syncResume),
		jsonOp(get, "/api/health/sync-status", read, "Upstream's sync progress: how much of what was written has reached the remote", a.syncProgress),
	)
}

// notHybrid is the answer of the control routes without hybrid sync.
func notHybrid() error {
	return memory.Errorf(memory.ENotFound, "this server does not sync: the storage backend is not hybrid")
}

func (a *API) syncStatus(r *http.Request) (*SyncStatusResponse, error) {
	if a.Sync == nil {
		return &SyncStatusResponse{Status: "not_hybrid", Scope: "own"}, nil
	}
	return a.syncStatusOf(r)
}

// syncStatusOf answers with the sync status as the caller may see it (see
// visibleSyncStatus); a.Sync is set.
func (a *API) syncStatusOf(r *http.Request) (*SyncStatusResponse, error) {
	st, all, err := a.visibleSyncStatus(r)
	if err != nil {
		return nil, err
	}
	out := syncStatusResponse(st, a.now())
	if all {
		out.Scope = "all"
	}
	return out, nil
}

// visibleSyncStatus is the sync status as the caller may see it: whole for
// an admin; otherwise the caller's own pending changes, no totals, no
// holder and no error text. It reports whether it is whole.
func (a *API) visibleSyncStatus(r *http.Request) (hybrid.Status, bool, error) {
	st, err := a.Sync.SyncStatus(r.Context())
	if err != nil {
		return st, false, err
	}
	p := auth.FromContext(r.Context())
	if p.Has(auth.ScopeAdmin) {
		return st, true, nil
	}
	owner := memory.OwnerFrom(r.Context())
	if p != nil {
		owner = p.Owner
	}
	if st.Pending, st.Held, st.OldestPending, err = a.Sync.PendingOf(r.Context(), owner); err != nil {
		return st, false, err
	}
	st.Pushed, st.Pulled, st.DriftQueued, st.DriftRepulls, st.Holder = 0, 0, 0, 0, ""
	if st.LastError != "" {
		st.LastError = "sync is failing; an administrator can see why (GET /api/sync/status, memory sync status)"
	}
	if st.HeldError != "" {
		st.HeldError = "the remote refused some memories; an administrator can see why"
	}
	return st, false, nil
}

// syncStatusResponse maps a hybrid status onto the response.
func syncStatusResponse(st hybrid.Status, now time.Time) *SyncStatusResponse {
	out := &SyncStatusResponse{
		Scope: "own", IsHybrid: true, IsRunning: st.Running, IsPaused: st.Paused,
		OperationsPending: st.Pending, OperationsProcessed: st.Pushed, OperationsFailed: st.Held,
		ConsecutiveFailures: st.ConsecutiveFailures, SyncIntervalSeconds: st.SyncInterval.Seconds(),
		Status: st.State(), Remote: st.Remote, ThisProcess: st.ThisProcess, LastError: st.LastError,
		HeldError: st.HeldError, MemoriesPulled: st.Pulled, DriftQueued: st.DriftQueued, DriftRepulls: st.DriftRepulls,
		LastSuccess: iso(st.LastSuccess), LastAttempt: iso(st.LastAttempt), NextAttempt: iso(st.NextAttempt),
		OldestPending: iso(st.OldestPending), LastPull: iso(st.LastPull), LastDriftCheck: iso(st.LastDriftCheck),
	}
	if !st.LastSuccess.IsZero() {
		t := epoch(st.LastSuccess)
		since := round(now.Sub(st.LastSuccess).Seconds(), 1)
		out.LastSyncTime, out.TimeSinceLastSync = &t, &since
	}
	if !st.NextAttempt.IsZero() {
		eta := round(math.Max(0, st.NextAttempt.Sub(now).Seconds()), 1)
		out.NextSyncETA = &eta
	}
	return out
}

func (a *API) syncForce(r *http.Request) (*SyncForceResponse, error) {
	if a.Sync == nil {
		return nil, notHybrid()
	}
	res, err := a.Sync.SyncNow(r.Context())
	if err != nil {
		return nil, err
	}
	out := &SyncForceResponse{Success: res.Error == "", OperationsSynced: res.Pushed, MemoriesPulled: res.Pulled,
		TimeTakenSeconds: round(res.Duration.Seconds(), 3), Timestamp: iso(a.now())}
	if out.Success {
		out.Message = "Sync completed"
	} else {
		a.logger().Warn("forced sync failed", "err", res.Error)
		out.Message = "Sync failed; the changes stay queued locally: " + memory.Clip(res.Error, 300)
	}
	return out, nil
}

func (a *API) syncPause(r *http.Request) (*SyncToggleResponse, error) {
	return a.setSyncPaused(r, true)
}

func (a *API) syncResume(r *http.Request) (*SyncToggleResponse, error) {
	return a.setSyncPaused(r, false)
}

func (a *API) setSyncPaused(r *http.Request, pause bool) (*SyncToggleResponse, error) {
	if a.Sync == nil {
		return nil, notHybrid()
	}
	op, msg := a.Sync.Resume, "Sync resumed"
	if pause {
		op, msg = a.Sync.Pause, "Sync paused"
	}
	if err := op(r.Context()); err != nil {
		return nil, err
	}
	return &SyncToggleResponse{Success: true, Message: msg, IsPaused: pause, Timestamp: iso(a.now())}, nil
}

func (a *API) syncProgress(r *http.Request) (*SyncProgressResponse, error) {
	if a.Sync == nil {
		return &SyncProgressResponse{Status: SyncProgress{Finished: true, ProgressPercentage: 100}}, nil
	}
	st, _, err := a.visibleSyncStatus(r)
	if err != nil {
		return nil, err
	}
	p := SyncProgress{InProgress: st.Syncing, Total: st.Pushed + st.Pending, Completed: st.Pushed,
		Finished: !st.Syncing && st.Pending == 0, ProgressPercentage: 100}
	if p.Total > 0 {
		p.ProgressPercentage = round(100*float64(p.Completed)/float64(p.Total), 1)
	}
	return &SyncProgressResponse{SyncSupported: true, Status: p}, nil
}
