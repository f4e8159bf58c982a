package httpapi_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/httpapi"
)

// searchFixture stores alice's memories: two about databases (one last
// week, tagged and typed differently) and one about cooking.
func searchFixture(e *env) (oldDB, newDB, cooking *memory.Memory) {
	lastWeek := time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)
	oldDB = e.store("alice", "PostgreSQL database migration plan for the ledger", lastWeek, "decision", "db", "ledger")
	newDB = e.store("alice", "PostgreSQL database backups run nightly", now.Add(-time.Hour), "note", "db", "ops")
	cooking = e.store("alice", "Recipe for a tomato soup with basil", now.Add(-2*time.Hour), "note", "food")
	return
}

func contents(rs []httpapi.SearchResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Memory.Content)
	}
	return out
}

func TestSearchWithFilters(t *testing.T) {
	e := MustOpenEnv(t)
	oldDB, newDB, _ := searchFixture(e)
	soup := "Recipe for a tomato soup with basil"
	for _, tc := range []struct {
		name      string
		body      map[string]any
		want, not []string
	}{
		{"plain", map[string]any{"query": "PostgreSQL database"}, []string{oldDB.Content, newDB.Content}, nil},
		{"by tag", map[string]any{"query": "PostgreSQL database", "tags": []string{"ops"}}, []string{newDB.Content}, []string{oldDB.Content, soup}},
		{"by tags, all", map[string]any{"query": "PostgreSQL", "tags": "db,ledger", "tag_match": "all"}, []string{oldDB.Content}, []string{newDB.Content, soup}},
		{"by type", map[string]any{"query": "PostgreSQL database", "memory_type": "decision"}, []string{oldDB.Content}, []string{newDB.Content, soup}},
		{"by types", map[string]any{"query": "PostgreSQL database", "types": []string{"note"}}, []string{newDB.Content}, []string{oldDB.Content}},
		{"by time expression", map[string]any{"query": "PostgreSQL database", "time_expr": "last week"}, []string{oldDB.Content}, []string{newDB.Content, soup}},
		{"by time filter", map[string]any{"query": "PostgreSQL database", "time_filter": "today"}, []string{newDB.Content}, []string{oldDB.Content}},
		{"by dates", map[string]any{"query": "PostgreSQL database", "after": "2026-11-17T00:00:00Z", "before": "2026-11-19T00:00:00Z"}, []string{oldDB.Content}, []string{newDB.Content, soup}},
		{"keyword mode", map[string]any{"query": "backups", "mode": "keyword"}, []string{newDB.Content}, []string{oldDB.Content, soup}},
		{"exact mode", map[string]any{"query": "tomato soup", "mode": "exact"}, []string{soup}, []string{oldDB.Content, newDB.Content}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			var r httpapi.SearchResponse
			e.mustDo(200, "alice-read", "POST", "/api/search", tc.body).Decode(t, &r)
			got := contents(r.Results)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("results %q lack %q", got, w)
				}
			}
			for _, n := range tc.not {
				if slices.Contains(got, n) {
					t.Errorf("results %q include %q", got, n)
				}
			}
			if r.TotalFound != len(r.Results) {
				t.Errorf("total_found = %d for %d results", r.TotalFound, len(r.Results))
			}
			for _, res := range r.Results {
				if res.SimilarityScore == nil || *res.SimilarityScore < 0 || *res.SimilarityScore > 1 || res.RelevanceReason == "" || len(res.MatchedBy) == 0 {
					t.Errorf("result %+v: want a score in [0,1], a reason and signals", res)
				}
			}
		})
	}
}

func TestSearchResponseShape(t *testing.T) {
	e := MustOpenEnv(t)
	searchFixture(e)
	r := e.mustDo(200, "alice-read", "POST", "/api/search", `{"query": "PostgreSQL", "n_results": 1, "quality_boost": true, "quality_weight": 0.5}`).JSON(t)
	for _, k := range []string{"results", "total_found", "query", "search_type", "processing_time_ms"} {
		if _, ok := r[k]; !ok {
			t.Errorf("response lacks %q: %v", k, r)
		}
	}
	if r["search_type"] != "hybrid_quality_boost" || r["query"] != "PostgreSQL" || len(r["results"].([]any)) != 1 {
		t.Errorf("response = %v", r)
	}
	mem := r["results"].([]any)[0].(map[string]any)["memory"].(map[string]any)
	for _, k := range []string{"content", "content_hash", "tags", "memory_type", "metadata", "created_at", "created_at_iso", "updated_at", "updated_at_iso", "quality_score", "access_count"} {
		if _, ok := mem[k]; !ok {
			t.Errorf("memory lacks %q: %v", k, mem)
		}
	}
}

