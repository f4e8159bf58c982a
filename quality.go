package memory

// Quality: what people's ratings and the way memories are used say about
// them, the effective score search ranking uses, and reports over a
// store's quality.

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"
)

// Quality providers: where a memory's effective quality comes from.
const (
	ProviderUser     = "user_rating" // a person rated it
	ProviderImplicit = "implicit"    // how often and how recently it was read
	ProviderStored   = "stored"      // set on import, never rated or read
	ProviderDefault  = "default"     // nothing known
)

// Quality bands of upstream's distribution.
const (
	HighQuality   = 0.7
	MediumQuality = 0.5
)

// ImplicitQuality scores a memory by its use: 0.5 for one never returned
// to a reader, up to 0.9 for one read often and lately. The use term grows
// with the access count (1 − e^(−n/10)) and fades with the days since the
// last access (e^(−d/90)). A search returning a memory is weak evidence of
// its worth, hence the bounded range.
func ImplicitQuality(m *Memory, now time.Time) float64 {
	if m.AccessCount <= 0 || m.LastAccessedAt.IsZero() {
		return DefaultQuality
	}
	days := math.Max(0, now.Sub(m.LastAccessedAt).Hours()/24)
	use := 1 - math.Exp(-float64(m.AccessCount)/10)
	return DefaultQuality + 0.4*use*math.Exp(-days/90)
}

// Rated reports whether a person has rated m (Service.Rate).
func Rated(m *Memory) bool {
	_, ok := m.Metadata["user_rating"]
	return ok
}

// EffectiveQuality is the quality search ranking and consolidation use: a
// rated memory's score as ratings left it; otherwise the mean of its
// stored score and its implicit score.
func EffectiveQuality(m *Memory, now time.Time) float64 {
	if Rated(m) {
		return m.Quality
	}
	return clamp01((m.Quality + ImplicitQuality(m, now)) / 2)
}

// QualityProvider says where m's effective quality comes from.
func QualityProvider(m *Memory) string {
	switch {
	case Rated(m):
		return ProviderUser
	case m.AccessCount > 0:
		return ProviderImplicit
	case m.Quality != DefaultQuality:
		return ProviderStored
	}
	return ProviderDefault
}

// QualityInfo is one memory's quality and what it is made of.
type QualityInfo struct {
	Hash           string    `json:"content_hash"`
	QualityScore   float64   `json:"quality_score" jsonschema:"the effective score that ranking uses"`
	StoredScore    float64   `json:"stored_score" jsonschema:"the score ratings move"`
	ImplicitScore  float64   `json:"implicit_score" jsonschema:"the score use gives (0.5 unread, up to 0.9)"`
	Provider       string    `json:"quality_provider"`
	AccessCount    int64     `json:"access_count"`
	LastAccessedAt time.Time `json:"last_accessed_at,omitzero"`
	UserRating     *int      `json:"user_rating"`
	UserFeedback   string    `json:"user_feedback,omitempty"`
	RatingHistory  []any     `json:"rating_history"`
	// AIScores is always empty: this server runs no AI quality scorer.
	AIScores   map[string]any     `json:"ai_scores"`
	Components map[string]float64 `json:"quality_components"`
}

// QualityOf describes the quality of one of the caller's memories.
// Errors: EInvalid, ENotFound.
func (s *Service) QualityOf(ctx context.Context, hash string) (QualityInfo, error) {
	m, err := s.Get(ctx, hash)
	if err != nil {
		return QualityInfo{}, err
	}
	now := s.now()
	q := QualityInfo{Hash: m.Hash, QualityScore: round3(EffectiveQuality(m, now)), StoredScore: m.Quality,
		ImplicitScore: round3(ImplicitQuality(m, now)), Provider: QualityProvider(m), AccessCount: m.AccessCount,
		LastAccessedAt: m.LastAccessedAt, AIScores: map[string]any{}, RatingHistory: []any{}}
	if Rated(m) {
		r := int(Number(m.Metadata["user_rating"]))
		q.UserRating = &r
	}
	q.UserFeedback, _ = m.Metadata["user_feedback"].(string)
	if h, ok := m.Metadata["rating_history"].([]any); ok {
		q.RatingHistory = h
	}
	q.Components = map[string]float64{"stored": m.Quality, "implicit": q.ImplicitScore, "effective": q.QualityScore}
	return q, nil
}

// QualityEntry is a memory in a quality report.
type QualityEntry struct {
	Hash        string  `json:"content_hash"`
	Score       float64 `json:"quality_score"`
	Provider    string  `json:"quality_provider"`
	Preview     string  `json:"content_preview"`
	Type        string  `json:"memory_type"`
	AccessCount int64   `json:"access_count"`
}

// QualityReport is the distribution of the caller's effective quality.
type QualityReport struct {
	Total        int            `json:"total_memories"`
	High         int            `json:"high_quality_count" jsonschema:"quality >= 0.7"`
	Medium       int            `json:"medium_quality_count" jsonschema:"0.5 <= quality < 0.7"`
	Low          int            `json:"low_quality_count" jsonschema:"quality < 0.5"`
	Average      float64        `json:"average_score"`
	Providers    map[string]int `json:"provider_breakdown"`
	Top          []QualityEntry `json:"top_memories"`
	Bottom       []QualityEntry `json:"bottom_memories"`
	QualityRange [2]float64     `json:"quality_range"`
}

