package exchange_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/exchange"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// MustOpenService opens a service over a new SQLite database with the fake
// embedder (dim 16).
func MustOpenService(tb testing.TB) *memory.Service {
	tb.Helper()
	st := sqlite.New(filepath.Join(tb.TempDir(), "memory.db"))
	if err := st.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	svc := memory.NewService(st, memorytest.NewFakeEmbedder(16))
	svc.Now = func() time.Time { return time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC) }
	return svc
}

var t0 = time.Date(2025, 6, 1, 9, 30, 0, 250_000_000, time.UTC)

// seed stores varied memories directly, with every field an export
// carries set to something other than its default.
func seed(t *testing.T, svc *memory.Service, owner string) []*memory.Memory {
	t.Helper()
	e := svc.Embedder
	ms := []*memory.Memory{
		memorytest.NewMemory(owner, "Deploys go through the staging cluster first", memorytest.WithTags("ops", "deploy"),
			memorytest.WithType("decision"), memorytest.At(t0), memorytest.Updated(t0.Add(time.Hour)),
			memorytest.WithMetadata(map[string]any{"ticket": "OPS-12", "nested": map[string]any{"n": 3.5, "ok": true, "list": []any{"a", 1.0}}}),
			memorytest.WithQuality(0.8), memorytest.Accessed(t0.Add(2*time.Hour), 7), memorytest.WithEmbedding(e)),
		memorytest.NewMemory(owner, "Ünïcödé content — with \"quotes\" and <html> & a newline\nsecond line", memorytest.WithTags("text"),
			memorytest.WithType("bug"), memorytest.At(t0.Add(time.Minute)), memorytest.WithEmbedding(e)),
		memorytest.NewMemory(owner, "old wording of the rule", memorytest.At(t0.Add(2*time.Minute)),
			memorytest.SupersededBy(memory.ContentHash("new wording of the rule")), memorytest.WithEmbedding(e)),
		memorytest.NewMemory(owner, "new wording of the rule", memorytest.WithType("learning"), memorytest.At(t0.Add(3*time.Minute)),
			memorytest.WithQuality(0), memorytest.WithEmbedding(e)),
		memorytest.NewMemory(owner, "?! … !?", memorytest.At(t0.Add(4*time.Minute)), memorytest.WithVector(e.Model().Name, nil)), // the model knew no word
	}
	if err := svc.Storage.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	return ms
}

// all returns owner's memories, oldest first, superseded included.
func all(t *testing.T, svc *memory.Service, owner string) []*memory.Memory {
	t.Helper()
	ms, _, err := svc.Storage.Find(t.Context(), memory.Filter{Owner: owner, IncludeSuperseded: true}, memory.Page{Order: memory.OldestFirst})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		m.Revision = 0 // the store's sync stamp, not part of a memory's data
	}
	return ms
}

func export(t *testing.T, svc *memory.Service, opts exchange.ExportOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := exchange.Export(t.Context(), svc, &buf, opts); err != nil {
		t.Fatalf("Export()=%v", err)
	}
	return buf.Bytes()
}

func importBytes(t *testing.T, svc *memory.Service, b []byte, opts exchange.ImportOptions) exchange.Result {
	t.Helper()
	res, err := exchange.Import(t.Context(), svc, bytes.NewReader(b), opts)
	if err != nil {
		t.Fatalf("Import()=%v", err)
	}
	return res
}

