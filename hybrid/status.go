package hybrid

// Sync status, pause, resume and forced syncs. All of it lives in the
// database (sync_state), so that every process on the file — the daemon,
// an MCP server, the `memory sync` command — sees and steers the one
// syncer.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Keys of sync_state.
const (
	keyPaused         = "paused"
	keyCursor         = "pull_cursor"
	keyLastSuccess    = "last_success"
	keyLastAttempt    = "last_attempt"
	keyNextAttempt    = "next_attempt"
	keyLastError      = "last_error"
	keyFailures       = "failures"
	keyPushed         = "pushed_total"
	keyPulled         = "pulled_total"
	keyLastPull       = "last_pull"
	keyLastDrift      = "last_drift"
	keyDriftQueued    = "drift_queued"
	keyDriftRepulls   = "drift_repulls"
	keyForceRequested = "force_requested"
	keyForceDone      = "force_done"
	keyForceResult    = "force_result"
)

// Status is the state of sync as every process on the database sees it.
type Status struct {
	Remote string `json:"remote"`
	// Running: a process holds the sync lease; ThisProcess: it is this
	// one; Syncing: this process is pushing or pulling right now.
	Running     bool   `json:"running"`
	ThisProcess bool   `json:"this_process"`
	Holder      string `json:"holder,omitempty"`
	Syncing     bool   `json:"syncing"`
	Paused      bool   `json:"paused"`
	// Pending counts memories changed locally and not yet accepted by the
	// remote; Held those of them the remote refused, with its reason.
	Pending       int64     `json:"pending"`
	Held          int64     `json:"held"`
	HeldError     string    `json:"held_error,omitempty"`
	OldestPending time.Time `json:"oldest_pending,omitzero"`
	// LastSuccess is the end of the last attempt that pushed and pulled
	// without error; LastAttempt of the last attempt at all.
	LastSuccess         time.Time `json:"last_success,omitzero"`
	LastAttempt         time.Time `json:"last_attempt,omitzero"`
	NextAttempt         time.Time `json:"next_attempt,omitzero"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
	LastError           string    `json:"last_error,omitempty"`
	// Pushed and Pulled count memories sent and taken since the database
	// was first synced.
	Pushed int64 `json:"pushed"`
	Pulled int64 `json:"pulled"`
	// LastPull is the last complete pull of remote changes;
	// LastDriftCheck the last full comparison, which queued DriftQueued
	// memories the remote lacked and re-read the change feed
	// DriftRepulls times.
	LastPull       time.Time     `json:"last_pull,omitzero"`
	LastDriftCheck time.Time     `json:"last_drift_check,omitzero"`
	DriftQueued    int64         `json:"drift_queued"`
	DriftRepulls   int64         `json:"drift_repulls"`
	SyncInterval   time.Duration `json:"-"`
}

// State is upstream's one-word status: paused, syncing, error, pending or
// synced.
func (st Status) State() string {
	switch {
	case st.Paused:
		return "paused"
	case st.Syncing:
		return "syncing"
	case st.ConsecutiveFailures > 0:
		return "error"
	case st.Pending > 0:
		return "pending"
	}
	return "synced"
}

// SyncStatus reads the status from the database.
func (s *Store) SyncStatus(ctx context.Context) (Status, error) {
	st := Status{Remote: s.RemoteName, SyncInterval: s.SyncInterval}
	state, err := s.local.SyncState(ctx)
	if err != nil {
		return st, err
	}
	ob, err := s.local.OutboxStats(ctx)
	if err != nil {
		return st, err
	}
	holder, err := s.local.LeaseHolder(ctx, leaseName)
	if err != nil {
		return st, err
	}
	st.Pending, st.Held, st.HeldError, st.OldestPending = ob.Pending, ob.Held, ob.HeldError, ob.Oldest
	st.Running, st.Holder, st.ThisProcess = holder != "", holder, holder != "" && holder == s.id
	st.Paused = state[keyPaused] != ""
	st.LastSuccess, st.LastAttempt, st.NextAttempt = stateTime(state, keyLastSuccess), stateTime(state, keyLastAttempt), stateTime(state, keyNextAttempt)
	st.ConsecutiveFailures = int(stateInt(state, keyFailures))
	st.LastError = state[keyLastError]
	st.Pushed, st.Pulled = stateInt(state, keyPushed), stateInt(state, keyPulled)
	st.LastPull, st.LastDriftCheck = stateTime(state, keyLastPull), stateTime(state, keyLastDrift)
	st.DriftQueued, st.DriftRepulls = stateInt(state, keyDriftQueued), stateInt(state, keyDriftRepulls)
	s.mu.Lock()
	st.Syncing = s.run.syncing
	s.mu.Unlock()
	return st, nil
}

// PendingOf counts owner's memories waiting to be pushed, those of them
// the remote refused, and when the oldest was queued.
func (s *Store) PendingOf(ctx context.Context, owner string) (pending, held int64, oldest time.Time, err error) {
	st, err := s.local.OwnerOutboxStats(ctx, owner)
	return st.Pending, st.Held, st.Oldest, err
}

func stateInt(state map[string]string, k string) int64 {
	n, _ := strconv.ParseInt(state[k], 10, 64)
	return n
}

func stateTime(state map[string]string, k string) time.Time {
	n := stateInt(state, k)
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

func msString(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// Pause stops pushing and pulling, in every process on the database, until
// Resume. Local writes keep working and stay queued.
func (s *Store) Pause(ctx context.Context) error {
	return s.local.SetSyncState(ctx, map[string]string{keyPaused: msString(s.now())})
}

// Resume undoes Pause and wakes the syncer.
func (s *Store) Resume(ctx context.Context) error {
	if err := s.local.SetSyncState(ctx, map[string]string{keyPaused: ""}); err != nil {
		return err
	}
	s.wake()
	return nil
}

// Result is the outcome of a forced sync.
type Result struct {
	Pushed   int           `json:"pushed"`
	Pulled   int           `json:"pulled"`
	Duration time.Duration `json:"duration"`
	Error    string        `json:"error,omitempty"`
}

// errNotHolder is a cycle that could not run: another process syncs.
var errNotHolder = errors.New("another process holds the sync lease")

// forceReq asks the syncer of this process for a forced cycle.
type forceReq struct {
	reply chan Result
}

// SyncNow pushes every queued memory (refused ones included), pulls remote
// changes and checks drift, now, and returns what moved. If another
// process syncs the database, it asks that process and waits for its
// answer. A paused sync is run anyway: forcing is explicit.
func (s *Store) SyncNow(ctx context.Context) (Result, error) {
	if s.done != nil && !s.Disabled {
		req := forceReq{reply: make(chan Result, 1)}
		select {
		case s.forces <- req:
		case <-s.done:
			return Result{}, errors.New("the hybrid store is closed")
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
		select {
		case r := <-req.reply:
			if r.Error != errNotHolder.Error() {
				return r, nil
			}
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
	} else if r, err := s.cycleWithLease(ctx); !errors.Is(err, errNotHolder) {
		return r, err
	}
	return s.requestForce(ctx)
}

// cycleWithLease runs a forced cycle in a process whose syncer does not
// run (the sync command), if no other process holds the lease.
func (s *Store) cycleWithLease(ctx context.Context) (Result, error) {
	if s.id == "" {
		return Result{}, errors.New("the hybrid store is not open")
	}
	r := s.cycle(ctx, true)
	s.local.ReleaseLease(context.WithoutCancel(ctx), leaseName, s.id)
	if r.Error == errNotHolder.Error() {
		return r, errNotHolder
	}
	return r, nil
}

// requestForce records a request for the lease holder and waits until it
// answers.
func (s *Store) requestForce(ctx context.Context) (Result, error) {
	asked := s.now()
	if err := s.local.SetSyncState(ctx, map[string]string{keyForceRequested: msString(asked)}); err != nil {
		return Result{}, err
	}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return Result{}, fmt.Errorf("waiting for the syncing process to sync: %w", ctx.Err())
		case <-t.C:
		}
		state, err := s.local.SyncState(ctx)
		if err != nil {
			return Result{}, err
		}
		if done := stateTime(state, keyForceDone); !done.Before(asked.Truncate(time.Millisecond)) && !done.IsZero() {
			var r Result
			json.Unmarshal([]byte(state[keyForceResult]), &r)
			return r, nil
		}
		if h, _ := s.local.LeaseHolder(ctx, leaseName); h == "" {
			// The holder went away: run it here.
			if r, err := s.cycleWithLease(ctx); !errors.Is(err, errNotHolder) {
				return r, err
			}
		}
	}
}

// Problems reports what needs attention in health checks. Health reaches
// every user, so the texts carry no figure and no error text (which may
// name someone's memory): `memory sync status` and an admin's
// /api/sync/status have those.
func (s *Store) Problems(ctx context.Context) []string {
	st, err := s.SyncStatus(ctx)
	if err != nil {
		return []string{"the sync status cannot be read (the server log has the details)"}
	}
	var out []string
	if st.Paused {
		out = append(out, fmt.Sprintf("sync with %s is paused; changes wait locally (`memory sync resume`)", st.Remote))
	}
	if st.ConsecutiveFailures > 0 {
		out = append(out, fmt.Sprintf("sync with %s is failing; changes wait locally and will be pushed when it answers (`memory sync status` shows why)", st.Remote))
	}
	if st.Held > 0 {
		out = append(out, fmt.Sprintf("%s refused some memories; they stay queued: `memory sync status` shows why, `memory sync now` retries", st.Remote))
	}
	if !st.Running && !st.Paused && st.Pending > 0 && !s.Disabled {
		out = append(out, fmt.Sprintf("no process is syncing with %s; changes wait locally", st.Remote))
	}
	return out
}

// now is the clock.
func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
