package httpapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/httpapi"
)

// analyticsFixture stores five memories of alice's (three on the last three
// days up to now, a Wednesday) and one of bob's.
func analyticsFixture(e *env) {
	day := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	e.store("alice", "today: "+strings.Repeat("long ", 50), day(11, 25, 10), "note", "go", "db")
	e.store("alice", "yesterday", day(11, 24, 9), "decision", "go")
	e.store("alice", "monday", day(11, 23, 9), "", "db")
	e.store("alice", "two weeks ago", day(11, 10, 12), "", "go")
	e.store("alice", "in october", day(10, 1, 12), "", "old")
	e.store("bob", "bob's", time.Time{}, "", "secret")
}

func TestAnalyticsOverview(t *testing.T) {
	e := MustOpenEnv(t)
	analyticsFixture(e)
	var o httpapi.OverviewResponse
	e.mustDo(200, "alice-read", "GET", "/api/analytics/overview", nil).Decode(t, &o)
	if o.TotalMemories != 5 || o.MemoriesThisWeek != 3 || o.MemoriesThisMonth != 4 || o.UniqueTags != 3 || o.BackendType != "sqlite" || o.DatabaseSizeMB <= 0 {
		t.Errorf("overview = %+v", o)
	}
}

func TestAnalyticsGrowth(t *testing.T) {
	e := MustOpenEnv(t)
	analyticsFixture(e)
	var g httpapi.GrowthResponse
	e.mustDo(200, "alice-read", "GET", "/api/analytics/memory-growth?period=week", nil).Decode(t, &g)
	if g.Period != "week" || len(g.DataPoints) != 7 {
		t.Fatalf("growth = %+v", g)
	}
	last := g.DataPoints[6]
	if last.Date != "2026-11-25" || last.Count != 1 || last.Cumulative != 5 || last.Label != "Nov 25" {
		t.Errorf("last point = %+v", last)
	}
	if first := g.DataPoints[0]; first.Date != "2026-11-19" || first.Count != 0 || first.Cumulative != 2 {
		t.Errorf("first point = %+v", first)
	}
	e.mustDo(200, "alice-read", "GET", "/api/analytics/memory-growth", nil).Decode(t, &g)
	if g.Period != "month" || len(g.DataPoints) != 10 {
		t.Errorf("default growth: period %s with %d points, want month with 10", g.Period, len(g.DataPoints))
	}
}

func TestAnalyticsTags(t *testing.T) {
	e := MustOpenEnv(t)
	analyticsFixture(e)
	var u httpapi.TagUsageResponse
	e.mustDo(200, "alice-read", "GET", "/api/analytics/tag-usage?period=week&limit=1", nil).Decode(t, &u)
	if u.TotalMemories != 3 || len(u.Tags) != 1 || u.Tags[0].Tag != "db" || u.Tags[0].Count != 2 || u.Tags[0].Percentage != 66.7 {
		t.Errorf("tag usage = %+v", u)
	}
	e.mustDo(200, "alice-read", "GET", "/api/analytics/tag-usage", nil).Decode(t, &u)
	if u.Period != "all" || u.TotalMemories != 5 || len(u.Tags) != 3 || u.Tags[0].Tag != "go" || u.Tags[0].GrowthRate != nil {
		t.Errorf("tag usage, all = %+v", u)
	}

	var top httpapi.TopTagsResponse
	e.mustDo(200, "alice-read", "GET", "/api/analytics/top-tags?period=7d", nil).Decode(t, &top)
	if top.Period != "7d" || len(top.Tags) != 2 {
		t.Fatalf("top tags = %+v", top)
	}
	db := top.Tags[0]
	if db.Tag != "db" || db.Count != 2 || !db.Trending || len(db.CoOccuring) != 1 || db.CoOccuring[0].Tag != "go" || db.CoOccuring[0].Strength != 0.5 {
		t.Errorf("db = %+v", db)
	}
	e.mustDo(200, "alice-read", "GET", "/api/analytics/top-tags?period=90d", nil).Decode(t, &top)
	if top.Tags[0].Tag != "go" || top.Tags[0].Count != 3 {
		t.Errorf("top tags 90d = %+v", top.Tags)
	}
}

