package consolidate

// What transports ask besides a pass: status, history, recommendations,
// and pausing the caller's scheduled passes.

import (
	"cmp"
	"context"
	"fmt"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// ScheduleStatus is one horizon's schedule as the caller sees it.
type ScheduleStatus struct {
	Horizon Horizon `json:"time_horizon"`
	// Spec is the configured schedule; "" when the horizon is not
	// scheduled.
	Spec     string     `json:"schedule"`
	NextRun  *time.Time `json:"next_run,omitempty"`
	LastSlot *time.Time `json:"last_scheduled_run,omitempty"`
	// Paused is when the caller paused it (nil: not paused).
	Paused *time.Time `json:"paused_at,omitempty"`
}

// Status is the state of consolidation for the caller.
type Status struct {
	// SchedulerRunning is true when a Scheduler runs in this process.
	SchedulerRunning bool `json:"scheduler_running"`
	// Running is true while a pass runs, here (Active) or in another
	// process sharing the store (Lease).
	Running bool    `json:"running"`
	Active  *Active `json:"active,omitempty"`
	Lease   *Lease  `json:"lease,omitempty"`
	// Next… are upstream's fields: the next scheduled run of each
	// horizon, nil when it is not scheduled or paused.
	NextDaily     *time.Time       `json:"next_daily"`
	NextWeekly    *time.Time       `json:"next_weekly"`
	NextMonthly   *time.Time       `json:"next_monthly"`
	NextQuarterly *time.Time       `json:"next_quarterly"`
	NextYearly    *time.Time       `json:"next_yearly"`
	Schedules     []ScheduleStatus `json:"schedules"`
	// JobsExecuted and JobsFailed count the caller's recorded passes.
	JobsExecuted int        `json:"jobs_executed"`
	JobsFailed   int        `json:"jobs_failed"`
	LastRun      *RunRecord `json:"last_run,omitempty"`
	// Archived is the number of the caller's memories in the archive.
	Archived int `json:"archived_memories"`
}

// Status reports the caller's consolidation state.
func (c *Consolidator) Status(ctx context.Context) (Status, error) {
	owner := memory.OwnerFrom(ctx)
	st := Status{SchedulerRunning: c.scheduled.Load(), Schedules: []ScheduleStatus{}}
	if c.State == nil {
		return st, memory.Errorf(memory.EUnavailable, "the storage backend keeps no consolidation state")
	}
	if a := c.active.Load(); a != nil {
		st.Running = true
		if a.Owner == owner {
			st.Active = a
		}
	}
	now := c.Now()
	if l, ok, err := c.State.ReadLease(ctx, LeaseName); err != nil {
		return st, err
	} else if ok && l.ExpiresAt.After(now) && l.Holder != c.holder {
		st.Running, st.Lease = true, &Lease{Name: l.Name, AcquiredAt: l.AcquiredAt, ExpiresAt: l.ExpiresAt, Holder: "another process"}
	}
	schedules, err := c.schedules(ctx, owner, now)
	if err != nil {
		return st, err
	}
	st.Schedules = schedules
	for _, ss := range schedules {
		switch ss.Horizon {
		case Daily:
			st.NextDaily = ss.NextRun
		case Weekly:
			st.NextWeekly = ss.NextRun
		case Monthly:
			st.NextMonthly = ss.NextRun
		case Quarterly:
			st.NextQuarterly = ss.NextRun
		case Yearly:
			st.NextYearly = ss.NextRun
		}
	}
	runs, err := c.State.Runs(ctx, owner, RunFilter{Limit: 1})
	if err != nil {
		return st, err
	}
	if len(runs) > 0 {
		rec := runs[0].record()
		st.LastRun = &rec
	}
	if st.JobsExecuted, st.JobsFailed, err = c.State.RunCounts(ctx, owner); err != nil {
		return st, err
	}
	if c.Service.Archive != nil {
		if _, n, err := c.Service.Archive.Archived(ctx, owner, memory.Page{Limit: 1}); err == nil {
			st.Archived = n
		}
	}
	return st, nil
}

// schedules returns owner's schedule of every horizon as it stands at
// now: paused (for the horizon or for all), next slot, last slot run.
func (c *Consolidator) schedules(ctx context.Context, owner string, now time.Time) ([]ScheduleStatus, error) {
	all, err := c.pausedAt(ctx, owner, "")
	if err != nil {
		return nil, err
	}
	out := make([]ScheduleStatus, 0, len(Horizons()))
	for _, h := range Horizons() {
		paused, err := c.pausedAt(ctx, owner, h)
		if err != nil {
			return nil, err
		}
		ss := ScheduleStatus{Horizon: h, Paused: cmp.Or(paused, all)}
		if sch := c.Schedules[h]; sch != nil {
			ss.Spec = sch.Spec
			if ss.Paused == nil {
				next := sch.Next(now)
				ss.NextRun = &next
			}
			if v, ok, err := c.State.Value(ctx, lastKey(h)); err == nil && ok {
				if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
					ss.LastSlot = &t
				}
			}
		}
		out = append(out, ss)
	}
	return out, nil
}

