package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// The analytics routes compute upstream's dashboard figures from a scan of
// the caller's memories (see snapshot), in UTC days. Unlike upstream they
// look at every memory, not a recent sample, and fill in what upstream
// left as placeholders (growth rates, trends, co-occurring tags, size
// trend).

// OverviewResponse answers GET /api/analytics/overview.
type OverviewResponse struct {
	TotalMemories     int64   `json:"total_memories"`
	MemoriesThisWeek  int     `json:"memories_this_week" jsonschema:"created in the last 7 days"`
	MemoriesThisMonth int     `json:"memories_this_month" jsonschema:"created in the last 30 days"`
	UniqueTags        int64   `json:"unique_tags"`
	DatabaseSizeMB    float64 `json:"database_size_mb"`
	UptimeSeconds     float64 `json:"uptime_seconds"`
	BackendType       string  `json:"backend_type"`
}

func (a *API) overview(r *http.Request) (*OverviewResponse, error) {
	st, err := a.Service.Stats(r.Context())
	if err != nil {
		return nil, err
	}
	items, err := a.snapshot(r.Context())
	if err != nil {
		return nil, err
	}
	now := a.now()
	return &OverviewResponse{
		TotalMemories:     st.Storage.Memories,
		MemoriesThisWeek:  len(items) - countBefore(items, now.AddDate(0, 0, -7)),
		MemoriesThisMonth: len(items) - countBefore(items, now.AddDate(0, 0, -30)),
		UniqueTags:        st.Storage.UniqueTags,
		DatabaseSizeMB:    mb(st.Storage.SizeBytes),
		UptimeSeconds:     round(st.UptimeSeconds, 1),
		BackendType:       a.backend(),
	}, nil
}

// GrowthResponse answers GET /api/analytics/memory-growth.
type GrowthResponse struct {
	DataPoints []GrowthPoint `json:"data_points"`
	Period     string        `json:"period"`
}

// GrowthPoint counts the memories created in the interval starting at Date
// and all those created before its end.
type GrowthPoint struct {
	Date       string `json:"date"`
	Count      int    `json:"count"`
	Cumulative int    `json:"cumulative"`
	Label      string `json:"label"`
}

// growthSpans are the days covered and the days per point of each period,
// as upstream has them.
var growthSpans = map[string][2]int{"week": {7, 1}, "month": {30, 3}, "quarter": {90, 7}, "year": {365, 30}}

func (a *API) memoryGrowth(r *http.Request) (*GrowthResponse, error) {
	period := paramsOf(r).str("period")
	span := growthSpans[period]
	days, step := span[0], span[1]
	items, err := a.snapshot(r.Context())
	if err != nil {
		return nil, err
	}
	today := day(a.now())
	out := &GrowthResponse{Period: period, DataPoints: []GrowthPoint{}}
	for d := today.AddDate(0, 0, -days+1); !d.After(today); d = d.AddDate(0, 0, step) {
		end := d.AddDate(0, 0, step)
		n := countBefore(items, end)
		out.DataPoints = append(out.DataPoints, GrowthPoint{Date: d.Format(time.DateOnly), Count: n - countBefore(items, d),
			Cumulative: n, Label: d.Format("Jan 2")})
	}
	return out, nil
}

// TagUsageResponse answers GET /api/analytics/tag-usage.
type TagUsageResponse struct {
	Tags          []TagUsage `json:"tags"`
	TotalMemories int        `json:"total_memories" jsonschema:"memories created in the period"`
	Period        string     `json:"period"`
}

// TagUsage is a tag's use within a period.
type TagUsage struct {
	Tag        string  `json:"tag"`
	Count      int     `json:"count"`
	Percentage float64 `json:"percentage" jsonschema:"share of the period's memories carrying the tag"`
	// GrowthRate is the change in percent against the previous period of
	// the same length; null for "all" or when the tag was not used then.
	GrowthRate *float64 `json:"growth_rate"`
}

func (a *API) tagUsage(r *http.Request) (*TagUsageResponse, error) {
	p := paramsOf(r)
	items, err := a.snapshot(r.Context())
	if err != nil {
		return nil, err
	}
	days := map[string]int{"week": 7, "month": 30}[p.str("period")]
	cur, prev, total := a.tagCounts(items, days)
	out := &TagUsageResponse{Tags: []TagUsage{}, TotalMemories: total, Period: p.str("period")}
	for _, tc := range topN(cur, p.int("limit")) {
		out.Tags = append(out.Tags, TagUsage{Tag: tc.tag, Count: tc.n, Percentage: pct(tc.n, total), GrowthRate: growth(tc.n, prev[tc.tag], days)})
	}
	return out, nil
}

