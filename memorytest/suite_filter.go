package memorytest

// Contract tests of Filter: every field, in every method that takes one,
// and ranked searches that filter before they rank.

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
)

// filterFixture stores the memories the filter table refers to by name.
func filterFixture(t *testing.T, s memory.Store) (map[string]*memory.Memory, names) {
	h := time.Hour
	ms := map[string]*memory.Memory{
		"a": NewMemory(alice, "Fixture alpha one 100% done", WithTags("alpha", "beta"), At(Epoch)),
		"b": NewMemory(alice, "fixture BETA two under_score", WithTags("beta"), WithType("decision"), At(Epoch.Add(h))),
		"c": NewMemory(alice, "fixture gamma three", WithTags("gamma"), WithType("task"), At(Epoch.Add(2*h)),
			SupersededBy(memory.ContentHash("fixture gamma four"))),
		"d": NewMemory(alice, "fixture Ünïcode ÉCOLE four", WithType("note"), At(Epoch.Add(3*h)),
			Accessed(Epoch.Add(10*h), 1)),
		"e": NewMemory(alice, "fixture percent%sign five", WithTags("alpha"), WithType("reference"), At(Epoch.Add(4*h))),
		"z": NewMemory(bob, "fixture alpha bob", WithTags("alpha", "beta"), At(Epoch)),
	}
	n := names{}
	var all []*memory.Memory
	for _, k := range []string{"a", "b", "c", "d", "e", "z"} {
		m := ms[k]
		WithEmbedding(fake)(m)
		n[m.Hash] = k
		all = append(all, m)
	}
	mustInsert(t, s, all...)
	return ms, n
}

// filterCase is a filter and the fixture memories it selects.
type filterCase struct {
	name string
	f    memory.Filter
	want []string
}

// filterCases returns the filter table over filterFixture.
func filterCases(ms map[string]*memory.Memory) []filterCase {
	h := time.Hour
	hash := func(k string) string { return ms[k].Hash }
	return []filterCase{
		{"owner", memory.Filter{}, []string{"a", "b", "d", "e"}},
		{"superseded", memory.Filter{IncludeSuperseded: true}, []string{"a", "b", "c", "d", "e"}},
		{"tags any", memory.Filter{Tags: []string{"alpha", "gamma"}}, []string{"a", "e"}},
		{"tags any superseded", memory.Filter{Tags: []string{"alpha", "gamma"}, IncludeSuperseded: true}, []string{"a", "c", "e"}},
		{"tags any explicit", memory.Filter{Tags: []string{"beta"}, TagMatch: memory.TagAny}, []string{"a", "b"}},
		{"tags all", memory.Filter{Tags: []string{"alpha", "beta"}, TagMatch: memory.TagAll}, []string{"a"}},
		{"tags all one", memory.Filter{Tags: []string{"beta"}, TagMatch: memory.TagAll}, []string{"a", "b"}},
		{"tags all missing", memory.Filter{Tags: []string{"alpha", "nope"}, TagMatch: memory.TagAll}, nil},
		{"tags unknown", memory.Filter{Tags: []string{"nope"}}, nil},
		{"types", memory.Filter{Types: []string{"note"}}, []string{"a", "d"}},
		{"types superseded", memory.Filter{Types: []string{"note", "task"}, IncludeSuperseded: true}, []string{"a", "c", "d"}},
		{"after inclusive", memory.Filter{After: Epoch.Add(h)}, []string{"b", "d", "e"}},
		{"before exclusive", memory.Filter{Before: Epoch.Add(h)}, []string{"a"}},
		{"after sub-millisecond", memory.Filter{After: Epoch.Add(h + 500*time.Microsecond)}, []string{"d", "e"}},
		{"before sub-millisecond", memory.Filter{Before: Epoch.Add(h + 500*time.Microsecond)}, []string{"a", "b"}},
		{"between", memory.Filter{After: Epoch.Add(h), Before: Epoch.Add(3 * h), IncludeSuperseded: true}, []string{"b", "c"}},
		{"between empty", memory.Filter{After: Epoch.Add(3 * h), Before: Epoch.Add(h)}, nil},
		{"stale", memory.Filter{StaleBefore: Epoch.Add(5 * h)}, []string{"a", "b", "e"}},
		{"stale later", memory.Filter{StaleBefore: Epoch.Add(11 * h)}, []string{"a", "b", "d", "e"}},
		{"contains case", memory.Filter{Contains: "beta"}, []string{"b"}},
		{"contains upper", memory.Filter{Contains: "FIXTURE"}, []string{"a", "b", "d", "e"}},
		{"contains percent", memory.Filter{Contains: "100%"}, []string{"a"}},
		{"contains percent alone", memory.Filter{Contains: "%"}, []string{"a", "e"}},
		{"contains underscore", memory.Filter{Contains: "_"}, []string{"b"}},
		{"contains wildcard literal", memory.Filter{Contains: "t%s"}, []string{"e"}},
		{"contains no wildcard", memory.Filter{Contains: "a%e"}, nil},
		{"contains unicode", memory.Filter{Contains: "école"}, []string{"d"}},
		{"contains unicode upper", memory.Filter{Contains: "ÜNÏCODE"}, []string{"d"}},
		{"hashes", memory.Filter{Hashes: []string{hash("a"), hash("c")}}, []string{"a"}},
		{"hashes superseded", memory.Filter{Hashes: []string{hash("a"), hash("c")}, IncludeSuperseded: true}, []string{"a", "c"}},
		{"hashes other owner", memory.Filter{Hashes: []string{hash("z")}}, nil},
		{"combined", memory.Filter{Tags: []string{"beta"}, Types: []string{"decision"}, After: Epoch}, []string{"b"}},
		{"combined empty", memory.Filter{Tags: []string{"alpha"}, Types: []string{"decision"}}, nil},
	}
}

