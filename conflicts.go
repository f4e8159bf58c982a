package memory

// Conflicts: memories of nearly the same meaning but different content,
// found when a memory is stored, listed until a person (or agent) decides
// which one holds.

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Conflict statuses kept in a contradicts edge's metadata.
const (
	ConflictUnresolved = "unresolved"
	ConflictResolved   = "resolved"
)

// conflictNeighbours is how many nearest memories a new memory is
// compared with (upstream: 5).
const conflictNeighbours = 5

// maxLCSWords bounds the texts whose divergence is measured in word
// order; longer ones are compared as bags of words.
const maxLCSWords = 600

// Conflict is a pair of live memories that say nearly the same thing
// differently.
type Conflict struct {
	HashA      string    `json:"hash_a"`
	HashB      string    `json:"hash_b"`
	ContentA   string    `json:"content_a"`
	ContentB   string    `json:"content_b"`
	Similarity float64   `json:"similarity"`
	Divergence float64   `json:"divergence"`
	DetectedAt time.Time `json:"detected_at"`
}

// detectConflicts links each newly stored memory to the live memories it
// nearly repeats with different content. It never fails the store that
// called it: errors are logged, and the conflicts found are returned as
// warnings for the caller.
func (s *Service) detectConflicts(ctx context.Context, owner string, ms []*Memory) []string {
	if !s.ConflictDetection || s.Graph == nil {
		return nil
	}
	now := s.now()
	var edges []Edge
	var warnings []string
	baselineOf := s.strictBaselines(ctx, owner)
	for _, m := range ms {
		if len(m.Embedding) == 0 || IsSummary(m) {
			continue
		}
		hits, err := s.Storage.VectorSearch(ctx, Filter{Owner: owner}, m.EmbeddingModel, m.Embedding, conflictNeighbours+1)
		if err != nil {
			s.Logger.Warn("conflict detection", "err", err)
			return nil
		}
		baseline := baselineOf(m.EmbeddingModel)
		for _, h := range hits {
			o := h.Memory
			if o.Hash == m.Hash || Calibrated(h.Score, baseline) < s.ConflictSimilarity || sameOrigin(m, o) || IsSummary(o) {
				continue
			}
			// Different content: worded differently enough, or stating
			// other figures ("at 9:30" → "at 10:30"), which a model that
			// does not see digits takes for the same memory.
			div, elaboration := Divergence(m.Content, o.Content)
			if elaboration || div < s.ConflictDivergence && sameFigures(m.Content, o.Content) {
				continue
			}
			edges = append(edges, Edge{Owner: owner, Source: m.Hash, Target: o.Hash, Type: RelContradicts,
				Similarity: round3(h.Score), CreatedAt: now, UpdatedAt: now,
				Metadata: map[string]any{"divergence": round3(div), "calibrated_similarity": round3(Calibrated(h.Score, baseline)),
					"status": ConflictUnresolved, "origin": "store", "detected_at": now.Format(time.RFC3339Nano)}})
			warnings = append(warnings, fmt.Sprintf("possible conflict with %s (similarity %.2f, divergence %.2f): keep one with memory_resolve", o.Hash, h.Score, div))
		}
	}
	if len(edges) == 0 {
		return nil
	}
	if _, err := s.Graph.PutEdges(ctx, edges); err != nil {
		s.Logger.Warn("recording conflicts", "err", err)
		return nil
	}
	for _, e := range edges {
		s.publish(Event{Type: EventConflict, Owner: owner, Hash: e.Source, Hashes: []string{e.Source, e.Target}, Count: 1, At: now,
			Data: map[string]any{"hash_a": e.Source, "hash_b": e.Target, "similarity": e.Similarity, "divergence": e.Metadata["divergence"]}})
	}
	return warnings
}

// sameOrigin reports whether two memories are parts or versions of one
// thing (chunks of one content, one document, one session, or a version
// and its parent), which are alike on purpose.
func sameOrigin(a, b *Memory) bool {
	if a.Metadata["parent_hash"] == b.Hash || b.Metadata["parent_hash"] == a.Hash {
		return true
	}
	for _, k := range []string{"original_hash", "upload_id", "session_id", "conversation_id"} {
		if va, ok := a.Metadata[k].(string); ok && va != "" && va == b.Metadata[k] {
			return true
		}
	}
	return false
}

