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

func TestBulkDelete(t *testing.T) {
	lastMonth := time.Date(2026, 10, 10, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		body  string
		want  int
		op    string
		left  int
		dry   bool
		fails int
	}{
		{name: "by tag", body: `{"tag": "temp"}`, want: 2, op: "delete_by_tag", left: 2},
		{name: "by tags", body: `{"tags": ["temp", "keep"]}`, want: 3, op: "delete_by_tag", left: 1},
		{name: "by tags, all", body: `{"tags": "temp,old", "tag_match": "all"}`, want: 1, op: "delete_by_tag", left: 3},
		{name: "by type", body: `{"memory_type": "decision"}`, want: 1, op: "delete_by_type", left: 3},
		{name: "by date", body: `{"before_date": "2026-11-01"}`, want: 2, op: "delete_by_time", left: 2},
		{name: "by date range", body: `{"after_date": "2026-10-01T00:00:00Z", "before_date": "2026-11-01T00:00:00Z"}`, want: 2, op: "delete_by_time", left: 2},
		{name: "by time expression", body: `{"time_expr": "last month"}`, want: 2, op: "delete_by_time", left: 2},
		{name: "by tag and time", body: `{"tag": "temp", "time_expr": "today"}`, want: 1, op: "bulk_delete", left: 3},
		{name: "confirmed", body: `{"tag": "temp", "confirm_count": 2}`, want: 2, op: "delete_by_tag", left: 2},
		{name: "dry run", body: `{"tag": "temp", "dry_run": true}`, want: 2, op: "delete_by_tag", left: 4, dry: true},
		{name: "confirm mismatch", body: `{"tag": "temp", "confirm_count": 3}`, fails: http.StatusConflict, left: 4},
		{name: "no filter", body: `{}`, fails: http.StatusBadRequest, left: 4},
		{name: "blank filters", body: `{"tag": " ", "tags": []}`, fails: http.StatusBadRequest, left: 4},
		{name: "bad date", body: `{"before_date": "soon"}`, fails: http.StatusBadRequest, left: 4},
		{name: "bad type", body: `{"memory_type": "nonsense"}`, fails: http.StatusBadRequest, left: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := MustOpenEnv(t)
			e.store("alice", "temporary scratch from last month", lastMonth, "note", "temp", "old")
			e.store("alice", "temporary scratch of today", time.Time{}, "note", "temp")
			e.store("alice", "a decision of last month", lastMonth.Add(time.Hour), "decision", "keep")
			e.store("alice", "a note of today", time.Time{}, "note")
			e.store("bob", "bob's temporary scratch", lastMonth, "decision", "temp")
			r := e.do("alice-write", "POST", "/api/manage/bulk-delete", tc.body)
			if tc.fails != 0 {
				code := memory.EInvalid
				if tc.fails == http.StatusConflict {
					code = memory.EConflict
				}
				m := e.wantError(r, tc.fails, code)
				if tc.fails == http.StatusConflict && !strings.Contains(m["error_description"].(string), "2 memories match") {
					t.Errorf("error_description = %q, want the real count", m["error_description"])
				}
			} else {
				if r.Status != 200 {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				var b httpapi.BulkOperationResponse
				r.Decode(t, &b)
				if !b.Success || b.AffectedCount != tc.want || b.Operation != tc.op || b.DryRun != tc.dry || len(b.ContentHashes) != tc.want {
					t.Errorf("response = %+v, want %d affected by %s", b, tc.want, tc.op)
				}
			}
			if n := e.count("alice"); n != tc.left {
				t.Errorf("alice has %d memories left, want %d", n, tc.left)
			}
			if n := e.count("bob"); n != 1 {
				t.Errorf("bob has %d memories left, want 1", n)
			}
		})
	}
}

func TestCleanupDuplicates(t *testing.T) {
	e := MustOpenEnv(t)
	e.store("alice", "Use gofmt.", time.Time{}, "", "go")
	e.store("alice", "use GOFMT", time.Time{}, "", "style")
	e.store("alice", "Something else", time.Time{}, "")
	var b httpapi.BulkOperationResponse
	e.mustDo(200, "alice-write", "POST", "/api/manage/cleanup-duplicates", nil).Decode(t, &b)
	if !b.Success || b.AffectedCount != 1 || b.Operation != "cleanup_duplicates" {
		t.Errorf("cleanup = %+v", b)
	}
	if n := e.count("alice"); n != 2 {
		t.Errorf("alice has %d memories, want 2", n)
	}
}

func TestTagStats(t *testing.T) {
	e := MustOpenEnv(t)
	e.store("alice", "one", now.Add(-48*time.Hour), "decision", "go", "db")
	e.store("alice", "two", now.Add(-time.Hour), "note", "go")
	e.store("bob", "three", time.Time{}, "", "secret")
	var s httpapi.TagStatsResponse
	e.mustDo(200, "alice-read", "GET", "/api/manage/tags/stats", nil).Decode(t, &s)
	if s.TotalTags != 2 || len(s.Tags) != 2 {
		t.Fatalf("tag stats = %+v", s)
	}
	g := s.Tags[0]
	if g.Tag != "go" || g.Count != 2 || !slices.Equal(g.MemoryTypes, []string{"decision", "note"}) || g.LastUsed != float64(now.Add(-time.Hour).Unix()) {
		t.Errorf("go = %+v", g)
	}
}

func TestUntagged(t *testing.T) {
	e := MustOpenEnv(t)
	e.store("alice", "no tags one", time.Time{}, "")
	e.store("alice", "no tags two", time.Time{}, "")
	e.store("alice", "tagged", time.Time{}, "", "t")
	var c httpapi.CountResponse
	e.mustDo(200, "alice-read", "GET", "/api/manage/untagged/count", nil).Decode(t, &c)
	if c.Count != 2 {
		t.Errorf("untagged count = %d, want 2", c.Count)
	}
	e.wantError(e.do("alice-write", "POST", "/api/manage/delete-untagged?confirm_count=3", nil), http.StatusConflict, memory.EConflict)
	if n := e.count("alice"); n != 3 {
		t.Errorf("alice has %d memories after a refused delete, want 3", n)
	}
	var b httpapi.BulkOperationResponse
	e.mustDo(200, "alice-write", "POST", "/api/manage/delete-untagged?confirm_count=2", nil).Decode(t, &b)
	if b.AffectedCount != 2 || e.count("alice") != 1 {
		t.Errorf("delete-untagged = %+v; %d left", b, e.count("alice"))
	}
}
