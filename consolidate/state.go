package consolidate

// The storage contract of consolidation: per-memory marks (when each was
// last consolidated, its relevance), the history of passes, small
// scheduler settings, and a lease that keeps passes of several processes
// on one store from overlapping.

import (
	"context"
	"encoding/json"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// Mark is what consolidation remembers of one memory.
type Mark struct {
	Hash string `json:"content_hash"`
	// ConsolidatedAt is when a pass last processed the memory (the
	// incremental marker: passes take the least recently consolidated
	// first).
	ConsolidatedAt time.Time `json:"consolidated_at"`
	// Relevance is the decay score that pass computed.
	Relevance float64 `json:"relevance"`
}

// RunFilter selects recorded passes: of one horizon and one status where
// set, at most Limit of them (0: all).
type RunFilter struct {
	Horizon, Status string
	Limit           int
}

// Run is one recorded consolidation pass.
type Run struct {
	ID      string `json:"id"`
	Owner   string `json:"-"`
	Horizon string `json:"time_horizon"`
	// Trigger is "manual" or "scheduled".
	Trigger    string    `json:"trigger"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Status is "completed" or "failed" (then Error says why).
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Report is the pass's Report as JSON.
	Report json.RawMessage `json:"report,omitempty"`
}

// RunRecord is a recorded pass with its report decoded, as transports
// show it.
type RunRecord struct {
	ID         string    `json:"id"`
	Horizon    string    `json:"time_horizon"`
	Trigger    string    `json:"trigger"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	Report     *Report   `json:"report,omitempty"`
}

// record decodes a run's report; a report that does not decode is left
// out.
func (r Run) record() RunRecord {
	rec := RunRecord{ID: r.ID, Horizon: r.Horizon, Trigger: r.Trigger, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Status: r.Status, Error: r.Error}
	var rep Report
	if len(r.Report) > 0 && json.Unmarshal(r.Report, &rep) == nil {
		rec.Report = &rep
	}
	return rec
}

// Lease is a named lock with an expiry, held by one holder (a process).
type Lease struct {
	Name       string    `json:"name"`
	Holder     string    `json:"holder"`
	AcquiredAt time.Time `json:"acquired_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// State is what consolidation keeps in the store. The SQLite store
// implements it; consolidatetest.RunStateTests checks every backend.
// Every method is safe for concurrent use by several processes sharing
// the storage.
type State interface {
	// Pending returns the hashes of up to limit memories matching f (as
	// Store.Find applies it), those never consolidated first (oldest
	// created first), then the least recently consolidated. EInvalid for
	// a filter without owner or a limit below 1.
	Pending(ctx context.Context, f memory.Filter, limit int) ([]string, error)

	// Marks returns the marks of owner's memories with these hashes;
	// memories never marked are absent from the map.
	Marks(ctx context.Context, owner string, hashes []string) (map[string]Mark, error)

	// SetMarks inserts or replaces marks of owner's memories in one
	// transaction. Marks of a deleted memory go with it.
	SetMarks(ctx context.Context, owner string, marks []Mark) error

	// AddRun records a pass. EInvalid without ID, owner or start time;
	// EConflict for an ID recorded already.
	AddRun(ctx context.Context, r Run) error

	// Runs returns owner's recorded passes that f selects, newest first.
	Runs(ctx context.Context, owner string, f RunFilter) ([]Run, error)

	// RunCounts returns how many passes owner has recorded, and how many
	// of them failed, without reading their reports.
	RunCounts(ctx context.Context, owner string) (total, failed int, err error)

	// Value returns the setting stored under key, and whether there is
	// one; SetValue stores it (scheduler slots, pauses).
	Value(ctx context.Context, key string) (string, bool, error)
	SetValue(ctx context.Context, key, value string) error

	// TryLock acquires the lease name for holder until now+ttl when it is
	// free, expired or held by holder already (then it is renewed, keeping
	// AcquiredAt), atomically across processes. It returns the lease as it
	// stands afterwards and whether holder has it.
	TryLock(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (Lease, bool, error)

	// Unlock releases the lease if holder has it.
	Unlock(ctx context.Context, name, holder string) error

	// ReadLease returns the lease name, if anyone holds one (expired or
	// not), without changing anything.
	ReadLease(ctx context.Context, name string) (Lease, bool, error)

	// Owners lists the owners that have live memories, sorted.
	Owners(ctx context.Context) ([]string, error)
}
