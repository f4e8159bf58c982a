package consolidate_test

// The scheduler under testing/synctest: slots run once each, in one
// process or two sharing a file, survive restarts, catch up once, honour
// pauses, stop cleanly, and nothing runs unless configured.

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/memorytest"
)

func TestParseSchedule(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		h          consolidate.Horizon
		spec       string
		now        string
		prev, next string
	}{
		{consolidate.Daily, "02:00", "2026-03-10 12:00", "2026-03-10 02:00", "2026-03-11 02:00"},
		{consolidate.Daily, "02:00", "2026-03-10 02:00", "2026-03-10 02:00", "2026-03-11 02:00"},
		{consolidate.Weekly, "SUN 03:00", "2026-03-10 12:00", "2026-03-08 03:00", "2026-03-15 03:00"},
		{consolidate.Weekly, "monday 00:30", "2026-03-09 00:29", "2026-03-02 00:30", "2026-03-09 00:30"},
		{consolidate.Weekly, "0 03:00", "2026-03-10 12:00", "2026-03-08 03:00", "2026-03-15 03:00"},
		{consolidate.Monthly, "01 04:00", "2026-03-10 12:00", "2026-03-01 04:00", "2026-04-01 04:00"},
		{consolidate.Monthly, "31 04:00", "2026-03-10 12:00", "2026-02-28 04:00", "2026-03-31 04:00"},
		{consolidate.Quarterly, "01-15 05:00", "2026-03-10 12:00", "2026-01-15 05:00", "2026-04-15 05:00"},
		{consolidate.Quarterly, "04-01 05:00", "2026-12-31 12:00", "2026-10-01 05:00", "2027-01-01 05:00"},
		{consolidate.Yearly, "02-29 06:00", "2026-03-10 12:00", "2026-02-28 06:00", "2027-02-28 06:00"},
	}
	for _, tt := range tests {
		s, err := consolidate.ParseSchedule(tt.h, tt.spec, time.UTC)
		if err != nil || s == nil {
			t.Errorf("ParseSchedule(%s, %q)=%v, %v", tt.h, tt.spec, s, err)
			continue
		}
		now := at(tt.now)
		if got := s.Prev(now); !got.Equal(at(tt.prev)) {
			t.Errorf("%s %q Prev(%s)=%s, want %s", tt.h, tt.spec, tt.now, got, tt.prev)
		}
		if got := s.Next(now); !got.Equal(at(tt.next)) {
			t.Errorf("%s %q Next(%s)=%s, want %s", tt.h, tt.spec, tt.now, got, tt.next)
		}
	}
	for _, off := range []string{"", "disabled", "OFF", "false", "none"} {
		if s, err := consolidate.ParseSchedule(consolidate.Daily, off, nil); s != nil || err != nil {
			t.Errorf("ParseSchedule(%q)=%v, %v; want no schedule", off, s, err)
		}
	}
	for _, bad := range []struct {
		h    consolidate.Horizon
		spec string
	}{{consolidate.Daily, "25:00"}, {consolidate.Daily, "SUN 03:00"}, {consolidate.Weekly, "03:00"}, {consolidate.Weekly, "FUNDAY 03:00"},
		{consolidate.Monthly, "32 01:00"}, {consolidate.Quarterly, "13-01 01:00"}, {consolidate.Yearly, "01 01:00"}, {consolidate.Daily, "2am"}} {
		if _, err := consolidate.ParseSchedule(bad.h, bad.spec, nil); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("ParseSchedule(%s, %q)=%v, want invalid", bad.h, bad.spec, err)
		}
	}
}

// bubbleEnv is an env whose clocks are the bubble's (time.Now inside
// synctest.Test), with a few memories of the local owner and alice, and
// the given schedules.
func bubbleEnv(t *testing.T, path string, specs map[consolidate.Horizon]string) *env {
	t.Helper()
	e := newEnv(t, path)
	e.svc.Now, e.c.Now, e.store.Now = time.Now, time.Now, time.Now
	e.c.Schedules = map[consolidate.Horizon]*consolidate.Schedule{}
	for h, spec := range specs {
		s, err := consolidate.ParseSchedule(h, spec, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		e.c.Schedules[h] = s
	}
	return e
}

func seed(t *testing.T, e *env) {
	t.Helper()
	for i := range 3 {
		e.insert(t, mem(fmt.Sprintf("scheduled memory %d", i), memorytest.At(time.Now())))
		e.insert(t, memorytest.NewMemory("alice", fmt.Sprintf("alice's memory %d", i), memorytest.At(time.Now())))
	}
}

// start runs a scheduler of e in the background; stop cancels it and
// checks it returned nil.
func start(t *testing.T, e *env) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- consolidate.NewScheduler(e.c).Run(ctx) }()
	synctest.Wait()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Scheduler.Run()=%v, want nil after cancel", err)
		}
	}
}

// runs counts the owner's recorded passes by horizon.
func runs(t *testing.T, e *env, owner string) map[string]int {
	t.Helper()
	rs, err := e.c.History(memory.WithOwner(context.Background(), owner), 200)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rs {
		if r.Trigger != consolidate.TriggerScheduled || r.Status != consolidate.StatusCompleted {
			t.Errorf("run %+v, want a completed scheduled run", r)
		}
		out[r.Horizon]++
	}
	return out
}

