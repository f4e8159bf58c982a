package memory

// Re-ranking of hybrid search: what a store knows beyond one memory's text
// (the memories stored around it, the names and times it mentions, whether
// it asks or tells) folded into the fused scores. docs/retrieval.md measures
// each step on LoCoMo, alone and together.

import (
	"context"
	"math/bits"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SignalContext marks a result found because the memories stored around it
// match the query.
const SignalContext = "context"

// Rerank configures the steps that refine a hybrid ranking. A zero weight
// turns its step off; the zero Rerank leaves the fused ranking as it is.
type Rerank struct {
	// Context lends a memory part of the score of the memories stored just
	// before and after it, so that an answer is found through the question
	// it replies to: Context times the score of an adjacent memory, 0.6 ×
	// Context of one two away; the largest loan counts. Only the
	// ContextSources best results lend, and only memories created within
	// ContextWindow of each other (and not in different conversations, see
	// StoreRequest.ConversationID) are adjacent.
	Context        float64
	ContextSources int
	ContextWindow  time.Duration
	// Entity adds Entity times the share of the query's names and numbers
	// (capitalised words other than function words, words with digits) that
	// a memory contains, whatever their frequency.
	Entity float64
	// Answer adds to Context's share the loan of a memory that ends with a
	// question to the memory stored right after it, which is most likely
	// its reply. It needs ContextSources and ContextWindow, not Context.
	Answer float64
	// Question scales down by this share a memory whose text ends with a
	// question: it asks rather than tells.
	Question float64
	// Time scales up by this share, for a query asking when something
	// happened, a memory that mentions a time ("yesterday", "last May",
	// "in 2022"; see mentionsTime).
	Time float64
}

// DefaultRerank is the re-ranking NewService sets, chosen on LoCoMo with
// leave-one-conversation-out checks (docs/retrieval.md).
func DefaultRerank() Rerank {
	return Rerank{
		Context:        0.5,
		ContextSources: 5,
		ContextWindow:  time.Hour,
		Entity:         0.1,
		Answer:         0.4,
		Question:       0.2,
		Time:           0.4,
	}
}

// rerank applies s.Rerank to fused results, best first, and returns them
// re-sorted with scores in [0,1].
func (s *Service) rerank(ctx context.Context, f Filter, query string, rs []Result) ([]Result, error) {
	rr := s.Rerank
	if len(rs) == 0 || rr == (Rerank{}) {
		return rs, nil
	}
	if ents := queryEntities(query); rr.Entity > 0 && len(ents) > 0 {
		for i := range rs {
			rs[i].Score += rr.Entity * entityShare(rs[i].Content, ents)
		}
		sortResults(rs)
	}
	var err error
	if (rr.Context > 0 || rr.Answer > 0) && rr.ContextSources > 0 {
		if rs, err = s.lendContext(ctx, f, rs); err != nil {
			return nil, err
		}
	}
	when := rr.Time > 0 && asksWhen(query)
	if rr.Question > 0 || when {
		for i := range rs {
			text := mainText(rs[i].Content)
			if rr.Question > 0 && strings.HasSuffix(text, "?") {
				rs[i].Score *= 1 - rr.Question
			}
			if when && mentionsTime(text) {
				rs[i].Score *= 1 + rr.Time
			}
		}
	}
	top := 0.0
	for _, r := range rs {
		top = max(top, r.Score)
	}
	if top > 1 {
		for i := range rs {
			rs[i].Score /= top
		}
	}
	sortResults(rs)
	return rs, nil
}

// lendContext adds to each result the best loan from the ContextSources
// best results adjacent to it, and appends the adjacent memories that were
// not results, scored by their loan alone.
func (s *Service) lendContext(ctx context.Context, f Filter, rs []Result) ([]Result, error) {
	rr := s.Rerank
	src := rs[:min(len(rs), rr.ContextSources)]
	hashes := make([]string, len(src))
	for i, r := range src {
		hashes[i] = r.Hash
	}
	// Neighbours are looked up among all the owner's memories: a filter
	// (a tag, a type, a time range) would make the store read about one
	// memory per match it skips. So under a filter a memory lends only to
	// other results, which match it, and none is added.
	filtered := len(f.Hashes) > 0 || len(f.Tags) > 0 || len(f.Types) > 0 || !f.After.IsZero() ||
		!f.Before.IsZero() || !f.StaleBefore.IsZero() || f.Contains != ""
	adj, err := s.Storage.Adjacent(ctx, Filter{Owner: f.Owner, IncludeSuperseded: f.IncludeSuperseded}, hashes, 2, max(rr.ContextWindow, 0))
	if err != nil {
		return nil, err
	}
	byHash := make(map[string]int, len(rs))
	for i, r := range rs {
		byHash[r.Hash] = i
	}
	loan := make(map[string]float64)
	var added []Result
	lend := func(from Result, to *Memory, share float64) {
		if share <= 0 {
			return
		}
		if a, b := conversation(from.Memory), conversation(to); a != "" && b != "" && a != b {
			return
		}
		if _, ok := byHash[to.Hash]; !ok {
			if filtered {
				return
			}
			byHash[to.Hash] = len(rs) + len(added)
			added = append(added, Result{Memory: to, MatchedBy: []string{SignalContext}})
		}
		if v := share * from.Score; v > loan[to.Hash] {
			loan[to.Hash] = v
		}
	}
	for _, r := range src {
		a := adj[r.Hash]
		asks := rr.Answer > 0 && strings.HasSuffix(mainText(r.Content), "?")
		for side, ms := range [][]*Memory{a.Before, a.After} {
			for j, m := range ms {
				share := rr.Context
				if j > 0 {
					share *= 0.6 // two away
				}
				if asks && side == 1 && j == 0 {
					share += rr.Answer // the reply
				}
				lend(r, m, share)
			}
		}
	}
	n := len(rs)
	rs = append(rs, added...)
	for i := range rs {
		if v := loan[rs[i].Hash]; v > 0 {
			rs[i].Score += v
			if i < n {
				rs[i].MatchedBy = append(rs[i].MatchedBy, SignalContext)
			}
		}
	}
	return rs, nil
}

// conversation returns the conversation id a memory was stored with, or "".
func conversation(m *Memory) string {
	id, _ := m.Metadata["conversation_id"].(string)
	return id
}

// mainText returns content without a trailing bracketed annotation (such as
// an image caption, "… [image: a photo of a dog]") and surrounding space.
func mainText(content string) string {
	t := strings.TrimSpace(content)
	if strings.HasSuffix(t, "]") {
		if i := strings.LastIndex(t, " ["); i > 0 {
			t = strings.TrimSpace(t[:i])
		}
	}
	return t
}

// asksWhen reports whether an English query asks when something happened.
func asksWhen(query string) bool {
	words := Words(query)
	for i, w := range words {
		switch w {
		case "when":
			return true
		case "what", "which":
			if i+1 < len(words) {
				switch words[i+1] {
				case "date", "day", "year", "month", "week", "time", "weekend":
					return true
				}
			}
		case "how":
			if i+2 < len(words) && words[i+1] == "long" && words[i+2] == "ago" {
				return true
			}
		}
	}
	return false
}

// maxEntities bounds the names and numbers taken from one query.
const maxEntities = 32

// timeWords are English words that place what a text tells in time. "May",
// "fall" and "second" are left out: they are more often something else.
var timeWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`yesterday today tonight tomorrow ago last next recently lately earlier
		later soon week weeks weekend weekends month months year years morning afternoon evening night
		nights day days decade hour hours minute minutes monday tuesday wednesday thursday friday saturday
		sunday january february march april june july august september october november december jan feb
		mar apr jun jul aug sep sept oct nov dec spring summer autumn winter christmas easter thanksgiving
		halloween birthday anniversary`) {
		m[w] = true
	}
	return m
}()

