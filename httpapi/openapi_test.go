package httpapi_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/httpapi"
)

func TestHealthShowsStatusOnly(t *testing.T) {
	e := MustOpenEnv(t)
	e.store("alice", "something", time.Time{}, "")
	for _, who := range []string{"", "alice-read", "alice-admin"} {
		r := e.mustDo(200, who, "GET", "/api/health", nil)
		var m map[string]any
		r.Decode(t, &m)
		if len(m) != 1 || m["status"] != "healthy" {
			t.Errorf("health as %q = %s, want exactly {\"status\":\"healthy\"}", who, r.Body)
		}
	}
}

func TestHealthDetailed(t *testing.T) {
	e := MustOpenEnv(t)
	e.store("alice", "one of alice's", time.Time{}, "", "a")
	e.store("bob", "one of bob's", time.Time{}, "", "b")
	e.store("bob", "another of bob's", time.Time{}, "", "b")
	r := e.mustDo(200, "alice-read", "GET", "/api/health/detailed", nil)
	var h httpapi.DetailedHealth
	r.Decode(t, &h)
	if h.Status != "healthy" || h.Version != "test" || h.Timestamp != "2026-11-25T14:30:00.000Z" || !h.Storage.Accessible ||
		h.Storage.Backend != "sqlite" || h.Storage.EmbeddingModel != "fake-64" || !h.SemanticSearch.Enabled {
		t.Errorf("detailed health = %+v", h)
	}
	if h.Statistics.TotalMemories != 1 || h.Statistics.UniqueTags != 1 || h.Statistics.MemoriesThisWeek != 1 {
		t.Errorf("statistics = %+v, want alice's only", h.Statistics)
	}
	e.noPaths(r.Body)
	m := r.JSON(t)
	for _, k := range []string{"status", "version", "timestamp", "uptime_seconds", "storage", "statistics", "semantic_search", "problems"} {
		if _, ok := m[k]; !ok {
			t.Errorf("detailed health lacks %q", k)
		}
	}
}

func TestOpenAPIDocument(t *testing.T) {
	e := MustOpenEnv(t)
	r := e.mustDo(200, "", "GET", "/api/openapi.json", nil)
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Info       map[string]any                       `json:"info"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas         map[string]map[string]any `json:"schemas"`
			SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Info["title"] == nil || doc.Info["version"] != "test" {
		t.Errorf("openapi %q, info %v", doc.OpenAPI, doc.Info)
	}
	if doc.Components.SecuritySchemes["bearerAuth"]["scheme"] != "bearer" || doc.Components.SecuritySchemes["apiKeyAuth"]["name"] != "X-API-Key" {
		t.Errorf("security schemes = %v", doc.Components.SecuritySchemes)
	}
	ops, ids := 0, map[string]bool{}
	for _, rt := range e.api.Routes() {
		op := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if op == nil {
			t.Errorf("no operation for %s %s", rt.Method, rt.Path)
			continue
		}
		ops++
		id, _ := op["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s %s: operationId %q missing or repeated", rt.Method, rt.Path, id)
		}
		ids[id] = true
		sec, _ := op["security"].([]any)
		if (rt.Scope == "") != (len(sec) == 0) || (rt.Scope != "" && op["x-required-scope"] != rt.Scope) {
			t.Errorf("%s %s: security %v for scope %q", rt.Method, rt.Path, sec, rt.Scope)
		}
		if rt.Body != nil {
			body, _ := op["requestBody"].(map[string]any)
			ref, _ := body["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)["$ref"].(string)
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			if s := doc.Components.Schemas[name]; s == nil || s["properties"] == nil {
				t.Errorf("%s %s: request schema %q missing", rt.Method, rt.Path, ref)
			} else if _, closed := s["additionalProperties"]; closed {
				t.Errorf("%s %s: request schema forbids unknown fields, which the API ignores", rt.Method, rt.Path)
			}
		}
		params, _ := op["parameters"].([]any)
		if len(params) != len(rt.Params) {
			t.Errorf("%s %s: %d parameters documented, %d declared", rt.Method, rt.Path, len(params), len(rt.Params))
		}
		want := "200"
		if rt.Status != 0 {
			want = fmt.Sprint(rt.Status)
		}
		if _, ok := op["responses"].(map[string]any)[want]; !ok {
			t.Errorf("%s %s: no %s response", rt.Method, rt.Path, want)
		}
		if rt.Form != nil {
			if _, ok := op["requestBody"].(map[string]any)["content"].(map[string]any)["multipart/form-data"]; !ok {
				t.Errorf("%s %s: multipart body not documented", rt.Method, rt.Path)
			}
		}
	}
	n := 0
	for _, p := range doc.Paths {
		n += len(p)
	}
	if n != ops {
		t.Errorf("the document has %d operations, the route table %d", n, ops)
	}
	search := doc.Components.Schemas["SearchBody"]
	if req, _ := search["required"].([]any); len(req) != 1 || req[0] != "query" {
		t.Errorf("SearchBody required = %v, want [query]", search["required"])
	}
}

func TestDocsPage(t *testing.T) {
	e := MustOpenEnv(t)
	r := e.mustDo(200, "", "GET", "/api/docs", nil)
	page := string(r.Body)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q", ct)
	}
	csp := r.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(csp, "unsafe") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	style := page[strings.Index(page, "<style>")+len("<style>") : strings.Index(page, "</style>")]
	sum := sha256.Sum256([]byte(style))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("Content-Security-Policy = %q does not allow the page's style (%s)", csp, want)
	}
	for _, bad := range []string{"<script", "http://", "https://", "onload=", "javascript:"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, rt := range e.api.Routes() {
		if !strings.Contains(page, rt.Path) {
			t.Errorf("page lacks %s", rt.Path)
		}
	}
	for _, want := range []string{"similarity_threshold", "page_size", "scope: write", "confirm_count", "X-API-Key"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
