package consolidate

import (
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// Horizon is the time scale of a consolidation pass; it decides which
// memories are looked at and which phases run (upstream's table).
type Horizon string

// The horizons, from the most frequent to the rarest.
const (
	Daily     Horizon = "daily"
	Weekly    Horizon = "weekly"
	Monthly   Horizon = "monthly"
	Quarterly Horizon = "quarterly"
	Yearly    Horizon = "yearly"
)

// Horizons returns every horizon, most frequent first.
func Horizons() []Horizon { return []Horizon{Daily, Weekly, Monthly, Quarterly, Yearly} }

// ParseHorizon reads a horizon name ("" is an error). EInvalid names the
// valid ones.
func ParseHorizon(s string) (Horizon, error) {
	h := Horizon(strings.ToLower(strings.TrimSpace(s)))
	for _, v := range Horizons() {
		if h == v {
			return h, nil
		}
	}
	return "", memory.Errorf(memory.EInvalid, "time_horizon must be daily, weekly, monthly, quarterly or yearly, got %q", s)
}

// Phases of a pass.
const (
	PhaseDecay        = "decay"
	PhaseAssociations = "associations"
	PhaseClustering   = "clustering"
	PhaseCompression  = "compression"
	PhaseForgetting   = "forgetting"
)

// phases lists the phases a horizon runs, in order (upstream's table:
// decay always; associations weekly and monthly; clustering and
// compression weekly to quarterly; forgetting monthly to yearly).
func (h Horizon) phases() []string {
	switch h {
	case Daily:
		return []string{PhaseDecay}
	case Weekly:
		return []string{PhaseAssociations, PhaseDecay, PhaseClustering, PhaseCompression}
	case Monthly:
		return []string{PhaseAssociations, PhaseDecay, PhaseClustering, PhaseCompression, PhaseForgetting}
	case Quarterly:
		return []string{PhaseDecay, PhaseClustering, PhaseCompression, PhaseForgetting}
	case Yearly:
		return []string{PhaseDecay, PhaseForgetting}
	}
	return nil
}

// window returns the creation-time bounds of the memories a pass of h
// looks at: the last two days (daily), everything (weekly, monthly), or
// memories older than 90 days (quarterly) or a year (yearly).
func (h Horizon) window(now time.Time) (after, before time.Time) {
	switch h {
	case Daily:
		return now.Add(-48 * time.Hour), time.Time{}
	case Quarterly:
		return time.Time{}, now.AddDate(0, 0, -90)
	case Yearly:
		return time.Time{}, now.AddDate(0, 0, -365)
	}
	return time.Time{}, time.Time{}
}

// period is the interval a horizon stands for, used to tell whether a
// pass is overdue.
func (h Horizon) period() time.Duration {
	switch h {
	case Daily:
		return 24 * time.Hour
	case Weekly:
		return 7 * 24 * time.Hour
	case Monthly:
		return 30 * 24 * time.Hour
	case Quarterly:
		return 91 * 24 * time.Hour
	}
	return 365 * 24 * time.Hour
}
