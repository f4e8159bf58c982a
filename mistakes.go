package memory

// Mistake notes: what went wrong, in which context, and what to do
// instead, counted each time the same mistake is made again.

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// MistakeType and MistakeTags are the type and tags of mistake notes
// (upstream's).
const MistakeType = "mistake"

// MistakeTags are the tags every mistake note carries.
var MistakeTags = []string{"mistake-note", "error-replay"}

// MistakeNote describes a mistake to remember. Every field is required.
type MistakeNote struct {
	ErrorPattern     string `json:"error_pattern"`
	ContextSignature string `json:"context_signature"`
	IncorrectAction  string `json:"incorrect_action"`
	CorrectAction    string `json:"correct_action"`
}

// MistakeResult says what AddMistakeNote did.
type MistakeResult struct {
	// Status is "created" for a new note, "updated" for a repeat.
	Status       string  `json:"status"`
	Hash         string  `json:"content_hash"`
	FailureCount int     `json:"failure_count"`
	Message      string  `json:"message"`
	Similarity   float64 `json:"similarity,omitempty"`
}

// content renders a note as upstream does.
func (n MistakeNote) content() string {
	return n.prefix() + "Wrong: " + strings.TrimSpace(n.IncorrectAction) + "\nRight: " + strings.TrimSpace(n.CorrectAction)
}

// prefix is the part of the content that identifies the mistake.
func (n MistakeNote) prefix() string {
	return "Pattern: " + strings.TrimSpace(n.ErrorPattern) + "\nContext: " + strings.TrimSpace(n.ContextSignature) + "\n"
}

// AddMistakeNote records a mistake. A note for the same mistake (the same
// pattern and context, or one at least MistakeDedupThreshold similar in
// meaning) gets its failure_count incremented instead of a second note.
// Errors: EInvalid for a missing field.
func (s *Service) AddMistakeNote(ctx context.Context, n MistakeNote) (MistakeResult, error) {
	for _, f := range []struct{ name, v string }{
		{"error_pattern", n.ErrorPattern}, {"context_signature", n.ContextSignature},
		{"incorrect_action", n.IncorrectAction}, {"correct_action", n.CorrectAction},
	} {
		if strings.TrimSpace(f.v) == "" {
			return MistakeResult{Status: "error"}, Errorf(EInvalid, "%s is required", f.name)
		}
	}
	s.mistakeMu.Lock()
	defer s.mistakeMu.Unlock()
	owner := OwnerFrom(ctx)
	content := NormalizeContent(n.content())
	same, sim, err := s.findMistake(ctx, owner, n, content)
	if err != nil {
		return MistakeResult{Status: "error"}, err
	}
	if same == nil {
		res, err := s.Store(ctx, StoreRequest{Content: content, Type: MistakeType, Tags: MistakeTags, SkipSemanticDedup: true,
			Metadata: map[string]any{"failure_count": 1, "error_pattern": strings.TrimSpace(n.ErrorPattern), "context_signature": strings.TrimSpace(n.ContextSignature)}})
		switch {
		case err == nil:
			m := res.Memories[0]
			return MistakeResult{Status: "created", Hash: m.Hash, FailureCount: 1, Message: "Mistake note stored"}, nil
		case ErrorCode(err) != EConflict:
			return MistakeResult{Status: "error"}, err
		}
		// The same text is stored already (perhaps superseded): count it.
		if same, err = s.Storage.Get(ctx, owner, ContentHash(content)); err != nil {
			return MistakeResult{Status: "error"}, err
		}
		sim = 1
	}
	count := int(Number(same.Metadata["failure_count"]))
	if count < 1 {
		count = 1
	}
	count++
	now := s.now()
	same.Metadata["failure_count"] = count
	same.Metadata["last_failure_at"] = now.Format(time.RFC3339Nano)
	same.UpdatedAt = now
	if err := s.Storage.Update(ctx, same); err != nil {
		return MistakeResult{Status: "error"}, err
	}
	s.publishUpdated(same)
	return MistakeResult{Status: "updated", Hash: same.Hash, FailureCount: count, Similarity: round3(sim),
		Message: fmt.Sprintf("Known mistake seen again (%d times)", count)}, nil
}

// findMistake returns the stored note for the same mistake, if any: first
// by its pattern and context, then by meaning.
func (s *Service) findMistake(ctx context.Context, owner string, n MistakeNote, content string) (*Memory, float64, error) {
	f := Filter{Owner: owner, Types: []string{MistakeType}, Contains: n.prefix()}
	ms, _, err := s.Storage.Find(ctx, f, Page{Limit: 1})
	if err != nil {
		return nil, 0, err
	}
	if len(ms) > 0 {
		return ms[0], 1, nil
	}
	if s.Embedder == nil {
		return nil, 0, nil
	}
	vecs, err := s.embed(ctx, []string{content})
	if err != nil || isZero(vecs[0]) {
		return nil, 0, nil // no vector: only exact repeats are recognised
	}
	model := s.model().Name
	hits, err := s.Storage.VectorSearch(ctx, Filter{Owner: owner, Types: []string{MistakeType}}, model, vecs[0], 1)
	if err != nil {
		return nil, 0, err
	}
	if len(hits) > 0 && Calibrated(hits[0].Score, s.strictBaseline(ctx, owner, model)) >= s.MistakeDedupThreshold {
		return hits[0].Memory, hits[0].Score, nil
	}
	return nil, 0, nil
}

// MistakeMatch is a mistake note found by SearchMistakeNotes.
type MistakeMatch struct {
	Hash         string    `json:"content_hash"`
	Content      string    `json:"content"`
	Similarity   float64   `json:"similarity"`
	FailureCount int       `json:"failure_count"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// SearchMistakeNotes finds the mistake notes most relevant to query (a
// situation about to be handled), best first; limit is 1..100 (0 means
// 5). Errors: EInvalid.
func (s *Service) SearchMistakeNotes(ctx context.Context, query string, limit int) ([]MistakeMatch, error) {
	if strings.TrimSpace(query) == "" {
		return nil, Errorf(EInvalid, "query is required: describe the situation")
	}
	if limit == 0 {
		limit = 5
	}
	res, err := s.Search(ctx, SearchRequest{Query: query, Limit: limit, Types: []string{MistakeType}})
	if err != nil {
		return nil, err
	}
	out := []MistakeMatch{}
	for _, r := range res.Results {
		c := int(Number(r.Metadata["failure_count"]))
		out = append(out, MistakeMatch{Hash: r.Hash, Content: r.Content, Similarity: round3(r.Score), FailureCount: max(c, 1), UpdatedAt: r.UpdatedAt})
	}
	return out, nil
}
