package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// SearchBody is the body of POST /api/search and POST /api/memories/search.
// Upstream's fields come first; the rest are extensions that filter the
// search by tags, type and time inside the query.
type SearchBody struct {
	Query               string   `json:"query" jsonschema:"what to look for (required)"`
	NResults            *int     `json:"n_results,omitempty" jsonschema:"number of results, 1-100 (default 10)"`
	SimilarityThreshold *float64 `json:"similarity_threshold,omitempty" jsonschema:"drop results scoring below this, 0-1 (scores are fused relevance, not raw cosine)"`
	QualityBoost        bool     `json:"quality_boost,omitempty" jsonschema:"re-rank by (1-w)*score + w*quality"`
	QualityWeight       *float64 `json:"quality_weight,omitempty" jsonschema:"w for quality_boost, 0-1 (default 0.3)"`
	Mode                string   `json:"mode,omitempty" jsonschema:"hybrid (default), semantic, keyword or exact"`
	Tags                Tags     `json:"tags,omitempty" jsonschema:"only memories with these tags"`
	TagMatch            string   `json:"tag_match,omitempty" jsonschema:"any (default) or all of the tags"`
	MemoryType          string   `json:"memory_type,omitempty" jsonschema:"only memories of this type"`
	Types               Tags     `json:"types,omitempty" jsonschema:"only memories of any of these types"`
	TimeExpr            string   `json:"time_expr,omitempty" jsonschema:"natural-language time range, e.g. last week"`
	TimeFilter          string   `json:"time_filter,omitempty" jsonschema:"alias of time_expr"`
	After               string   `json:"after,omitempty" jsonschema:"created at or after this date or RFC 3339 time"`
	Before              string   `json:"before,omitempty" jsonschema:"created before this date or RFC 3339 time"`
	IncludeSuperseded   bool     `json:"include_superseded,omitempty" jsonschema:"also return versions replaced by newer ones"`
}

// SearchResponse answers every search route.
type SearchResponse struct {
	Results          []SearchResult `json:"results"`
	TotalFound       int            `json:"total_found"`
	Query            string         `json:"query"`
	SearchType       string         `json:"search_type" jsonschema:"hybrid, semantic, keyword, exact (with _quality_boost when boosted), tag, time or similar"`
	ProcessingTimeMS float64        `json:"processing_time_ms"`
	// After and Before are the time range applied, when there was one.
	After  string   `json:"after,omitempty"`
	Before string   `json:"before,omitempty"`
	Notes  []string `json:"notes,omitempty" jsonschema:"why an answer is degraded, e.g. semantic search being off"`
}

// SearchResult is one found memory.
type SearchResult struct {
	Memory *MemoryResponse `json:"memory"`
	// SimilarityScore is the relevance in [0,1]; null for listings by tag
	// or time, which are not ranked.
	SimilarityScore *float64 `json:"similarity_score"`
	RelevanceReason string   `json:"relevance_reason"`
	MatchedBy       []string `json:"matched_by" jsonschema:"signals that matched: keyword, semantic, exact or filter"`
	KeywordScore    float64  `json:"keyword_score,omitempty"`
	SemanticScore   float64  `json:"semantic_score,omitempty"`
}

func (a *API) search(r *http.Request, b *SearchBody) (*SearchResponse, error) {
	start := time.Now()
	if strings.TrimSpace(b.Query) == "" {
		return nil, memory.Errorf(memory.EInvalid, "query is required (to list by tag or time use /api/search/by-tag or /api/search/by-time)")
	}
	limit, err := nResults(b.NResults)
	if err != nil {
		return nil, err
	}
	req := memory.SearchRequest{Query: b.Query, Mode: strings.ToLower(strings.TrimSpace(b.Mode)), Limit: limit,
		Tags: b.Tags, TagMatch: memory.TagMatch(b.TagMatch), IncludeSuperseded: b.IncludeSuperseded}
	if t := b.SimilarityThreshold; t != nil {
		if *t < 0 || *t > 1 {
			return nil, memory.Errorf(memory.EInvalid, "similarity_threshold must be between 0 and 1, got %g", *t)
		}
		req.MinScore = *t
	}
	if b.QualityBoost {
		req.QualityBoost = 0.3
		if w := b.QualityWeight; w != nil {
			if *w < 0 || *w > 1 {
				return nil, memory.Errorf(memory.EInvalid, "quality_weight must be between 0 and 1, got %g", *w)
			}
			req.QualityBoost = *w
		}
	}
	req.Types = append([]string{b.MemoryType}, b.Types...)
	if req.TimeExpr, err = oneOf("time_expr", b.TimeExpr, "time_filter", b.TimeFilter); err != nil {
		return nil, err
	}
	if req.After, err = memory.ParseDate("after", b.After); err != nil {
		return nil, err
	}
	if req.Before, err = memory.ParseDate("before", b.Before); err != nil {
		return nil, err
	}
	res, err := a.Service.Search(r.Context(), req)
	if err != nil {
		return nil, err
	}
	typ := res.Mode
	if req.QualityBoost > 0 {
		typ += "_quality_boost"
	}
	return searchResponse(res, typ, true, start), nil
}