// TestRoundTrip: export → import into an empty store → identical memories,
// with and without vectors; a second import stores nothing.
func TestRoundTrip(t *testing.T) {
	src := MustOpenService(t)
	want := seed(t, src, memory.LocalOwner)
	for _, embeddings := range []bool{true, false} {
		t.Run(fmt.Sprintf("embeddings=%v", embeddings), func(t *testing.T) {
			data := export(t, src, exchange.ExportOptions{Request: memory.ExportRequest{Embeddings: embeddings}})
			dst := MustOpenService(t)
			res := importBytes(t, dst, data, exchange.ImportOptions{})
			wantEmbedded := 0
			if !embeddings {
				wantEmbedded = len(want)
			}
			if res.Read != len(want) || res.Imported != len(want) || res.Duplicates != 0 || res.Embedded != wantEmbedded {
				t.Errorf("Import()=%+v, want %d read and imported, %d embedded", res, len(want), wantEmbedded)
			}
			got := all(t, dst, memory.LocalOwner)
			if len(got) != len(want) {
				t.Fatalf("imported %d memories, want %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("memory %d after the round trip:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}

			again := importBytes(t, dst, data, exchange.ImportOptions{})
			if again.Imported != 0 || again.Duplicates != len(want) {
				t.Errorf("second Import()=%+v, want 0 imported and %d duplicates", again, len(want))
			}
			if n := len(all(t, dst, memory.LocalOwner)); n != len(want) {
				t.Errorf("after importing twice the store holds %d memories, want %d", n, len(want))
			}
		})
	}
}

func TestExport_Format(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc, memory.LocalOwner)
	data := export(t, svc, exchange.ExportOptions{Generator: "memory test", Now: func() time.Time { return t0 }})
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 7 {
		t.Fatalf("export has %d lines, want header, 5 memories and the end line:\n%s", len(lines), data)
	}
	wantHeader := `{"format":"mcp-memory-export","version":1,"exported_at":"2025-06-01T09:30:00.25Z","generator":"memory test","embeddings":false}`
	if lines[0] != wantHeader {
		t.Errorf("header=%s\nwant   %s", lines[0], wantHeader)
	}
	if lines[6] != `{"end_of_export":true,"count":5}` {
		t.Errorf("end line=%s", lines[6])
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"content_hash", "content", "owner", "tags", "memory_type", "metadata", "created_at", "updated_at", "last_accessed_at", "access_count", "quality_score"} {
		if _, ok := rec[k]; !ok {
			t.Errorf("memory line lacks %q: %s", k, lines[1])
		}
	}
	if _, ok := rec["embedding"]; ok {
		t.Errorf("export without embeddings has a vector: %s", lines[1])
	}
	if rec["created_at"] != "2025-06-01T09:30:00.25Z" {
		t.Errorf("created_at=%v, want RFC 3339 UTC with milliseconds", rec["created_at"])
	}
}

func TestExport_Filters(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc, memory.LocalOwner)
	seed(t, svc, "bob")
	count := func(opts exchange.ExportOptions) int {
		t.Helper()
		n, err := exchange.Check(bytes.NewReader(export(t, svc, opts)))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		name string
		opts exchange.ExportOptions
		want int
	}{
		{"everything of the caller", exchange.ExportOptions{}, 5},
		{"tag", exchange.ExportOptions{Request: memory.ExportRequest{Tags: []string{"ops", "text"}}}, 2},
		{"all tags", exchange.ExportOptions{Request: memory.ExportRequest{Tags: []string{"ops", "text"}, TagMatch: memory.TagAll}}, 0},
		{"type", exchange.ExportOptions{Request: memory.ExportRequest{Types: []string{"decision", "learning"}}}, 2},
		{"time", exchange.ExportOptions{Request: memory.ExportRequest{After: t0.Add(time.Minute), Before: t0.Add(3 * time.Minute)}}, 2},
		{"two owners", exchange.ExportOptions{Owners: []string{memory.LocalOwner, "bob"}}, 10},
		{"another owner", exchange.ExportOptions{Owners: []string{"carol"}}, 0},
	} {
		if got := count(c.opts); got != c.want {
			t.Errorf("Export(%s) wrote %d memories, want %d", c.name, got, c.want)
		}
	}
	if _, err := exchange.Export(t.Context(), svc, io.Discard, exchange.ExportOptions{Request: memory.ExportRequest{Types: []string{"nonsense"}}}); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("Export(unknown type)=%v, want EInvalid", err)
	}
}

func TestImport_Owners(t *testing.T) {
	src := MustOpenService(t)
	seed(t, src, "alice")
	seed(t, src, "bob")
	data := export(t, src, exchange.ExportOptions{Owners: []string{"alice", "bob"}})

	kept := MustOpenService(t)
	res := importBytes(t, kept, data, exchange.ImportOptions{KeepOwners: true})
	if !reflect.DeepEqual(res.Owners, map[string]int{"alice": 5, "bob": 5}) {
		t.Errorf("Import(KeepOwners).Owners=%v, want 5 each", res.Owners)
	}
	// Without KeepOwners everything belongs to the caller: bob's copy of
	// the same contents is a duplicate of alice's.
	mine := MustOpenService(t)
	ctx := memory.WithOwner(t.Context(), "carol")
	res, err := exchange.Import(ctx, mine, bytes.NewReader(data), exchange.ImportOptions{})
	if err != nil || res.Imported != 5 || res.Duplicates != 5 || !reflect.DeepEqual(res.Owners, map[string]int{"carol": 5}) {
		t.Errorf("Import(as carol)=%+v, %v; want 5 imported for carol and 5 duplicates", res, err)
	}
	if n := len(all(t, mine, "alice")); n != 0 {
		t.Errorf("Import without KeepOwners stored %d memories for alice", n)
	}
}