// negations are words whose addition turns an elaboration into a
// contradiction ("deploys happen on Friday" → "deploys never happen on
// Friday").
var negations = map[string]bool{
	"not": true, "no": true, "never": true, "don": true, "doesn": true, "didn": true, "isn": true,
	"aren": true, "wasn": true, "weren": true, "won": true, "t": true, "cannot": true, "without": true,
	"stop": true, "stopped": true, "instead": true, "nor": true, "neither": true, "deprecated": true,
	"removed": true, "avoid": true, "false": true, "wrong": true,
}

// Divergence measures how differently two texts are worded, from 0 (the
// same words in the same order) to 1 (no word in common): one minus the
// share of words in their longest common subsequence (case-folded words,
// as upstream's difflib ratio but over words, so that one changed number
// in a short sentence counts). Texts longer than a few hundred words are
// compared as bags of words. Elaboration is true when one text is the
// other with words added, none of them a negation: a more detailed
// version, not a contradiction.
func Divergence(a, b string) (div float64, elaboration bool) {
	wa, wb := Words(a), Words(b)
	if len(wa)+len(wb) == 0 {
		return 0, false
	}
	var common int
	if len(wa) <= maxLCSWords && len(wb) <= maxLCSWords {
		common = lcs(wa, wb)
	} else {
		common = bagOverlap(wa, wb)
	}
	div = 1 - 2*float64(common)/float64(len(wa)+len(wb))
	if short, long := min(len(wa), len(wb)), max(len(wa), len(wb)); common == short && long > short {
		elaboration = !addsNegation(wa, wb)
	}
	return div, elaboration
}

// lcs returns the length of the longest common subsequence of two word
// lists.
func lcs(a, b []string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// bagOverlap returns the size of the multiset intersection of two word
// lists.
func bagOverlap(a, b []string) int {
	count := make(map[string]int, len(a))
	for _, w := range a {
		count[w]++
	}
	n := 0
	for _, w := range b {
		if count[w] > 0 {
			count[w]--
			n++
		}
	}
	return n
}

// addsNegation reports whether the longer word list has a negation the
// shorter one lacks.
func addsNegation(a, b []string) bool {
	has := func(ws []string) map[string]bool {
		m := map[string]bool{}
		for _, w := range ws {
			if negations[w] {
				m[w] = true
			}
		}
		return m
	}
	na, nb := has(a), has(b)
	if len(na) == len(nb) {
		return false
	}
	for w := range na {
		if !nb[w] {
			return true
		}
	}
	for w := range nb {
		if !na[w] {
			return true
		}
	}
	return false
}

// Conflicts lists the caller's unresolved conflicts between memories that
// are live and current (not superseded), most recently detected first.
// EUnavailable without a graph.
func (s *Service) Conflicts(ctx context.Context) ([]Conflict, error) {
	if s.Graph == nil {
		return nil, errNoGraph
	}
	owner := OwnerFrom(ctx)
	edges, err := s.Graph.Edges(ctx, EdgeFilter{Owner: owner, Types: []string{RelContradicts}})
	if err != nil {
		return nil, err
	}
	var open []Edge
	hashes := map[string]bool{}
	for _, e := range edges {
		if e.Metadata["status"] == ConflictResolved {
			continue
		}
		open = append(open, e)
		hashes[e.Source], hashes[e.Target] = true, true
	}
	byHash, err := s.byHash(ctx, owner, sortedKeys(hashes))
	if err != nil {
		return nil, err
	}
	out := []Conflict{}
	for _, e := range open {
		a, b := byHash[e.Source], byHash[e.Target]
		if a == nil || b == nil {
			continue
		}
		c := Conflict{HashA: a.Hash, HashB: b.Hash, ContentA: a.Content, ContentB: b.Content,
			Similarity: e.Similarity, Divergence: Number(e.Metadata["divergence"]), DetectedAt: e.CreatedAt}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].DetectedAt.After(out[j].DetectedAt) })
	return out, nil
}

// ResolveResult says how a conflict was resolved.
type ResolveResult struct {
	Success    bool   `json:"success"`
	Message    string `json:"message"`
	WinnerHash string `json:"winner_hash"`
	LoserHash  string `json:"loser_hash"`
}