// reportTop is how many best and worst memories a report names.
const reportTop = 10

// QualityReport reports the effective quality of the caller's current
// (not superseded) memories whose score is within [lo, hi]. Errors:
// EInvalid for a range outside [0,1] or empty.
func (s *Service) QualityReport(ctx context.Context, lo, hi float64) (QualityReport, error) {
	r := QualityReport{Providers: map[string]int{}, Top: []QualityEntry{}, Bottom: []QualityEntry{}, QualityRange: [2]float64{lo, hi}}
	if lo < 0 || hi > 1 || lo > hi {
		return r, Errorf(EInvalid, "min_quality and max_quality must satisfy 0 <= min <= max <= 1, got %g and %g", lo, hi)
	}
	now := s.now()
	var all []QualityEntry
	var sum float64
	err := s.scan(ctx, Filter{Owner: OwnerFrom(ctx)}, func(m *Memory) bool {
		q := EffectiveQuality(m, now)
		if q < lo || q > hi {
			return true
		}
		r.Total++
		sum += q
		switch {
		case q >= HighQuality:
			r.High++
		case q >= MediumQuality:
			r.Medium++
		default:
			r.Low++
		}
		p := QualityProvider(m)
		r.Providers[p]++
		all = append(all, QualityEntry{Hash: m.Hash, Score: round3(q), Provider: p, Preview: Clip(m.Content, 100), Type: m.Type, AccessCount: m.AccessCount})
		return true
	})
	if err != nil {
		return r, err
	}
	if r.Total > 0 {
		r.Average = round3(sum / float64(r.Total))
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Score != all[j].Score {
			return all[i].Score > all[j].Score
		}
		return all[i].Hash < all[j].Hash
	})
	r.Top = append(r.Top, all[:min(reportTop, len(all))]...)
	for i := len(all) - 1; i >= 0 && len(r.Bottom) < reportTop; i-- {
		r.Bottom = append(r.Bottom, all[i])
	}
	return r, nil
}

// QualityDay is the quality of the memories created on one day.
type QualityDay struct {
	Date    string  `json:"date"`
	Average float64 `json:"average_quality_score"`
	Count   int     `json:"memory_count"`
	Max     float64 `json:"max_score"`
	Min     float64 `json:"min_score"`
}

// QualityTrends is the effective quality of memories by creation day.
type QualityTrends struct {
	Start string       `json:"start_date"`
	End   string       `json:"end_date"`
	Days  int          `json:"days_analyzed"`
	Data  []QualityDay `json:"trend_data"`
	Total int          `json:"total_memories"`
}

// QualityTrends reports the effective quality of the caller's current
// memories created in the last days days (1..3650; UTC days), one entry
// per day that has any. Errors: EInvalid.
func (s *Service) QualityTrends(ctx context.Context, days int) (QualityTrends, error) {
	if days < 1 || days > 3650 {
		return QualityTrends{}, Errorf(EInvalid, "days must be between 1 and 3650, got %d", days)
	}
	now := s.now()
	end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	start := end.AddDate(0, 0, -days)
	t := QualityTrends{Start: start.Format(time.DateOnly), End: end.AddDate(0, 0, -1).Format(time.DateOnly), Days: days, Data: []QualityDay{}}
	byDay := map[string]*QualityDay{}
	sums := map[string]float64{}
	err := s.scan(ctx, Filter{Owner: OwnerFrom(ctx), After: start, Before: end}, func(m *Memory) bool {
		q := EffectiveQuality(m, now)
		d := m.CreatedAt.Format(time.DateOnly)
		day := byDay[d]
		if day == nil {
			day = &QualityDay{Date: d, Max: q, Min: q}
			byDay[d] = day
		}
		day.Count++
		sums[d] += q
		day.Max, day.Min = math.Max(day.Max, q), math.Min(day.Min, q)
		t.Total++
		return true
	})
	if err != nil {
		return t, err
	}
	for _, d := range sortedKeys(byDay) {
		day := byDay[d]
		day.Average, day.Max, day.Min = round3(sums[d]/float64(day.Count)), round3(day.Max), round3(day.Min)
		t.Data = append(t.Data, *day)
	}
	return t, nil
}

// maxRatingHistory is how many ratings a memory remembers (upstream: 10).
const maxRatingHistory = 10

// appendRating adds a rating to the memory's rating history, keeping the
// last maxRatingHistory.
func appendRating(m *Memory, rating int, feedback string, at time.Time) {
	h, _ := m.Metadata["rating_history"].([]any)
	entry := map[string]any{"rating": rating, "at": at.Format(time.RFC3339Nano)}
	if f := strings.TrimSpace(feedback); f != "" {
		entry["feedback"] = Clip(f, 200)
	}
	h = append(h, entry)
	if len(h) > maxRatingHistory {
		h = h[len(h)-maxRatingHistory:]
	}
	m.Metadata["rating_history"] = h
}