func TestSearchValidation(t *testing.T) {
	e := MustOpenEnv(t)
	for _, body := range []string{
		`{}`, `{"query": "  "}`, `{"query": "x", "n_results": 0}`, `{"query": "x", "n_results": 101}`,
		`{"query": "x", "similarity_threshold": 1.5}`, `{"query": "x", "quality_boost": true, "quality_weight": -1}`,
		`{"query": "x", "mode": "fuzzy"}`, `{"query": "x", "time_expr": "when pigs fly"}`, `{"query": "x", "after": "yesterday-ish"}`,
		`{"query": "x", "memory_type": "nonsense"}`, `{"query": "x", "time_expr": "today", "time_filter": "yesterday"}`,
	} {
		e.wantError(e.do("alice-read", "POST", "/api/search", body), http.StatusBadRequest, memory.EInvalid)
	}
}

func TestMemoriesSearchAlias(t *testing.T) {
	e := MustOpenEnv(t)
	_, newDB, _ := searchFixture(e)
	var a, b httpapi.SearchResponse
	body := `{"query": "PostgreSQL database", "tags": ["ops"]}`
	e.mustDo(200, "alice-read", "POST", "/api/memories/search", body).Decode(t, &a)
	e.mustDo(200, "alice-read", "POST", "/api/search", body).Decode(t, &b)
	if got := contents(a.Results); !slices.Equal(got, []string{newDB.Content}) || !slices.Equal(got, contents(b.Results)) {
		t.Errorf("alias results %q, /api/search %q, want [%q]", got, contents(b.Results), newDB.Content)
	}
}

func TestSearchByTag(t *testing.T) {
	e := MustOpenEnv(t)
	oldDB, newDB, _ := searchFixture(e)
	var r httpapi.SearchResponse
	e.mustDo(200, "alice-read", "POST", "/api/search/by-tag", `{"tags": ["db"]}`).Decode(t, &r)
	if got := contents(r.Results); !slices.Equal(got, []string{newDB.Content, oldDB.Content}) || r.SearchType != "tag" {
		t.Errorf("by-tag = %q (%s), want newest first", got, r.SearchType)
	}
	if r.Results[0].SimilarityScore != nil {
		t.Errorf("similarity_score = %v, want null for a listing", *r.Results[0].SimilarityScore)
	}
	e.mustDo(200, "alice-read", "POST", "/api/search/by-tag", `{"tags": ["db", "ledger"], "match_all": true}`).Decode(t, &r)
	if got := contents(r.Results); !slices.Equal(got, []string{oldDB.Content}) {
		t.Errorf("by-tag all = %q", got)
	}
	e.mustDo(200, "alice-read", "POST", "/api/search/by-tag", `{"tags": "db", "time_filter": "last week"}`).Decode(t, &r)
	if got := contents(r.Results); !slices.Equal(got, []string{oldDB.Content}) {
		t.Errorf("by-tag last week = %q", got)
	}
	for _, body := range []string{`{}`, `{"tags": []}`, `{"tags": ""}`, `{"tags": [" "]}`} {
		e.wantError(e.do("alice-read", "POST", "/api/search/by-tag", body), http.StatusBadRequest, memory.EInvalid)
	}
}

func TestSearchByTime(t *testing.T) {
	e := MustOpenEnv(t)
	oldDB, newDB, cooking := searchFixture(e)
	var r httpapi.SearchResponse
	e.mustDo(200, "alice-read", "POST", "/api/search/by-time", `{"query": "today"}`).Decode(t, &r)
	if got := contents(r.Results); !slices.Equal(got, []string{newDB.Content, cooking.Content}) || r.SearchType != "time" || r.Query != "today" {
		t.Errorf("by-time today = %q (%s, %q), want newest first", got, r.SearchType, r.Query)
	}
	e.mustDo(200, "alice-read", "POST", "/api/search/by-time", `{"query": "this month", "semantic_query": "tomato soup", "n_results": 1}`).Decode(t, &r)
	if got := contents(r.Results); !slices.Equal(got, []string{cooking.Content}) {
		t.Errorf("by-time with semantic query = %q", got)
	}
	e.mustDo(200, "alice-read", "POST", "/api/search/by-time", `{"query": "last week"}`).Decode(t, &r)
	if got := contents(r.Results); !slices.Equal(got, []string{oldDB.Content}) {
		t.Errorf("by-time last week = %q", got)
	}
	for _, body := range []string{`{}`, `{"query": "the other day of the blue moon"}`, `{"query": "today", "n_results": 0}`} {
		e.wantError(e.do("alice-read", "POST", "/api/search/by-time", body), http.StatusBadRequest, memory.EInvalid)
	}
}

func TestSearchSimilar(t *testing.T) {
	e := MustOpenEnv(t)
	oldDB, newDB, _ := searchFixture(e)
	var r httpapi.SearchResponse
	e.mustDo(200, "alice-read", "GET", "/api/search/similar/"+oldDB.Hash+"?n_results=1", nil).Decode(t, &r)
	if got := contents(r.Results); !slices.Equal(got, []string{newDB.Content}) || r.SearchType != "similar" {
		t.Errorf("similar = %q (%s), want the other database memory", got, r.SearchType)
	}
	e.mustDo(200, "alice-read", "GET", "/api/search/similar/"+oldDB.Hash, nil).Decode(t, &r)
	if slices.Contains(contents(r.Results), oldDB.Content) || len(r.Results) == 0 {
		t.Errorf("similar = %q: want others, not the memory itself", contents(r.Results))
	}
}