func testFilters(t *testing.T, s memory.Store) {
	ms, n := filterFixture(t, s)
	q := embed("fixture")
	for _, c := range filterCases(ms) {
		t.Run(c.name, func(t *testing.T) {
			f := c.f
			f.Owner = alice
			want := make([]string, len(c.want))
			for i, k := range c.want {
				want[i] = ms[k].Hash
			}

			got, total := mustFind(t, s, f, memory.Page{})
			if !sameSet(got, want) || total != len(want) {
				t.Errorf("Find()=%v (total %d), want %v", n.of(got), total, c.want)
			}
			got = HitHashes(mustKeyword(t, s, f, []string{"fixture"}, 100))
			if !sameSet(got, want) {
				t.Errorf("KeywordSearch()=%v, want %v", n.of(got), c.want)
			}
			got = HitHashes(mustVector(t, s, f, fakeID, q, 100))
			if !sameSet(got, want) {
				t.Errorf("VectorSearch()=%v, want %v", n.of(got), c.want)
			}
			if c.name == "owner" || c.name == "superseded" {
				return // refused by Delete, tested there
			}
			got, err := s.Delete(ctxOf(t), f, Epoch, true)
			if err != nil || !sameSet(got, want) {
				t.Errorf("Delete(dry run)=%v, %v, want %v", n.of(got), err, c.want)
			}
			checkNewestFirst(t, s, got)
		})
	}
	// Dry runs deleted nothing.
	if _, total := mustFind(t, s, memory.Filter{Owner: alice, IncludeSuperseded: true}, memory.Page{}); total != 5 {
		t.Errorf("Find() total=%d after dry runs, want 5", total)
	}
}

// checkNewestFirst checks hashes are in descending CreatedAt order.
func checkNewestFirst(t *testing.T, s memory.Store, hashes []string) {
	t.Helper()
	var prev time.Time
	for i, h := range hashes {
		m := mustGet(t, s, alice, h)
		if i > 0 && m.CreatedAt.After(prev) {
			t.Errorf("Delete() hashes not newest first: %v after %v", m.CreatedAt, prev)
		}
		prev = m.CreatedAt
	}
}

func testFilteredTopK(t *testing.T, s memory.Store) {
	// 200 memories close to the query but outside the filter, 5 far from
	// it inside: the filtered search must find the 5.
	var all, targets []*memory.Memory
	for i := range 200 {
		all = append(all, NewMemory(alice, fmt.Sprintf("needle haystack query words noise %d", i),
			WithTags("noise"), WithType("note"), At(Epoch.Add(time.Duration(i)*time.Minute)), WithEmbedding(fake)))
	}
	for i := range 5 {
		m := NewMemory(alice, fmt.Sprintf("needle unrelated stuff target %d", i),
			WithTags("target"), WithType("task"), At(Epoch.Add(-24*time.Hour+time.Duration(i)*time.Minute)), WithEmbedding(fake))
		targets = append(targets, m)
		all = append(all, m)
	}
	mustInsert(t, s, all...)
	want := Hashes(targets...)
	q := embed("needle haystack query words")
	for _, c := range []struct {
		name string
		f    memory.Filter
		want []string
	}{
		{"tags", memory.Filter{Tags: []string{"target"}}, want},
		{"types", memory.Filter{Types: []string{"task"}}, want},
		{"before", memory.Filter{Before: Epoch}, want},
		{"after", memory.Filter{After: Epoch.Add(-25 * time.Hour), Before: Epoch.Add(-time.Hour)}, want},
		{"contains", memory.Filter{Contains: "TARGET"}, want},
		{"hashes", memory.Filter{Hashes: want[:3]}, want[:3]},
		{"stale", memory.Filter{StaleBefore: Epoch}, want},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.f
			f.Owner = alice
			hits := mustVector(t, s, f, fakeID, q, 5)
			if got := HitHashes(hits); !sameSet(got, c.want) {
				t.Errorf("VectorSearch()=%d hits %v, want the %d in the filter", len(got), got, len(c.want))
			}
			hits = mustKeyword(t, s, f, []string{"needle", "haystack", "query"}, 5)
			if got := HitHashes(hits); !sameSet(got, c.want) {
				t.Errorf("KeywordSearch()=%d hits, want the %d in the filter", len(got), len(c.want))
			}
		})
	}
	// Unfiltered, the close ones win.
	hits := mustVector(t, s, memory.Filter{Owner: alice}, fakeID, q, 5)
	for _, h := range hits {
		if slices.Contains(want, h.Memory.Hash) {
			t.Errorf("VectorSearch(no filter) ranked a far memory in the top 5")
		}
	}
}