// Resolve keeps winner and retires loser: loser becomes superseded by
// winner (see Supersede), winner is marked accessed, and the conflict
// between them is recorded as resolved. Any two of the caller's memories
// may be resolved this way, in conflict or not. Errors: as Supersede.
func (s *Service) Resolve(ctx context.Context, winnerHash, loserHash string) (ResolveResult, error) {
	winnerHash, loserHash = strings.TrimSpace(winnerHash), strings.TrimSpace(loserHash)
	res := ResolveResult{WinnerHash: winnerHash, LoserHash: loserHash}
	winner, loser, err := s.supersede(ctx, loserHash, winnerHash, "winner_hash", "loser_hash")
	if err != nil {
		return res, err
	}
	now := s.now()
	if err := s.Storage.Touch(ctx, winner.Owner, []string{winner.Hash}, now); err != nil {
		s.Logger.Warn("recording access of a conflict's winner", "err", err)
	}
	if s.Graph != nil {
		if err := s.markResolved(ctx, winner, loser, now); err != nil {
			s.Logger.Warn("recording a resolved conflict", "err", err)
		}
	}
	res.Success = true
	res.Message = fmt.Sprintf("Kept %s; %s is now superseded by it (hidden from search, listed with include_superseded)", winner.Hash, loser.Hash)
	return res, nil
}

// Supersede marks the caller's memory old as replaced by newer: old stays
// (listed with include_superseded) but is hidden from search. Errors:
// EInvalid (missing or equal hashes, a superseded newer), ENotFound,
// EConflict (old already superseded).
func (s *Service) Supersede(ctx context.Context, old, newer string) error {
	_, _, err := s.supersede(ctx, strings.TrimSpace(old), strings.TrimSpace(newer), "new hash", "old hash")
	return err
}

func (s *Service) supersede(ctx context.Context, oldHash, newHash, newName, oldName string) (newer, old *Memory, err error) {
	switch {
	case newHash == "" || oldHash == "":
		return nil, nil, Errorf(EInvalid, "%s and %s are both required", newName, oldName)
	case newHash == oldHash:
		return nil, nil, Errorf(EInvalid, "%s and %s are the same memory", newName, oldName)
	}
	if newer, err = s.Get(ctx, newHash); err != nil {
		return nil, nil, err
	}
	if old, err = s.Get(ctx, oldHash); err != nil {
		return nil, nil, err
	}
	if newer.SupersededBy != "" {
		return nil, nil, Errorf(EInvalid, "memory %s is itself superseded by %s; use that version", newer.Hash, newer.SupersededBy)
	}
	if old.SupersededBy != "" {
		return nil, nil, Errorf(EConflict, "memory %s is already superseded by %s", old.Hash, old.SupersededBy)
	}
	old.SupersededBy, old.UpdatedAt = newer.Hash, s.now()
	if err := s.Storage.Update(ctx, old); err != nil {
		return nil, nil, err
	}
	s.publishUpdated(old)
	return newer, old, nil
}

// markResolved records the resolution on the contradicts edge between
// winner and loser, if there is one.
func (s *Service) markResolved(ctx context.Context, winner, loser *Memory, now time.Time) error {
	edges, err := s.Graph.Edges(ctx, EdgeFilter{Owner: winner.Owner, Hashes: []string{loser.Hash}, Types: []string{RelContradicts}, IncludeSuperseded: true})
	if err != nil {
		return err
	}
	var upd []Edge
	for _, e := range edges {
		if e.Other(loser.Hash) != winner.Hash {
			continue
		}
		e.Metadata["status"], e.Metadata["winner"], e.Metadata["resolved_at"] = ConflictResolved, winner.Hash, now.Format(time.RFC3339Nano)
		e.UpdatedAt = now
		upd = append(upd, e)
	}
	if len(upd) == 0 {
		return nil
	}
	_, err = s.Graph.PutEdges(ctx, upd)
	return err
}

// byHash loads owner's live, current (not superseded) memories with these
// hashes.
func (s *Service) byHash(ctx context.Context, owner string, hashes []string) (map[string]*Memory, error) {
	out := make(map[string]*Memory, len(hashes))
	const chunk = 500
	for i := 0; i < len(hashes); i += chunk {
		ms, _, err := s.Storage.Find(ctx, Filter{Owner: owner, Hashes: hashes[i:min(i+chunk, len(hashes))]}, Page{})
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out[m.Hash] = m
		}
	}
	return out, nil
}

// Number reads a number kept in metadata: float64 after a JSON round trip,
// an integer or float32 before; anything else is 0.
func Number(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	return 0
}

// round3 rounds to three decimals, for readable stored figures.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

var errNoGraph = Errorf(EUnavailable, "the storage backend keeps no relations between memories")