// TagSearchBody is the body of POST /api/search/by-tag.
type TagSearchBody struct {
	Tags       Tags   `json:"tags" jsonschema:"tags to look for (required, non-empty)"`
	MatchAll   bool   `json:"match_all,omitempty" jsonschema:"require every tag (default: any)"`
	TimeFilter string `json:"time_filter,omitempty" jsonschema:"natural-language time range, e.g. last week"`
	NResults   *int   `json:"n_results,omitempty" jsonschema:"number of results, 1-100 (default 100)"`
}

func (a *API) searchByTag(r *http.Request, b *TagSearchBody) (*SearchResponse, error) {
	start := time.Now()
	tags, err := memory.NormalizeTags(b.Tags)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, memory.Errorf(memory.EInvalid, "tags is required: give at least one tag")
	}
	limit := 100
	if b.NResults != nil {
		if limit, err = nResults(b.NResults); err != nil {
			return nil, err
		}
	}
	match := memory.TagAny
	if b.MatchAll {
		match = memory.TagAll
	}
	res, err := a.Service.Search(r.Context(), memory.SearchRequest{Tags: tags, TagMatch: match, TimeExpr: b.TimeFilter, Limit: limit})
	if err != nil {
		return nil, err
	}
	return searchResponse(res, "tag", false, start), nil
}

// TimeSearchBody is the body of POST /api/search/by-time.
type TimeSearchBody struct {
	Query         string `json:"query" jsonschema:"natural-language time range, e.g. last week (required)"`
	NResults      *int   `json:"n_results,omitempty" jsonschema:"number of results, 1-100 (default 10)"`
	SemanticQuery string `json:"semantic_query,omitempty" jsonschema:"rank the memories of that time by this query; without it, newest first"`
}

func (a *API) searchByTime(r *http.Request, b *TimeSearchBody) (*SearchResponse, error) {
	start := time.Now()
	if strings.TrimSpace(b.Query) == "" {
		return nil, memory.Errorf(memory.EInvalid, "query is required: a time range such as \"last week\"")
	}
	limit, err := nResults(b.NResults)
	if err != nil {
		return nil, err
	}
	res, err := a.Service.Search(r.Context(), memory.SearchRequest{Query: b.SemanticQuery, TimeExpr: b.Query, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := searchResponse(res, "time", strings.TrimSpace(b.SemanticQuery) != "", start)
	out.Query = b.Query
	return out, nil
}

func (a *API) searchSimilar(r *http.Request) (*SearchResponse, error) {
	start := time.Now()
	p := paramsOf(r)
	res, err := a.Service.Similar(r.Context(), p.str("content_hash"), p.int("n_results"))
	if err != nil {
		return nil, err
	}
	return searchResponse(res, "similar", true, start), nil
}

// nResults checks an optional n_results (default 10).
func nResults(n *int) (int, error) {
	switch {
	case n == nil:
		return 10, nil
	case *n < 1 || *n > 100:
		return 0, memory.Errorf(memory.EInvalid, "n_results must be between 1 and 100, got %d", *n)
	}
	return *n, nil
}

// oneOf returns whichever of two alias fields is set; both set and
// different is EInvalid.
func oneOf(name1, v1, name2, v2 string) (string, error) {
	v1, v2 = strings.TrimSpace(v1), strings.TrimSpace(v2)
	if v1 != "" && v2 != "" && v1 != v2 {
		return "", memory.Errorf(memory.EInvalid, "give %s or %s, not both", name1, name2)
	}
	if v1 != "" {
		return v1, nil
	}
	return v2, nil
}

// searchResponse converts a service result; ranked says whether scores
// mean anything.
func searchResponse(res memory.SearchResult, typ string, ranked bool, start time.Time) *SearchResponse {
	out := &SearchResponse{Results: make([]SearchResult, 0, len(res.Results)), TotalFound: res.Count, Query: res.Query,
		SearchType: typ, After: iso(res.After), Before: iso(res.Before), Notes: res.Notes}
	for _, r := range res.Results {
		sr := SearchResult{Memory: toResponse(r.Memory), MatchedBy: r.MatchedBy, KeywordScore: r.KeywordScore,
			SemanticScore: r.SemanticScore, RelevanceReason: reason(r)}
		if sr.MatchedBy == nil {
			sr.MatchedBy = []string{}
		}
		if ranked && !slices.Contains(r.MatchedBy, memory.SignalFilter) {
			s := r.Score
			sr.SimilarityScore = &s
		}
		out.Results = append(out.Results, sr)
	}
	out.ProcessingTimeMS = float64(time.Since(start).Microseconds()) / 1000
	return out
}

// reason says in words why a result matched.
func reason(r memory.Result) string {
	kw, sem := slices.Contains(r.MatchedBy, memory.SignalKeyword), slices.Contains(r.MatchedBy, memory.SignalSemantic)
	switch {
	case slices.Contains(r.MatchedBy, memory.SignalExact):
		return "contains the query text"
	case slices.Contains(r.MatchedBy, memory.SignalFilter):
		return "matches the filters"
	case kw && sem:
		return fmt.Sprintf("keyword %.2f and semantic %.2f relevance", r.KeywordScore, r.SemanticScore)
	case kw:
		return fmt.Sprintf("keyword relevance %.2f", r.KeywordScore)
	case sem:
		return fmt.Sprintf("semantic similarity %.2f", r.SemanticScore)
	}
	return fmt.Sprintf("score %.2f", r.Score)
}
