package sqlite_test

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/driver"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/mcp-memory-go/memory/sqlite/upstreamtest"
)

// MustUpstreamDB builds an upstream sqlite_vec.db with rows in a temporary
// directory.
func MustUpstreamDB(tb testing.TB, rows []upstreamtest.Row) string {
	tb.Helper()
	return upstreamtest.Build(tb, filepath.Join(tb.TempDir(), "sqlite_vec.db"), rows)
}

// mustRawDB opens a database file with plain database/sql.
func mustRawDB(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := driver.Open("file:" + path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestReadUpstream(t *testing.T) {
	t0 := time.Date(2024, 5, 6, 7, 8, 9, 123_000_000, time.UTC)
	rows := []upstreamtest.Row{
		{Content: "  Use WAL mode for SQLite  ", Tags: "sqlite, Performance,,db", Type: "decision",
			Metadata: map[string]any{"quality_score": 0.9, "access_count": 3, "source": "chat"}, CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)},
		{Content: "a legacy note", Tags: "untagged", Type: "standard", CreatedAt: t0.Add(time.Minute)},
		{Content: "an odd one", Type: "brainstorm", Metadata: "{not json", CreatedAt: t0.Add(2 * time.Minute), ISOOnly: true},
		{Content: "deleted long ago", CreatedAt: t0.Add(3 * time.Minute), DeletedAt: t0.Add(time.Hour)},
		{Content: "old version", Type: "note", CreatedAt: t0.Add(4 * time.Minute), SupersededBy: "upstream-6-8", Version: 1, Confidence: 0.5},
		{Content: "   ", CreatedAt: t0.Add(5 * time.Minute)},
		{Hash: "upstream-6-8", Content: "tag soup", Tags: strings.Repeat("x", 120) + ",ok", CreatedAt: t0.Add(6 * time.Minute), LastAccessed: t0.Add(time.Hour).Unix()},
	}
	path := MustUpstreamDB(t, rows)
	before, _ := os.ReadFile(path)
	var got []*memory.Memory
	rep, err := sqlite.ReadUpstream(t.Context(), path, func(m *memory.Memory) error { got = append(got, m); return nil })
	if err != nil {
		t.Fatalf("ReadUpstream()=%v, want nil", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("ReadUpstream changed the upstream file")
	}
	if rep.Rows != 7 || rep.Live != 5 || rep.Tombstones != 1 || rep.Invalid != 1 || rep.Superseded != 1 || rep.TagsDropped != 1 {
		t.Errorf("report=%+v, want 7 rows, 5 live, 1 tombstone, 1 invalid, 1 superseded, 1 tag dropped", rep)
	}
	if !reflect.DeepEqual(rep.TypesMapped, map[string]int{"brainstorm": 1}) {
		t.Errorf("TypesMapped=%v, want brainstorm: 1", rep.TypesMapped)
	}
	if !strings.Contains(rep.Embeddings, "vec0") {
		t.Errorf("Embeddings=%q, want the vec0 table", rep.Embeddings)
	}
	if len(got) != 5 {
		t.Fatalf("got %d memories, want 5", len(got))
	}
	first := got[0]
	want := &memory.Memory{
		Hash: memory.ContentHash("Use WAL mode for SQLite"), Content: "Use WAL mode for SQLite",
		Tags: []string{"sqlite", "performance", "db"}, Type: "decision",
		Metadata: map[string]any{"source": "chat"}, Quality: 0.9, AccessCount: 3,
		CreatedAt: t0, UpdatedAt: t0.Add(time.Hour),
	}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("first memory=%+v\nwant %+v", first, want)
	}
	if got[1].Type != "observation" || !reflect.DeepEqual(got[1].Tags, []string{"untagged"}) || !got[1].UpdatedAt.Equal(got[1].CreatedAt) {
		t.Errorf("legacy memory=%+v, want type observation, tag untagged, updated = created", got[1])
	}
	if got[2].Type != memory.FallbackType || got[2].Metadata["upstream_metadata"] != "{not json" || !got[2].CreatedAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("odd memory=%+v, want the fallback type, raw metadata kept, time from the ISO column", got[2])
	}
	if got[3].SupersededBy != memory.ContentHash("tag soup") || got[3].Metadata["confidence"] != 0.5 {
		t.Errorf("old version=%+v, want superseded_by (as our hash of the newer version) and confidence kept", got[3])
	}
	if !reflect.DeepEqual(got[4].Tags, []string{"ok"}) || !got[4].LastAccessedAt.Equal(t0.Add(time.Hour).Truncate(time.Second)) {
		t.Errorf("tag soup=%+v, want the long tag dropped and last access from the column", got[4])
	}
}

func TestReadUpstream_NotUpstream(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello"), 0o600)
	ours := MustOpenStore(t).Path()
	other := filepath.Join(dir, "other.db")
	if _, err := mustRawDB(t, other).Exec("CREATE TABLE memories (id INTEGER PRIMARY KEY, text TEXT)"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, path, want string }{
		{"text file", text, "not an SQLite database"},
		{"our database", ours, "database of this program"},
		{"another schema", other, "not an upstream"},
		{"missing", filepath.Join(dir, "none.db"), "no such file"},
	} {
		n := 0
		_, err := sqlite.ReadUpstream(t.Context(), c.path, func(*memory.Memory) error { n++; return nil })
		if err == nil || !strings.Contains(err.Error(), c.want) || n > 0 {
			t.Errorf("ReadUpstream(%s)=%v after %d memories, want an error containing %q and none", c.name, err, n, c.want)
		}
	}
}
