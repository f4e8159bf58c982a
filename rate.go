package memory

import (
	"context"
	"strings"
)

// RateResult is a memory's quality before and after a rating.
type RateResult struct {
	Hash       string  `json:"content_hash"`
	OldQuality float64 `json:"old_quality_score"`
	NewQuality float64 `json:"new_quality_score"`
}

// ratingTargets are the quality scores the three ratings pull towards.
var ratingTargets = map[int]float64{-1: 0, 0: DefaultQuality, 1: 1}

// maxFeedback is the longest feedback kept, in characters.
const maxFeedback = 1000

// Rate records a person's judgement of a memory: rating 1 (useful), 0
// (neutral) or -1 (wrong or useless), with optional feedback. The quality
// score moves halfway towards 1, 0.5 or 0, so repeated ratings converge and
// one click never erases what was known. metadata keeps user_rating and
// user_feedback, and rating_history the last ten ratings; updated_at is unchanged (the memory itself did not
// change). Errors: EInvalid for another rating, ENotFound.
func (s *Service) Rate(ctx context.Context, hash string, rating int, feedback string) (RateResult, error) {
	target, ok := ratingTargets[rating]
	if !ok {
		return RateResult{}, Errorf(EInvalid, "rating must be -1, 0 or 1, got %d", rating)
	}
	m, err := s.Get(ctx, hash)
	if err != nil {
		return RateResult{}, err
	}
	res := RateResult{Hash: m.Hash, OldQuality: m.Quality}
	m.Quality = clamp01((m.Quality + target) / 2)
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	m.Metadata["user_rating"] = rating
	if f := strings.TrimSpace(feedback); f != "" {
		m.Metadata["user_feedback"] = Clip(f, maxFeedback)
	}
	appendRating(m, rating, feedback, s.now())
	if err := s.Storage.Update(ctx, m); err != nil {
		return res, err
	}
	res.NewQuality = m.Quality
	s.publishUpdated(m)
	return res, nil
}