// pausedAt returns when owner paused h ("" for every horizon), nil if
// not paused.
func (c *Consolidator) pausedAt(ctx context.Context, owner string, h Horizon) (*time.Time, error) {
	v, ok, err := c.State.Value(ctx, pauseKey(owner, h))
	if err != nil || !ok || v == "" {
		return nil, err
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, nil
	}
	return &t, nil
}

// History returns the caller's recorded passes, newest first, at most
// limit (1..200; 0 means 20).
func (c *Consolidator) History(ctx context.Context, limit int) ([]RunRecord, error) {
	switch {
	case limit == 0:
		limit = 20
	case limit < 0 || limit > 200:
		return nil, memory.Errorf(memory.EInvalid, "limit must be between 1 and 200, got %d", limit)
	}
	if c.State == nil {
		return nil, memory.Errorf(memory.EUnavailable, "the storage backend keeps no consolidation state")
	}
	runs, err := c.State.Runs(ctx, memory.OwnerFrom(ctx), RunFilter{Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]RunRecord, len(runs))
	for i, r := range runs {
		out[i] = r.record()
	}
	return out, nil
}

// Pause stops the caller's scheduled passes of horizon h ("" for every
// horizon) until Resume; other owners' passes and manual passes go on.
// It returns the caller's schedules afterwards.
func (c *Consolidator) Pause(ctx context.Context, h Horizon) ([]ScheduleStatus, error) {
	return c.setPause(ctx, h, c.now().Format(time.RFC3339Nano))
}

// Resume undoes Pause for horizon h ("" for every horizon). Slots that
// passed while paused are not caught up.
func (c *Consolidator) Resume(ctx context.Context, h Horizon) ([]ScheduleStatus, error) {
	return c.setPause(ctx, h, "")
}

func (c *Consolidator) setPause(ctx context.Context, h Horizon, v string) ([]ScheduleStatus, error) {
	if h != "" {
		var err error
		if h, err = ParseHorizon(string(h)); err != nil {
			return nil, err
		}
	}
	if c.State == nil {
		return nil, memory.Errorf(memory.EUnavailable, "the storage backend keeps no consolidation state")
	}
	owner := memory.OwnerFrom(ctx)
	keys := []string{pauseKey(owner, h)}
	if h == "" && v == "" {
		for _, x := range Horizons() {
			keys = append(keys, pauseKey(owner, x))
		}
	}
	for _, k := range keys {
		if err := c.State.SetValue(ctx, k, v); err != nil {
			return nil, err
		}
	}
	return c.schedules(ctx, owner, c.Now())
}

// Recommendation values (upstream's).
const (
	Beneficial = "CONSOLIDATION_BENEFICIAL"
	NotNeeded  = "NO_CONSOLIDATION_NEEDED"
)

