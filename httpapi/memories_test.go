package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/httpapi"
)

func TestMemoryRoundTrip(t *testing.T) {
	e := MustOpenEnv(t)
	var stored httpapi.StoreResponse
	e.mustDo(200, "alice-write", "POST", "/api/memories", map[string]any{
		"content": "We chose PostgreSQL for the ledger", "tags": []string{"DB", "decision"}, "memory_type": "decision",
		"metadata": map[string]any{"source": "meeting"}, "conversation_id": "c1",
	}, "X-Agent-ID", "Planner").Decode(t, &stored)
	hash := memory.ContentHash("We chose PostgreSQL for the ledger")
	if !stored.Success || stored.ContentHash != hash || stored.Memory == nil {
		t.Fatalf("store = %+v, want success with hash %s", stored, hash)
	}
	m := stored.Memory
	if want := []string{"db", "decision", "agent:planner"}; !slices.Equal(m.Tags, want) {
		t.Errorf("Tags = %q, want %q", m.Tags, want)
	}
	if m.MemoryType != "decision" || m.Metadata["source"] != "meeting" || m.Metadata["conversation_id"] != "c1" {
		t.Errorf("memory = %+v", m)
	}
	if m.CreatedAt != float64(now.Unix()) || m.CreatedAtISO != "2026-11-25T14:30:00.000Z" || m.QualityScore != memory.DefaultQuality {
		t.Errorf("created_at = %v (%s), quality %v", m.CreatedAt, m.CreatedAtISO, m.QualityScore)
	}

	var got httpapi.MemoryResponse
	e.mustDo(200, "alice-read", "GET", "/api/memories/"+hash, nil).Decode(t, &got)
	if got.Content != "We chose PostgreSQL for the ledger" || got.ContentHash != hash {
		t.Errorf("GET = %+v", got)
	}

	var upd httpapi.UpdateResponse
	e.mustDo(200, "alice-write", "PUT", "/api/memories/"+hash, `{"tags": ["final"], "metadata": {"source": null, "reviewed": true}}`).Decode(t, &upd)
	if !upd.Success || !slices.Equal(upd.Memory.Tags, []string{"final"}) || upd.Memory.Metadata["reviewed"] != true {
		t.Errorf("PUT = %+v", upd)
	}
	if _, ok := upd.Memory.Metadata["source"]; ok {
		t.Errorf("metadata source survived a null: %v", upd.Memory.Metadata)
	}
	if upd.Memory.CreatedAt != m.CreatedAt {
		t.Errorf("created_at changed: %v, want %v", upd.Memory.CreatedAt, m.CreatedAt)
	}
	e.mustDo(200, "alice-write", "PUT", "/api/memories/"+hash, `{"tags": []}`).Decode(t, &upd)
	if len(upd.Memory.Tags) != 0 {
		t.Errorf("tags [] left %q, want none", upd.Memory.Tags)
	}
	e.wantError(e.do("alice-write", "PUT", "/api/memories/"+hash, `{}`), http.StatusBadRequest, memory.EInvalid)

	var del httpapi.DeleteResponse
	e.mustDo(200, "alice-write", "DELETE", "/api/memories/"+hash, nil).Decode(t, &del)
	if !del.Success || del.ContentHash != hash {
		t.Errorf("DELETE = %+v", del)
	}
	e.wantError(e.do("alice-read", "GET", "/api/memories/"+hash, nil), http.StatusNotFound, memory.ENotFound)
}

func TestUnknownHashIsNotFound(t *testing.T) {
	e := MustOpenEnv(t)
	e.store("alice", "Something that exists", time.Time{}, "")
	h := memory.ContentHash("never stored")
	e.wantError(e.do("alice-read", "GET", "/api/memories/"+h, nil), http.StatusNotFound, memory.ENotFound)
	e.wantError(e.do("alice-write", "PUT", "/api/memories/"+h, `{"tags":["x"]}`), http.StatusNotFound, memory.ENotFound)
	e.wantError(e.do("alice-write", "DELETE", "/api/memories/"+h, nil), http.StatusNotFound, memory.ENotFound)
	e.wantError(e.do("alice-read", "GET", "/api/search/similar/"+h, nil), http.StatusNotFound, memory.ENotFound)
	if n := e.count("alice"); n != 1 {
		t.Errorf("alice has %d memories, want 1", n)
	}
}

