package consolidate

// Relevance: how much a memory still matters, from its importance, its
// age since last use, its use, its connections and its quality.

import (
	"math"
	"slices"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// tagImportance is the base importance tags give (upstream's table); the
// highest applies.
var tagImportance = map[string]float64{
	"critical": 2.0, "important": 1.5, "urgent": 1.4, "reference": 1.3, "project": 1.2,
	"personal": 1.1, "note": 0.9, "draft": 0.8, "temporary": 0.7,
}

// typeRetention is the retention in days of memory base types that keep
// longer (or shorter) than the standard (upstream's defaults).
var typeRetention = map[string]int{"decision": 365, "learning": 180, "pattern": 90, "error": 30, "observation": 30}

// protectedTags keep a memory's relevance at 0.5 or more and out of
// forgetting.
var protectedTags = []string{"critical", "important", "reference", "permanent", "pinned"}

// protectedFloor is the least relevance of a protected memory.
const protectedFloor = 0.5

// importance is a memory's base importance: metadata importance_score
// (0..2) when set, else the highest of its tags', else 1.
func importance(m *memory.Memory) float64 {
	if v := memory.Number(m.Metadata["importance_score"]); v > 0 {
		return math.Min(v, 2)
	}
	best := 0.0
	for _, t := range m.Tags {
		best = math.Max(best, tagImportance[t])
	}
	if best == 0 {
		return 1
	}
	return best
}

// temporary reports whether a memory is tagged as temporary.
func temporary(m *memory.Memory) bool {
	return slices.Contains(m.Tags, "temporary") || slices.Contains(m.Tags, "temp")
}

// retention is the number of days over which m's relevance decays by e.
func (c Config) retention(m *memory.Memory) float64 {
	switch {
	case slices.Contains(m.Tags, "critical") || slices.Contains(m.Tags, "permanent"):
		return float64(c.RetentionCritical)
	case temporary(m):
		return float64(c.RetentionTemporary)
	case m.Type == "reference" || slices.Contains(m.Tags, "reference"):
		return float64(c.RetentionReference)
	}
	base, _ := memory.BaseType(m.Type)
	if d, ok := typeRetention[base]; ok {
		return float64(min(d, c.RetentionCritical))
	}
	return float64(c.RetentionStandard)
}

// protected reports whether m is kept whatever its relevance: tagged
// critical, important, reference, permanent or pinned, rated useful by a
// person, or a mistake made three times or more.
func protected(m *memory.Memory) bool {
	for _, t := range protectedTags {
		if slices.Contains(m.Tags, t) {
			return true
		}
	}
	if memory.Rated(m) && memory.Number(m.Metadata["user_rating"]) > 0 {
		return true
	}
	return m.Type == memory.MistakeType && memory.Number(m.Metadata["failure_count"]) >= 3
}

// lastUse is when m was last created, changed or read.
func lastUse(m *memory.Memory) time.Time {
	t := m.CreatedAt
	for _, u := range []time.Time{m.UpdatedAt, m.LastAccessedAt} {
		if u.After(t) {
			t = u
		}
	}
	return t
}

// days is the number of days from t to now, never negative.
func days(t, now time.Time) float64 { return math.Max(0, now.Sub(t).Hours()/24) }

// Relevance scores how much m still matters at now, given its number of
// connections (edges): importance × e^(−days since last use / retention)
// × access (1 + 0.1·ln(1 + reads), at most 1.5) × connections (1 + 0.1
// per edge up to 10, times ConnectionBoost from MinConnectionsForBoost
// edges) × quality (0.5 + effective quality). A fresh, unread, unrated
// note scores 1; protected memories never score below 0.5. The result is
// rounded to four decimals, so that it is the same on every machine.
func (c Config) Relevance(m *memory.Memory, connections int, now time.Time) float64 {
	decay := math.Exp(-days(lastUse(m), now) / c.retention(m))
	access := math.Min(1.5, 1+0.1*math.Log1p(float64(max(m.AccessCount, 0))))
	conn := 1 + 0.1*float64(min(connections, 10))
	if c.MinConnectionsForBoost > 0 && connections >= c.MinConnectionsForBoost {
		conn *= c.ConnectionBoost
	}
	q := 0.5 + memory.EffectiveQuality(m, now)
	r := importance(m) * decay * access * conn * q
	if protected(m) {
		r = math.Max(r, protectedFloor)
	}
	return math.Round(r*1e4) / 1e4
}