// tagCounts counts tags of memories created in the last days (all when
// days is 0) and in the days before that, and the memories of the period.
func (a *API) tagCounts(items []item, days int) (cur, prev map[string]int, total int) {
	cur, prev = map[string]int{}, map[string]int{}
	now := a.now()
	from, prevFrom := time.Time{}, time.Time{}
	if days > 0 {
		from, prevFrom = now.AddDate(0, 0, -days), now.AddDate(0, 0, -2*days)
	}
	for _, it := range items {
		switch {
		case !it.created.Before(from):
			total++
			for _, t := range it.tags {
				cur[t]++
			}
		case days > 0 && !it.created.Before(prevFrom):
			for _, t := range it.tags {
				prev[t]++
			}
		}
	}
	return cur, prev, total
}

// MemoryTypesResponse answers GET /api/analytics/memory-types.
type MemoryTypesResponse struct {
	Types         []TypeShare `json:"types"`
	TotalMemories int         `json:"total_memories"`
}

// TypeShare is the number and share of memories of one type.
type TypeShare struct {
	MemoryType string  `json:"memory_type"`
	Count      int     `json:"count"`
	Percentage float64 `json:"percentage"`
}

func (a *API) memoryTypes(r *http.Request) (*MemoryTypesResponse, error) {
	items, err := a.snapshot(r.Context())
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, it := range items {
		counts[it.typ]++
	}
	out := &MemoryTypesResponse{Types: []TypeShare{}, TotalMemories: len(items)}
	for _, tc := range topN(counts, 0) {
		out.Types = append(out.Types, TypeShare{MemoryType: tc.tag, Count: tc.n, Percentage: pct(tc.n, len(items))})
	}
	return out, nil
}

// HeatmapResponse answers GET /api/analytics/activity-heatmap.
type HeatmapResponse struct {
	Data      []HeatmapDay `json:"data"`
	TotalDays int          `json:"total_days" jsonschema:"days with at least one memory"`
	MaxCount  int          `json:"max_count"`
}

// HeatmapDay is one day of the heatmap; Level 0-4 grades Count against the
// busiest day.
type HeatmapDay struct {
	Date  string `json:"date"`
	Count int    `json:"count"`
	Level int    `json:"level"`
}

func (a *API) activityHeatmap(r *http.Request) (*HeatmapResponse, error) {
	items, err := a.snapshot(r.Context())
	if err != nil {
		return nil, err
	}
	days := paramsOf(r).int("days")
	today := day(a.now())
	out := &HeatmapResponse{Data: make([]HeatmapDay, 0, days)}
	for d := today.AddDate(0, 0, -days+1); !d.After(today); d = d.AddDate(0, 0, 1) {
		n := countBefore(items, d.AddDate(0, 0, 1)) - countBefore(items, d)
		out.Data = append(out.Data, HeatmapDay{Date: d.Format(time.DateOnly), Count: n})
		out.MaxCount = max(out.MaxCount, n)
		if n > 0 {
			out.TotalDays++
		}
	}
	for i, d := range out.Data {
		if d.Count > 0 {
			out.Data[i].Level = min(4, int(math.Ceil(4*float64(d.Count)/float64(out.MaxCount))))
		}
	}
	return out, nil
}

// TopTagsResponse answers GET /api/analytics/top-tags.
type TopTagsResponse struct {
	Tags   []TopTag `json:"tags"`
	Period string   `json:"period"`
}

// TopTag is a tag's use in a period, its trend and the tags used with it.
type TopTag struct {
	Tag        string   `json:"tag"`
	Count      int      `json:"count"`
	Percentage float64  `json:"percentage"`
	GrowthRate *float64 `json:"growth_rate"`
	Trending   bool     `json:"trending" jsonschema:"used more than in the previous period"`
	CoOccuring []CoTag  `json:"co_occurring_tags"`
}

// CoTag is a tag used together with another; Strength is the share of the
// other tag's memories that carry it too.
type CoTag struct {
	Tag      string  `json:"tag"`
	Count    int     `json:"count"`
	Strength float64 `json:"strength"`
}

