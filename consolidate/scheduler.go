package consolidate

// The Scheduler: runs each configured horizon's pass at its slots, for
// every owner, once per slot across all processes sharing the store, and
// catches up once on a slot missed while no process ran.

import (
	"context"
	"errors"
	"log/slog"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// Defaults of a Scheduler.
const (
	// DefaultMaxSleep bounds each wait, so that a wall clock that jumped
	// (a laptop waking up) is noticed within it.
	DefaultMaxSleep = 15 * time.Minute
	// DefaultRetry is the wait before trying again a slot whose lease
	// another pass holds.
	DefaultRetry = time.Minute
)

// Scheduler runs the Consolidator's Schedules until its context ends.
// Several processes may run one on the same store: each slot is run once,
// by whichever takes the lease first.
type Scheduler struct {
	C      *Consolidator
	Logger *slog.Logger
	// MaxSleep and Retry are DefaultMaxSleep and DefaultRetry when zero.
	MaxSleep, Retry time.Duration
}

// NewScheduler returns a Scheduler of c's schedules.
func NewScheduler(c *Consolidator) *Scheduler {
	return &Scheduler{C: c, Logger: c.Logger, MaxSleep: DefaultMaxSleep, Retry: DefaultRetry}
}

// order is the order horizons due at once run in: the broadest first.
var order = []Horizon{Yearly, Quarterly, Monthly, Weekly, Daily}

// State keys of the scheduler.
const baselineKey = "schedule/baseline"

func lastKey(h Horizon) string { return "schedule/" + string(h) + "/last" }

func pauseKey(owner string, h Horizon) string {
	if h == "" {
		h = "all"
	}
	return "pause/" + owner + "/" + string(h)
}

// Run runs passes at their slots until ctx is done, then returns nil once
// the pass in progress (if any) has stopped. Without schedules it returns
// at once. A slot missed while no process ran (the machine was off) is run
// once when Run next starts; slots before the first Run ever are not.
func (s *Scheduler) Run(ctx context.Context) error {
	c := s.C
	if len(c.Schedules) == 0 || c.State == nil {
		return nil
	}
	c.scheduled.Store(true)
	defer c.scheduled.Store(false)
	if _, ok, err := c.State.Value(ctx, baselineKey); err != nil {
		return err
	} else if !ok {
		if err := c.State.SetValue(ctx, baselineKey, c.now().Format(time.RFC3339Nano)); err != nil {
			return err
		}
	}
	for {
		busy := false
		for _, h := range order {
			sch := c.Schedules[h]
			if sch == nil || ctx.Err() != nil {
				continue
			}
			slot, due, err := c.due(ctx, h, c.Now())
			if err != nil {
				s.logger().Warn("reading the consolidation schedule", "horizon", h, "err", err)
				busy = true
				continue
			}
			if due && s.runSlot(ctx, h, slot) {
				busy = true
			}
		}
		wait := s.maxSleep()
		now := c.Now()
		for _, sch := range c.Schedules {
			if sch != nil {
				wait = min(wait, max(sch.Next(now).Sub(now), time.Second))
			}
		}
		if busy {
			wait = min(wait, s.retry())
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// due returns h's latest slot at or before now and whether it has not
// been run yet.
func (c *Consolidator) due(ctx context.Context, h Horizon, now time.Time) (time.Time, bool, error) {
	sch := c.Schedules[h]
	if sch == nil {
		return time.Time{}, false, nil
	}
	last, err := c.lastSlot(ctx, h)
	if err != nil {
		return time.Time{}, false, err
	}
	slot := sch.Prev(now)
	return slot, !slot.IsZero() && slot.After(last), nil
}

// lastSlot returns the last slot of h that was run, or the scheduler's
// first start.
func (c *Consolidator) lastSlot(ctx context.Context, h Horizon) (time.Time, error) {
	for _, k := range []string{lastKey(h), baselineKey} {
		v, ok, err := c.State.Value(ctx, k)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			return time.Parse(time.RFC3339Nano, v)
		}
	}
	return time.Time{}, nil
}

// runSlot runs h's pass for every owner not pausing it, then records the
// slot as done. It reports true when it could not start (another pass
// holds the lease) or was interrupted, so that Run tries again soon.
func (s *Scheduler) runSlot(ctx context.Context, h Horizon, slot time.Time) (retry bool) {
	c := s.C
	if !c.mu.TryLock() {
		return true
	}
	defer c.mu.Unlock()
	lctx, release, err := c.lease(ctx)
	if err != nil {
		if memory.ErrorCode(err) != memory.EConflict {
			s.logger().Warn("taking the consolidation lease", "err", err)
		}
		return true
	}
	defer release()
	// Another process may have run this slot while we waited.
	if last, err := c.lastSlot(lctx, h); err != nil || !slot.After(last) {
		return err != nil
	}
	owners, err := c.State.Owners(lctx)
	if err != nil {
		s.logger().Warn("listing owners for consolidation", "err", err)
		return true
	}
	for _, owner := range owners {
		if paused, err := c.paused(lctx, owner, h); err != nil || paused {
			continue
		}
		r, err := c.recorded(memory.WithOwner(lctx, owner), owner, h, Options{Trigger: TriggerScheduled})
		if err != nil {
			if lctx.Err() != nil {
				return true // stopping, or the lease was lost: the slot stays due
			}
			s.logger().Warn("scheduled consolidation failed", "horizon", h, "owner", owner, "err", err)
			continue
		}
		s.logger().Info("scheduled consolidation", "horizon", h, "owner", owner, "processed", r.Processed,
			"associations", r.Associations.Stored, "summaries", r.Compression.Created, "archived", r.Forgetting.Count)
	}
	if err := c.State.SetValue(lctx, lastKey(h), slot.Format(time.RFC3339Nano)); err != nil && !errors.Is(err, context.Canceled) {
		s.logger().Warn("recording a consolidation slot", "err", err)
	}
	return false
}

// paused reports whether owner paused h's scheduled passes (or all).
func (c *Consolidator) paused(ctx context.Context, owner string, h Horizon) (bool, error) {
	for _, k := range []string{pauseKey(owner, h), pauseKey(owner, "")} {
		v, ok, err := c.State.Value(ctx, k)
		if err != nil {
			return false, err
		}
		if ok && v != "" {
			return true, nil
		}
	}
	return false, nil
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Scheduler) maxSleep() time.Duration {
	if s.MaxSleep <= 0 {
		return DefaultMaxSleep
	}
	return s.MaxSleep
}

func (s *Scheduler) retry() time.Duration {
	if s.Retry <= 0 {
		return DefaultRetry
	}
	return s.Retry
}