// mentionsTime reports whether an English text mentions a time: a word of
// timeWords, a year (1900-2099) or a day of the month ("3rd", "21st"). It
// is a cheap test of presence, not a parse; Service.TimeExtractor parses,
// at a hundred times the cost, too much for every candidate of a search.
func mentionsTime(text string) bool {
	for _, w := range Words(text) {
		switch {
		case timeWords[w]:
			return true
		case len(w) == 4 && (strings.HasPrefix(w, "19") || strings.HasPrefix(w, "20")) && allDigits(w):
			return true
		case len(w) >= 3 && len(w) <= 4 && allDigits(w[:len(w)-2]) && slices.Contains([]string{"st", "nd", "rd", "th"}, w[len(w)-2:]):
			return true
		}
	}
	return false
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// queryEntities returns the lower-cased names and numbers of a query:
// words written with a capital letter that are not function words, and
// words with a digit; without duplicates.
func queryEntities(query string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(query, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' }) {
		f = strings.TrimSuffix(strings.TrimSuffix(f, "'s"), "’s")
		f = strings.Trim(f, "'’")
		r, _ := utf8.DecodeRuneInString(f)
		if f == "" || !unicode.IsUpper(r) && !strings.ContainsFunc(f, unicode.IsDigit) {
			continue
		}
		for _, w := range Words(f) {
			if !stopWords[w] && !slices.Contains(out, w) && len(out) < maxEntities {
				out = append(out, w)
			}
		}
	}
	return out
}

// entityShare returns the share of ents (lower-case words) that content
// contains as whole words.
func entityShare(content string, ents []string) float64 {
	var found uint64 // bit j: ents[j] seen (at most maxEntities)
	for _, w := range Words(content) {
		for j, e := range ents {
			if w == e {
				found |= 1 << j
			}
		}
	}
	return float64(bits.OnesCount64(found)) / float64(len(ents))
}