func (a *API) topTags(r *http.Request) (*TopTagsResponse, error) {
	p := paramsOf(r)
	items, err := a.snapshot(r.Context())
	if err != nil {
		return nil, err
	}
	days := map[string]int{"7d": 7, "30d": 30, "90d": 90}[p.str("period")]
	cur, prev, total := a.tagCounts(items, days)
	from := time.Time{}
	if days > 0 {
		from = a.now().AddDate(0, 0, -days)
	}
	co := map[string]map[string]int{}
	for _, it := range items[countBefore(items, from):] {
		for _, t := range it.tags {
			for _, u := range it.tags {
				if u != t {
					if co[t] == nil {
						co[t] = map[string]int{}
					}
					co[t][u]++
				}
			}
		}
	}
	out := &TopTagsResponse{Tags: []TopTag{}, Period: p.str("period")}
	for _, tc := range topN(cur, p.int("limit")) {
		tt := TopTag{Tag: tc.tag, Count: tc.n, Percentage: pct(tc.n, total), GrowthRate: growth(tc.n, prev[tc.tag], days),
			Trending: days > 0 && tc.n > prev[tc.tag], CoOccuring: []CoTag{}}
		for _, c := range topN(co[tc.tag], 5) {
			tt.CoOccuring = append(tt.CoOccuring, CoTag{Tag: c.tag, Count: c.n, Strength: round(float64(c.n)/float64(tc.n), 2)})
		}
		out.Tags = append(out.Tags, tt)
	}
	return out, nil
}

// ActivityResponse answers GET /api/analytics/activity-breakdown.
type ActivityResponse struct {
	Breakdown     []ActivityBucket `json:"breakdown"`
	PeakTimes     []string         `json:"peak_times" jsonschema:"labels of the (up to 3) busiest buckets"`
	ActiveDays    int              `json:"active_days" jsonschema:"days with at least one memory"`
	TotalDays     int              `json:"total_days" jsonschema:"days from the first memory to today"`
	CurrentStreak int              `json:"current_streak" jsonschema:"consecutive active days up to today (or yesterday)"`
	LongestStreak int              `json:"longest_streak"`
}

// ActivityBucket counts memories created in one hour of the day (hourly),
// day of the week (daily) or one of the last 12 weeks (weekly).
type ActivityBucket struct {
	Period string `json:"period"`
	Count  int    `json:"count"`
	Label  string `json:"label"`
}

func (a *API) activityBreakdown(r *http.Request) (*ActivityResponse, error) {
	gran := paramsOf(r).str("granularity")
	items, err := a.snapshot(r.Context())
	if err != nil {
		return nil, err
	}
	var buckets []ActivityBucket
	switch gran {
	case "hourly":
		for h := range 24 {
			buckets = append(buckets, ActivityBucket{Period: gran, Label: fmt.Sprintf("%02d:00", h)})
		}
		for _, it := range items {
			buckets[it.created.UTC().Hour()].Count++
		}
	case "daily":
		for i := range 7 {
			buckets = append(buckets, ActivityBucket{Period: gran, Label: time.Weekday((i + 1) % 7).String()})
		}
		for _, it := range items {
			buckets[(int(it.created.UTC().Weekday())+6)%7].Count++
		}
	default: // weekly: the last 12 weeks, Monday to Sunday
		today := day(a.now())
		monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
		for i := 11; i >= 0; i-- {
			start := monday.AddDate(0, 0, -7*i)
			_, wk := start.ISOWeek()
			buckets = append(buckets, ActivityBucket{Period: gran, Label: fmt.Sprintf("Week %d", wk),
				Count: countBefore(items, start.AddDate(0, 0, 7)) - countBefore(items, start)})
		}
	}
	out := &ActivityResponse{Breakdown: buckets, PeakTimes: []string{}}
	ranked := append([]ActivityBucket(nil), buckets...)
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Count > ranked[j].Count })
	for _, b := range ranked[:min(3, len(ranked))] {
		if b.Count > 0 {
			out.PeakTimes = append(out.PeakTimes, b.Label)
		}
	}
	a.streaks(items, out)
	return out, nil
}

// streaks fills the day counts and streaks of an activity report.
func (a *API) streaks(items []item, out *ActivityResponse) {
	if len(items) == 0 {
		return
	}
	active := map[time.Time]bool{}
	for _, it := range items {
		active[day(it.created)] = true
	}
	out.ActiveDays = len(active)
	today := day(a.now())
	first := day(items[0].created)
	out.TotalDays = int(today.Sub(first).Hours()/24) + 1
	run := 0
	for d := first; !d.After(today); d = d.AddDate(0, 0, 1) {
		if active[d] {
			run++
			out.LongestStreak = max(out.LongestStreak, run)
		} else {
			run = 0
		}
	}
	d := today
	if !active[d] {
		d = d.AddDate(0, 0, -1)
	}
	for ; active[d]; d = d.AddDate(0, 0, -1) {
		out.CurrentStreak++
	}
}