func wantRuns(t *testing.T, when string, got map[string]int, want map[string]int) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: runs=%v, want %v", when, got, want)
	}
}

// The bubble starts at 2000-01-01 00:00 UTC, a Saturday.

func TestSchedulerRunsEachSlotOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEnv(t, "", map[consolidate.Horizon]string{consolidate.Daily: "02:00", consolidate.Weekly: "SUN 03:00"})
		seed(t, e)
		stop := start(t, e)
		wantRuns(t, "at start", runs(t, e, memory.LocalOwner), map[string]int{})
		time.Sleep(2*time.Hour + time.Second)
		synctest.Wait()
		wantRuns(t, "after the first daily slot", runs(t, e, memory.LocalOwner), map[string]int{"daily": 1})
		wantRuns(t, "alice, after the first daily slot", runs(t, e, "alice"), map[string]int{"daily": 1})
		time.Sleep(3 * 24 * time.Hour)
		synctest.Wait()
		wantRuns(t, "three days later", runs(t, e, memory.LocalOwner), map[string]int{"daily": 4, "weekly": 1})
		st, err := e.c.Status(context.Background())
		if err != nil || !st.SchedulerRunning || st.NextDaily == nil || !st.NextDaily.Equal(time.Date(2000, 1, 5, 2, 0, 0, 0, time.UTC)) {
			t.Errorf("Status(): running %v, next daily %v, %v; want running, 2000-01-05 02:00", st.SchedulerRunning, st.NextDaily, err)
		}
		stop()
	})
}

func TestSchedulerSurvivesRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEnv(t, "", map[consolidate.Horizon]string{consolidate.Daily: "02:00"})
		seed(t, e)
		stop := start(t, e)
		time.Sleep(3 * time.Hour)
		synctest.Wait()
		stop()
		wantRuns(t, "first process", runs(t, e, memory.LocalOwner), map[string]int{"daily": 1})

		// Restarted the same day: the slot that ran is not run again.
		e2 := bubbleEnv(t, e.path, map[consolidate.Horizon]string{consolidate.Daily: "02:00"})
		stop = start(t, e2)
		wantRuns(t, "restart the same day", runs(t, e2, memory.LocalOwner), map[string]int{"daily": 1})
		stop()

		// Down for three days: the missed slots are caught up once at start.
		time.Sleep(3 * 24 * time.Hour)
		e3 := bubbleEnv(t, e.path, map[consolidate.Horizon]string{consolidate.Daily: "02:00"})
		stop = start(t, e3)
		wantRuns(t, "restart after three days down", runs(t, e3, memory.LocalOwner), map[string]int{"daily": 2})
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		wantRuns(t, "the next day", runs(t, e3, memory.LocalOwner), map[string]int{"daily": 3})
		stop()
	})
}

func TestSchedulerTwoProcessesRunEachSlotOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		specs := map[consolidate.Horizon]string{consolidate.Daily: "02:00", consolidate.Monthly: "01 02:00"}
		a := bubbleEnv(t, "", specs)
		seed(t, a)
		b := bubbleEnv(t, a.path, specs)
		stopA, stopB := start(t, a), start(t, b)
		time.Sleep(2*24*time.Hour + 3*time.Hour)
		synctest.Wait()
		stopA()
		stopB()
		wantRuns(t, "two schedulers on one file, until the third day 03:00", runs(t, a, memory.LocalOwner), map[string]int{"daily": 3, "monthly": 1})
	})
}

func TestSchedulerPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEnv(t, "", map[consolidate.Horizon]string{consolidate.Daily: "02:00"})
		seed(t, e)
		if _, err := e.c.Pause(context.Background(), consolidate.Daily); err != nil {
			t.Fatal(err)
		}
		stop := start(t, e)
		time.Sleep(3 * time.Hour)
		synctest.Wait()
		wantRuns(t, "paused", runs(t, e, memory.LocalOwner), map[string]int{})
		wantRuns(t, "alice, not paused", runs(t, e, "alice"), map[string]int{"daily": 1})
		st, err := e.c.Status(context.Background())
		if err != nil || st.Schedules[0].Paused == nil || st.NextDaily != nil {
			t.Errorf("Status() while paused: %+v, %v; want paused_at and no next run", st.Schedules[0], err)
		}
		if _, err := e.c.Resume(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		wantRuns(t, "resumed", runs(t, e, memory.LocalOwner), map[string]int{"daily": 1})
		stop()
	})
}

func TestSchedulerOffByDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEnv(t, "", nil)
		seed(t, e)
		before := dump(t, e.path)
		if err := consolidate.NewScheduler(e.c).Run(t.Context()); err != nil {
			t.Fatalf("Run() without schedules=%v, want nil at once", err)
		}
		if d := diffDump(before, dump(t, e.path)); len(d) > 0 {
			t.Errorf("a scheduler without schedules changed the store: %v", d)
		}
	})
}