func TestAnalyticsTypes(t *testing.T) {
	e := MustOpenEnv(t)
	analyticsFixture(e)
	var ty httpapi.MemoryTypesResponse
	e.mustDo(200, "alice-read", "GET", "/api/analytics/memory-types", nil).Decode(t, &ty)
	want := []httpapi.TypeShare{{MemoryType: "note", Count: 4, Percentage: 80}, {MemoryType: "decision", Count: 1, Percentage: 20}}
	if ty.TotalMemories != 5 || !slices.Equal(ty.Types, want) {
		t.Errorf("types = %+v, want %+v", ty, want)
	}
}

func TestAnalyticsActivity(t *testing.T) {
	e := MustOpenEnv(t)
	analyticsFixture(e)
	var h httpapi.HeatmapResponse
	e.mustDo(200, "alice-read", "GET", "/api/analytics/activity-heatmap?days=7", nil).Decode(t, &h)
	if len(h.Data) != 7 || h.TotalDays != 3 || h.MaxCount != 1 || h.Data[6] != (httpapi.HeatmapDay{Date: "2026-11-25", Count: 1, Level: 4}) || h.Data[0].Level != 0 {
		t.Errorf("heatmap = %+v", h)
	}

	var a httpapi.ActivityResponse
	e.mustDo(200, "alice-read", "GET", "/api/analytics/activity-breakdown", nil).Decode(t, &a)
	if len(a.Breakdown) != 7 || a.Breakdown[0].Label != "Monday" || a.Breakdown[1].Count != 2 || a.PeakTimes[0] != "Tuesday" {
		t.Errorf("daily breakdown = %+v", a)
	}
	if a.ActiveDays != 5 || a.TotalDays != 56 || a.CurrentStreak != 3 || a.LongestStreak != 3 {
		t.Errorf("days %d/%d, streaks %d/%d; want 5/56, 3/3", a.ActiveDays, a.TotalDays, a.CurrentStreak, a.LongestStreak)
	}
	e.mustDo(200, "alice-read", "GET", "/api/analytics/activity-breakdown?granularity=hourly", nil).Decode(t, &a)
	if len(a.Breakdown) != 24 || a.Breakdown[9].Count != 2 || a.Breakdown[9].Label != "09:00" {
		t.Errorf("hourly breakdown = %+v", a.Breakdown)
	}
	e.mustDo(200, "alice-read", "GET", "/api/analytics/activity-breakdown?granularity=weekly", nil).Decode(t, &a)
	if len(a.Breakdown) != 12 || a.Breakdown[11].Count != 3 || a.Breakdown[11].Label != "Week 48" || a.Breakdown[9].Count != 1 {
		t.Errorf("weekly breakdown = %+v", a.Breakdown)
	}
}

func TestAnalyticsStorage(t *testing.T) {
	e := MustOpenEnv(t)
	analyticsFixture(e)
	var s httpapi.StorageStatsResponse
	e.mustDo(200, "alice-read", "GET", "/api/analytics/storage-stats", nil).Decode(t, &s)
	if s.TotalSizeMB <= 0 || s.AverageMemorySize <= 0 || len(s.LargestMemories) != 5 || len(s.GrowthTrend) != 30 {
		t.Fatalf("storage stats = %+v", s)
	}
	if l := s.LargestMemories[0]; !strings.HasPrefix(l.Preview, "today: long") || l.SizeBytes != 256 || !slices.Equal(l.Tags, []string{"go", "db"}) {
		t.Errorf("largest = %+v", l)
	}
	if p := s.GrowthTrend[29]; p.Date != "2026-11-25" || p.MemoryCount != 5 {
		t.Errorf("last trend point = %+v", p)
	}
}

func TestAnalyticsSeeChangesAtOnce(t *testing.T) {
	e := MustOpenEnv(t)
	var o httpapi.OverviewResponse
	e.mustDo(200, "alice-read", "GET", "/api/analytics/memory-types", nil)
	e.mustDo(200, "alice-write", "POST", "/api/memories", `{"content": "fresh"}`)
	e.mustDo(200, "alice-read", "GET", "/api/analytics/overview", nil).Decode(t, &o)
	if o.MemoriesThisWeek != 1 {
		t.Errorf("memories_this_week = %d after a store, want 1 (stale cache?)", o.MemoriesThisWeek)
	}
}
