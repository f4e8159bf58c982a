package consolidate

// Maintenance (memory_quality maintain): one report of what needs
// attention, and with DryRun off the one safe repair, merging duplicates.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// staleDays is upstream's MCP_MAINTAIN_STALE_DAYS default.
const staleDays = 30

// MaintainReport says what maintenance found and did.
type MaintainReport struct {
	DryRun     bool      `json:"dry_run"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS float64   `json:"duration_ms"`
	// Duplicates are memories differing only in case, spacing or
	// punctuation from an older one: merged into it unless DryRun.
	Duplicates       int `json:"duplicates"`
	DuplicatesMerged int `json:"duplicates_merged"`
	// Conflicts counts unresolved conflicts (memory_conflicts lists
	// them; maintenance never decides them).
	Conflicts int `json:"unresolved_conflicts"`
	// Stale counts current memories unused for 30 days.
	Stale    int             `json:"stale_memories"`
	Quality  QualitySnapshot `json:"quality"`
	Archived int             `json:"archived_memories"`
	// Advice is whether a weekly consolidation pass is worth running.
	Advice *Recommendation   `json:"consolidation,omitempty"`
	Steps  []string          `json:"steps"`
	Errors map[string]string `json:"errors,omitempty"`
}

// QualitySnapshot is the quality distribution in brief.
type QualitySnapshot struct {
	Total   int     `json:"total_memories"`
	High    int     `json:"high"`
	Medium  int     `json:"medium"`
	Low     int     `json:"low"`
	Average float64 `json:"average"`
}

func maintainKey(owner string) string { return "maintain/" + owner }

// Maintain checks the caller's memories (duplicates, conflicts, stale
// memories, quality, the archive, whether to consolidate) and, unless
// dryRun, merges duplicates. A step that fails is reported and the others
// go on. The report is kept for LastMaintain.
func (c *Consolidator) Maintain(ctx context.Context, dryRun bool) (MaintainReport, error) {
	start := c.now()
	r := MaintainReport{DryRun: dryRun, StartedAt: start, Steps: []string{}}
	fail := func(step string, err error) {
		if r.Errors == nil {
			r.Errors = map[string]string{}
		}
		r.Errors[step] = memory.ErrorMessage(err)
	}
	svc := c.Service
	if dryRun {
		if d, err := svc.CleanupPreview(ctx); err != nil {
			fail("duplicates", err)
		} else {
			r.Duplicates = len(d.Removed)
			r.Steps = append(r.Steps, fmt.Sprintf("duplicates: %d would be merged (dry run)", r.Duplicates))
		}
	} else if d, err := svc.Cleanup(ctx); err != nil {
		fail("duplicates", err)
	} else {
		r.Duplicates, r.DuplicatesMerged = len(d.Removed), len(d.Removed)
		r.Steps = append(r.Steps, fmt.Sprintf("duplicates: %d merged into their oldest copy", r.DuplicatesMerged))
	}
	if svc.Graph != nil {
		if cs, err := svc.Conflicts(ctx); err != nil {
			fail("conflicts", err)
		} else {
			r.Conflicts = len(cs)
			r.Steps = append(r.Steps, fmt.Sprintf("conflicts: %d unresolved (see memory_conflicts)", r.Conflicts))
		}
	}
	if l, err := svc.List(ctx, memory.ListRequest{StaleDays: staleDays, PageSize: 1}); err != nil {
		fail("stale", err)
	} else {
		r.Stale = l.Total
		r.Steps = append(r.Steps, fmt.Sprintf("stale: %d memories unused for %d days", r.Stale, staleDays))
	}
	if q, err := svc.QualityReport(ctx, 0, 1); err != nil {
		fail("quality", err)
	} else {
		r.Quality = QualitySnapshot{Total: q.Total, High: q.High, Medium: q.Medium, Low: q.Low, Average: q.Average}
		r.Steps = append(r.Steps, fmt.Sprintf("quality: %d high, %d medium, %d low, average %.2f", q.High, q.Medium, q.Low, q.Average))
	}
	if svc.Archive != nil {
		if l, err := svc.Archived(ctx, 1, 1); err != nil {
			fail("archive", err)
		} else {
			r.Archived = l.Total
			r.Steps = append(r.Steps, fmt.Sprintf("archive: %d memories", r.Archived))
		}
	}
	if c.State != nil {
		if a, err := c.Recommend(ctx, Weekly); err != nil {
			fail("consolidation", err)
		} else {
			r.Advice = &a
			r.Steps = append(r.Steps, "consolidation: "+a.Recommendation)
		}
	}
	r.DurationMS = float64(c.now().Sub(start).Microseconds()) / 1000
	if c.State != nil {
		if b, err := json.Marshal(r); err == nil {
			if err := c.State.SetValue(ctx, maintainKey(memory.OwnerFrom(ctx)), string(b)); err != nil {
				c.Logger.Warn("keeping the maintenance report", "err", err)
			}
		}
	}
	return r, nil
}

// LastMaintain returns the caller's last maintenance report, or nil if
// maintenance never ran.
func (c *Consolidator) LastMaintain(ctx context.Context) (*MaintainReport, error) {
	if c.State == nil {
		return nil, nil
	}
	v, ok, err := c.State.Value(ctx, maintainKey(memory.OwnerFrom(ctx)))
	if err != nil || !ok {
		return nil, err
	}
	var r MaintainReport
	if err := json.Unmarshal([]byte(v), &r); err != nil {
		return nil, fmt.Errorf("reading the last maintenance report: %w", err)
	}
	return &r, nil
}