func TestDuplicateStoreIsSuccessFalse(t *testing.T) {
	e := MustOpenEnv(t)
	e.mustDo(200, "alice-write", "POST", "/api/memories", `{"content": "Only once"}`)
	var r httpapi.StoreResponse
	e.mustDo(200, "alice-write", "POST", "/api/memories", `{"content": "  only ONCE "}`).Decode(t, &r)
	if r.Success || r.Error != memory.EConflict || !strings.Contains(r.Message, "duplicate") || r.ContentHash != memory.ContentHash("Only once") {
		t.Errorf("duplicate store = %+v, want success false, error conflict", r)
	}
	// Another owner may store the same content.
	e.mustDo(200, "bob-write", "POST", "/api/memories", `{"content": "Only once"}`).Decode(t, &r)
	if !r.Success {
		t.Errorf("bob's store = %+v, want success", r)
	}
	e.wantError(e.do("alice-write", "POST", "/api/memories", `{"content": "   "}`), http.StatusBadRequest, memory.EInvalid)
}

func TestStoreSplitsLongContent(t *testing.T) {
	e := MustOpenEnv(t)
	e.svc.MaxContentLength = 100
	var sb strings.Builder
	for _, w := range []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"} {
		sb.WriteString("A sentence about " + w + " and chunking long memories. ")
	}
	content := sb.String()
	var r httpapi.StoreResponse
	e.mustDo(200, "alice-write", "POST", "/api/memories", map[string]any{"content": content}).Decode(t, &r)
	if !r.Success || len(r.ChunkHashes) < 2 || r.ContentHash != r.ChunkHashes[0] || r.OriginalHash == "" {
		t.Errorf("split store = %+v, want several chunks", r)
	}
	if !strings.Contains(r.Message, "chunks") {
		t.Errorf("message = %q", r.Message)
	}
}

func TestListMemories(t *testing.T) {
	e := MustOpenEnv(t)
	for i, c := range []string{"first note", "second note", "third note"} {
		e.store("alice", c, now.Add(time.Duration(i)*time.Minute), "note", "n")
	}
	e.store("alice", "a decision", now.Add(time.Hour), "decision", "d", "n")
	e.store("bob", "bob's note", time.Time{}, "note", "n")

	var l httpapi.ListResponse
	e.mustDo(200, "alice-read", "GET", "/api/memories?page_size=2", nil).Decode(t, &l)
	if l.Total != 4 || l.Page != 1 || l.PageSize != 2 || !l.HasMore || len(l.Memories) != 2 || l.Memories[0].Content != "a decision" {
		t.Errorf("page 1 = %+v", l)
	}
	e.mustDo(200, "alice-read", "GET", "/api/memories?page=2&page_size=2", nil).Decode(t, &l)
	if l.HasMore || len(l.Memories) != 2 || l.Memories[1].Content != "first note" {
		t.Errorf("page 2 = %+v", l)
	}
	e.mustDo(200, "alice-read", "GET", "/api/memories?memory_type=decision", nil).Decode(t, &l)
	if l.Total != 1 {
		t.Errorf("by type: total %d, want 1", l.Total)
	}
	e.mustDo(200, "alice-read", "GET", "/api/memories?tag=d,n&tag_match=all", nil).Decode(t, &l)
	if l.Total != 1 {
		t.Errorf("tags d and n: total %d, want 1", l.Total)
	}
	e.mustDo(200, "alice-read", "GET", "/api/memories?tag=d,n", nil).Decode(t, &l)
	if l.Total != 4 || l.PageSize != 10 {
		t.Errorf("tags d or n: total %d page_size %d, want 4 and the default 10", l.Total, l.PageSize)
	}
	e.wantError(e.do("alice-read", "GET", "/api/memories?memory_type=nonsense", nil), http.StatusBadRequest, memory.EInvalid)
}

func TestSessions(t *testing.T) {
	e := MustOpenEnv(t)
	var r httpapi.SessionResponse
	e.mustDo(200, "alice-write", "POST", "/api/sessions", map[string]any{
		"turns":      []map[string]string{{"role": "user", "content": "Which database?"}, {"role": "assistant", "content": "PostgreSQL."}},
		"session_id": "s1", "tags": "project-x",
	}).Decode(t, &r)
	if !r.Success || r.SessionID != "s1" || r.TurnCount != 2 || r.ContentHash == "" {
		t.Fatalf("session = %+v", r)
	}
	var m httpapi.MemoryResponse
	e.mustDo(200, "alice-read", "GET", "/api/memories/"+r.ContentHash, nil).Decode(t, &m)
	if m.MemoryType != "session" || !slices.Contains(m.Tags, "session:s1") || !slices.Contains(m.Tags, "project-x") {
		t.Errorf("session memory = %+v", m)
	}
	e.wantError(e.do("alice-write", "POST", "/api/sessions", `{"turns": []}`), http.StatusBadRequest, memory.EInvalid)
	e.wantError(e.do("alice-write", "POST", "/api/sessions", `{"turns": [{"role": "user", "content": ""}]}`), http.StatusBadRequest, memory.EInvalid)
}