// TestExport_Pages exports more memories than a page, many created in the
// same millisecond, each exactly once and in order.
func TestExport_Pages(t *testing.T) {
	svc := MustOpenService(t)
	var ms []*memory.Memory
	for i := range 1234 {
		at := t0
		if i%3 == 0 {
			at = t0.Add(time.Duration(i) * time.Millisecond)
		}
		ms = append(ms, memorytest.NewMemory(memory.LocalOwner, fmt.Sprintf("memory number %d", i), memorytest.At(at)))
	}
	if err := svc.Storage.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	var got []string
	var last int64
	n, err := svc.Export(t.Context(), memory.ExportRequest{Progress: func(done, total int64) { last = done }}, func(m *memory.Memory) error {
		got = append(got, m.Hash)
		return nil
	})
	if err != nil || n != len(ms) || last != int64(len(ms)) {
		t.Fatalf("Export()=%d, %v (progress %d), want %d", n, err, last, len(ms))
	}
	want := memorytest.Hashes(all(t, svc, memory.LocalOwner)...)
	if !slices.Equal(got, want) {
		t.Errorf("Export passed %d memories in another order or with repeats than Find's %d", len(got), len(want))
	}
}

// TestImport_BadInput: every malformed export is refused before anything
// is stored.
func TestImport_BadInput(t *testing.T) {
	src := MustOpenService(t)
	seed(t, src, memory.LocalOwner)
	good := string(export(t, src, exchange.ExportOptions{}))
	lines := strings.SplitAfter(good, "\n")
	header, first, end := lines[0], lines[1], lines[len(lines)-2]
	cut := good[:len(header)+len(first)+len(lines[2])/2] // the third line cut in the middle
	replace := func(old, new string) string { return strings.Replace(good, old, new, 1) }
	for _, c := range []struct{ name, input, want string }{
		{"empty", "", "empty"},
		{"not JSON Lines", "content_hash,content\nabc,hello\n", "not the header"},
		{"another JSON file", `{"memories": []}` + "\n", "not the header"},
		{"newer version", replace(`"version":1`, `"version":2`), "format version 2"},
		{"line cut short", cut, "line 3 is cut short"},
		{"no end line", strings.TrimSuffix(good, end), "truncated"},
		{"wrong count", replace(`"count":5`, `"count":6`), "counts 6 memories"},
		{"data after the end", good + first, "after the end line"},
		{"not an object", header + "[1,2]\n" + end, "line 2"},
		{"empty content", header + `{"content":"  ","tags":[]}` + "\n" + `{"end_of_export":true,"count":1}` + "\n", `"content"`},
		{"bad quality", header + `{"content":"x","quality_score":2}` + "\n" + `{"end_of_export":true,"count":1}` + "\n", "quality_score"},
		{"bad time", header + `{"content":"x","created_at":"yesterday"}` + "\n" + `{"end_of_export":true,"count":1}` + "\n", "RFC 3339"},
		{"wrong type", header + `{"content":"x","tags":"a,b"}` + "\n" + `{"end_of_export":true,"count":1}` + "\n", `"tags"`},
		{"vector without model", header + `{"content":"x","embedding":[1,2]}` + "\n" + `{"end_of_export":true,"count":1}` + "\n", "embedding_model"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := MustOpenService(t)
			_, err := exchange.Import(t.Context(), dst, strings.NewReader(c.input), exchange.ImportOptions{BatchSize: 1})
			if memory.ErrorCode(err) != memory.EInvalid || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Import(%s)=%v, want EInvalid containing %q", c.name, err, c.want)
			}
			if n := len(all(t, dst, memory.LocalOwner)); n != 0 {
				t.Errorf("Import(%s) stored %d memories, want none", c.name, n)
			}
		})
	}
}

// TestImport_ForeignVectors re-embeds memories whose vectors another model
// made, and keeps the others.
func TestImport_ForeignVectors(t *testing.T) {
	src := MustOpenService(t)
	src.Embedder = memorytest.NewFakeEmbedder(8) // another model
	if _, err := src.Store(t.Context(), memory.StoreRequest{Content: "otters hold hands while sleeping"}); err != nil {
		t.Fatal(err)
	}
	data := export(t, src, exchange.ExportOptions{Request: memory.ExportRequest{Embeddings: true}})
	dst := MustOpenService(t)
	res := importBytes(t, dst, data, exchange.ImportOptions{})
	if res.Embedded != 1 {
		t.Errorf("Import().Embedded=%d, want 1", res.Embedded)
	}
	got := all(t, dst, memory.LocalOwner)[0]
	if got.EmbeddingModel != "fake-16" || len(got.Embedding) != 16 {
		t.Errorf("imported memory has model %q and %d components, want fake-16 and 16", got.EmbeddingModel, len(got.Embedding))
	}
}