// Recommendation says whether a pass of a horizon is worth running now.
type Recommendation struct {
	Horizon        Horizon  `json:"time_horizon"`
	Recommendation string   `json:"recommendation"`
	MemoryCount    int      `json:"memory_count"`
	Pending        int      `json:"never_consolidated"`
	Conflicts      int      `json:"unresolved_conflicts"`
	Reasons        []string `json:"reasons"`
	// EstimatedSeconds extrapolates the last pass's time per memory.
	EstimatedSeconds  float64    `json:"estimated_duration_seconds"`
	EstimatedDuration string     `json:"estimated_duration"`
	LastRun           *RunRecord `json:"last_run,omitempty"`
}

// Recommend tells the caller whether a pass of h is worth running: when
// memories of its window were never consolidated, or its last pass is
// older than its period.
func (c *Consolidator) Recommend(ctx context.Context, h Horizon) (Recommendation, error) {
	r := Recommendation{Horizon: h, Recommendation: NotNeeded, Reasons: []string{}}
	h, err := ParseHorizon(string(h))
	if err != nil {
		return r, err
	}
	r.Horizon = h
	if c.State == nil {
		return r, memory.Errorf(memory.EUnavailable, "the storage backend keeps no consolidation state")
	}
	owner := memory.OwnerFrom(ctx)
	now := c.now()
	after, before := h.window(now)
	f := memory.Filter{Owner: owner, After: after, Before: before}
	_, total, err := c.Service.Storage.Find(ctx, f, memory.Page{Limit: 1})
	if err != nil {
		return r, err
	}
	r.MemoryCount = total
	next, err := c.State.Pending(ctx, f, c.Config.BatchSize)
	if err != nil {
		return r, err
	}
	marks, err := c.State.Marks(ctx, owner, next)
	if err != nil {
		return r, err
	}
	r.Pending = len(next) - len(marks)
	runs, err := c.State.Runs(ctx, owner, RunFilter{Horizon: string(h), Status: StatusCompleted, Limit: 1})
	if err != nil {
		return r, err
	}
	if len(runs) > 0 {
		rec := runs[0].record()
		r.LastRun = &rec
	}
	if c.graph() != nil {
		if cs, err := c.Service.Conflicts(ctx); err == nil {
			r.Conflicts = len(cs)
		}
	}
	switch {
	case total == 0:
		r.Reasons = append(r.Reasons, "no memories in the "+string(h)+" window")
	case r.Pending > 0:
		more := ""
		if len(next) == c.Config.BatchSize && r.Pending == len(next) {
			more = "at least "
		}
		r.Reasons = append(r.Reasons, fmt.Sprintf("memories never consolidated: %s%d", more, r.Pending))
	}
	if total > 0 {
		switch {
		case r.LastRun == nil:
			r.Reasons = append(r.Reasons, "no "+string(h)+" pass has run yet")
		case now.Sub(r.LastRun.StartedAt) > h.period():
			r.Reasons = append(r.Reasons, fmt.Sprintf("the last %s pass ran %s ago", h, now.Sub(r.LastRun.StartedAt).Round(time.Hour)))
		}
	}
	if total > 0 && len(r.Reasons) > 0 {
		r.Recommendation = Beneficial
	}
	if r.Conflicts > 0 {
		r.Reasons = append(r.Reasons, fmt.Sprintf("unresolved conflicts: %d (memory_conflicts); consolidation does not decide them", r.Conflicts))
	}
	r.EstimatedSeconds = 1
	work := min(total, c.Config.BatchSize)
	if !c.Config.Incremental {
		work = total
	}
	if r.LastRun != nil && r.LastRun.Report != nil && r.LastRun.Report.Processed > 0 {
		rep := r.LastRun.Report
		r.EstimatedSeconds = rep.DurationMS / 1000 / float64(rep.Processed) * float64(work)
	}
	r.EstimatedSeconds = round2(r.EstimatedSeconds)
	r.EstimatedDuration = fmt.Sprintf("about %s", (time.Duration(r.EstimatedSeconds * float64(time.Second))).Round(time.Second).String())
	if r.EstimatedSeconds < 1 {
		r.EstimatedDuration = "under a second"
	}
	return r, nil
}