func TestTagsAndTypes(t *testing.T) {
	e := MustOpenEnv(t)
	e.store("alice", "one", time.Time{}, "", "go", "db")
	e.store("alice", "two", time.Time{}, "", "go")
	e.store("bob", "three", time.Time{}, "", "secret")
	var tags httpapi.TagsResponse
	e.mustDo(200, "alice-read", "GET", "/api/tags", nil).Decode(t, &tags)
	if len(tags.Tags) != 2 || tags.Tags[0].Tag != "go" || tags.Tags[0].Count != 2 {
		t.Errorf("tags = %+v", tags)
	}
	var types []string
	e.mustDo(200, "alice-read", "GET", "/api/types", nil).Decode(t, &types)
	if !slices.Equal(types, memory.MemoryTypes()) || !slices.IsSorted(types) {
		t.Errorf("types = %q", types)
	}
}

func TestOwnersAreIsolated(t *testing.T) {
	e := MustOpenEnv(t)
	a := e.store("alice", "Alice's private plan about the merger", time.Time{}, "note", "private")
	p := "/api/memories/" + a.Hash
	e.wantError(e.do("bob-write", "GET", p, nil), http.StatusNotFound, memory.ENotFound)
	e.wantError(e.do("bob-write", "PUT", p, `{"tags": ["mine"]}`), http.StatusNotFound, memory.ENotFound)
	e.wantError(e.do("bob-write", "DELETE", p, nil), http.StatusNotFound, memory.ENotFound)
	e.wantError(e.do("bob-write", "GET", "/api/search/similar/"+a.Hash, nil), http.StatusNotFound, memory.ENotFound)

	var s httpapi.SearchResponse
	e.mustDo(200, "bob-write", "POST", "/api/search", `{"query": "private plan merger"}`).Decode(t, &s)
	if len(s.Results) != 0 {
		t.Errorf("bob's search found %d of alice's memories", len(s.Results))
	}
	e.mustDo(200, "bob-write", "POST", "/api/search/by-tag", `{"tags": ["private"]}`).Decode(t, &s)
	if len(s.Results) != 0 {
		t.Errorf("bob's tag search found %d of alice's memories", len(s.Results))
	}
	var l httpapi.ListResponse
	e.mustDo(200, "bob-write", "GET", "/api/memories", nil).Decode(t, &l)
	if l.Total != 0 {
		t.Errorf("bob lists %d memories, want 0", l.Total)
	}
	var b httpapi.BulkOperationResponse
	e.mustDo(200, "bob-write", "POST", "/api/manage/bulk-delete", `{"tag": "private"}`).Decode(t, &b)
	if b.AffectedCount != 0 {
		t.Errorf("bob's bulk delete affected %d", b.AffectedCount)
	}
	var tags httpapi.TagsResponse
	e.mustDo(200, "bob-write", "GET", "/api/tags", nil).Decode(t, &tags)
	if len(tags.Tags) != 0 {
		t.Errorf("bob sees tags %+v", tags.Tags)
	}
	if n := e.count("alice"); n != 1 {
		t.Errorf("alice has %d memories, want 1", n)
	}
	e.mustDo(200, "alice-read", "GET", p, nil)
}

func TestStoreHostname(t *testing.T) {
	e := MustOpenEnv(t)
	var r httpapi.StoreResponse
	e.mustDo(200, "alice-write", "POST", "/api/memories", `{"content": "no host", "client_hostname": "laptop"}`).Decode(t, &r)
	if slices.Contains(r.Memory.Tags, "source:laptop") {
		t.Errorf("tags = %q: hostnames are off by default", r.Memory.Tags)
	}
	e.api.IncludeHostname = true
	e.mustDo(200, "alice-write", "POST", "/api/memories", `{"content": "host in body", "client_hostname": "laptop"}`).Decode(t, &r)
	if !slices.Contains(r.Memory.Tags, "source:laptop") || r.Memory.Metadata["hostname"] != "laptop" {
		t.Errorf("memory = %+v, want source:laptop", r.Memory)
	}
	e.mustDo(200, "alice-write", "POST", "/api/memories", `{"content": "host in header"}`, "X-Client-Hostname", "desktop").Decode(t, &r)
	if !slices.Contains(r.Memory.Tags, "source:desktop") {
		t.Errorf("tags = %q, want source:desktop", r.Memory.Tags)
	}
}