// StorageStatsResponse answers GET /api/analytics/storage-stats.
type StorageStatsResponse struct {
	TotalSizeMB       float64        `json:"total_size_mb" jsonschema:"size of the database file"`
	AverageMemorySize float64        `json:"average_memory_size" jsonschema:"average content size in bytes"`
	LargestMemories   []LargeMemory  `json:"largest_memories"`
	GrowthTrend       []StoragePoint `json:"growth_trend" jsonschema:"content size and count at the end of each of the last 30 days"`
	StorageEfficiency float64        `json:"storage_efficiency" jsonschema:"share of the database file holding memory text, in percent"`
}

// LargeMemory is one of the largest memories.
type LargeMemory struct {
	ContentHash string   `json:"content_hash"`
	SizeBytes   int      `json:"size_bytes"`
	SizeKB      float64  `json:"size_kb"`
	CreatedAt   float64  `json:"created_at"`
	Tags        []string `json:"tags"`
	Preview     string   `json:"preview"`
}

// StoragePoint is the content stored at the end of a day.
type StoragePoint struct {
	Date        string  `json:"date"`
	TotalSizeMB float64 `json:"total_size_mb"`
	MemoryCount int     `json:"memory_count"`
}

func (a *API) storageStats(r *http.Request) (*StorageStatsResponse, error) {
	st, err := a.Service.Stats(r.Context())
	if err != nil {
		return nil, err
	}
	items, err := a.snapshot(r.Context())
	if err != nil {
		return nil, err
	}
	out := &StorageStatsResponse{TotalSizeMB: mb(st.Storage.SizeBytes), LargestMemories: []LargeMemory{}, GrowthTrend: []StoragePoint{}}
	total := 0
	for _, it := range items {
		total += it.size
	}
	if len(items) > 0 {
		out.AverageMemorySize = round(float64(total)/float64(len(items)), 2)
	}
	if st.Storage.SizeBytes > 0 {
		out.StorageEfficiency = round(min(100, 100*float64(total)/float64(st.Storage.SizeBytes)), 1)
	}
	bySize := append([]item(nil), items...)
	sort.SliceStable(bySize, func(i, j int) bool { return bySize[i].size > bySize[j].size })
	for _, it := range bySize[:min(10, len(bySize))] {
		m, err := a.Service.Get(r.Context(), it.hash)
		if memory.ErrorCode(err) == memory.ENotFound {
			continue // deleted since the snapshot
		} else if err != nil {
			return nil, err
		}
		out.LargestMemories = append(out.LargestMemories, LargeMemory{ContentHash: it.hash, SizeBytes: it.size,
			SizeKB: round(float64(it.size)/1024, 2), CreatedAt: epoch(it.created), Tags: m.Tags, Preview: memory.Clip(m.Content, 100)})
	}
	today := day(a.now())
	for d := today.AddDate(0, 0, -29); !d.After(today); d = d.AddDate(0, 0, 1) {
		n, size := countBefore(items, d.AddDate(0, 0, 1)), 0
		for _, it := range items[:n] {
			size += it.size
		}
		out.GrowthTrend = append(out.GrowthTrend, StoragePoint{Date: d.Format(time.DateOnly), TotalSizeMB: mb(int64(size)), MemoryCount: n})
	}
	return out, nil
}

// countBefore returns how many items (oldest first) were created before t.
func countBefore(items []item, t time.Time) int {
	if t.IsZero() {
		return 0
	}
	return sort.Search(len(items), func(i int) bool { return !items[i].created.Before(t) })
}

// day is the start of t's day in UTC.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

type keyCount struct {
	tag string
	n   int
}

// topN sorts counts by count, then key, and keeps the first n (all if n
// is 0).
func topN(counts map[string]int, n int) []keyCount {
	out := make([]keyCount, 0, len(counts))
	for k, c := range counts {
		out = append(out, keyCount{k, c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].tag < out[j].tag
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// growth is the change from prev to cur in percent, or nil without a
// previous period or previous use.
func growth(cur, prev, days int) *float64 {
	if days == 0 || prev == 0 {
		return nil
	}
	g := round(100*float64(cur-prev)/float64(prev), 1)
	return &g
}

func pct(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return round(100*float64(n)/float64(total), 1)
}

func mb(bytes int64) float64 { return round(float64(bytes)/(1<<20), 2) }

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}
