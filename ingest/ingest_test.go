package ingest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/mcp-memory-go/memory/ingest/document"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// env is a service over a fresh SQLite store and a manager over it.
type env struct {
	svc   *memory.Service
	store *sqlite.Store
	m     *ingest.Manager
	dir   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	st := sqlite.New(filepath.Join(dir, "m.db"))
	if err := st.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := memory.NewService(st, memorytest.NewFakeEmbedder(32))
	m := &ingest.Manager{Ingester: &ingest.Ingester{Service: svc}, History: st, Spool: filepath.Join(dir, "uploads")}
	return &env{svc: svc, store: st, m: m, dir: dir}
}

// manual is a text long enough to make several chunks.
var manual = strings.Repeat("The centrifugal pump must be primed with water before it is started. ", 20) +
	"\n\n" + strings.Repeat("Replace the impeller seal every two thousand operating hours. ", 20) +
	"\n\n" + strings.Repeat("The warranty lasts twelve months from the date of purchase. ", 20)

func write(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func search(t *testing.T, svc *memory.Service, q string) memory.SearchResult {
	t.Helper()
	res, err := svc.Search(context.Background(), memory.SearchRequest{Query: q, Mode: memory.ModeKeyword, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestIngestStoresChunksWithTagsAndLocation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res, err := e.m.Ingester.Ingest(ctx, "/docs/Pump Manual.txt", []byte(manual), ingest.Options{Tags: []string{"manuals"}, UploadID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Chunks < 3 || res.Stored != res.Chunks || res.Format != "txt" || res.Name != "Pump Manual.txt" {
		t.Fatalf("result %+v", res)
	}
	found := search(t, e.svc, "impeller seal")
	if found.Count == 0 {
		t.Fatal("the ingested text is not found by search")
	}
	m := found.Results[0].Memory
	for _, tag := range []string{"manuals", "source_file:pump manual.txt", "file_type:txt", "upload_id:u1"} {
		if !strings.Contains(","+strings.Join(m.Tags, ",")+",", ","+tag+",") {
			t.Errorf("tags %v lack %q", m.Tags, tag)
		}
	}
	if m.Type != "document" || m.Metadata["source_file"] != "Pump Manual.txt" || m.Metadata["chunk_count"] == nil {
		t.Errorf("type %q metadata %v", m.Type, m.Metadata)
	}
	doc, err := document.Extract(ctx, "txt", []byte(manual), document.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	start, end := m.Metadata["start_offset"].(float64), m.Metadata["end_offset"].(float64)
	if got := string([]rune(doc.Text())[int(start):int(end)]); got != m.Content {
		t.Errorf("offsets %v-%v give %q, content %q", start, end, memory.Clip(got, 60), memory.Clip(m.Content, 60))
	}
	// The same file again: every chunk is a duplicate, nothing new.
	again, err := e.m.Ingester.Ingest(ctx, "/docs/Pump Manual.txt", []byte(manual), ingest.Options{})
	if err != nil || again.Stored != 0 || again.Duplicates != res.Chunks {
		t.Fatalf("second ingest: %v %+v", err, again)
	}
}

func TestIngestRefusesBadFilesAndStoresNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty.txt", nil, "empty"},
		{"garbage.txt", []byte("\x00\x01\x02\xff\xfe binary \x00\x00\x00\x07\x08"), "garbage.txt"},
		{"fake.pdf", []byte("this is not a pdf at all"), "fake.pdf"},
		{"program.exe", []byte("MZ\x90\x00"), "unsupported file type .exe"},
		{"notes", []byte("no extension"), "unsupported file type (none)"},
	} {
		_, err := e.m.Ingester.Ingest(ctx, tc.name, tc.data, ingest.Options{})
		if err == nil || !strings.Contains(memory.ErrorMessage(err), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
		if c := memory.ErrorCode(err); c == memory.EInternal {
			t.Errorf("%s: internal error %v", tc.name, err)
		}
	}
	for _, o := range []ingest.Options{{ChunkSize: 50}, {ChunkSize: 20000}, {ChunkOverlap: 5000}, {ChunkSize: 300, ChunkOverlap: 200}} {
		if _, err := e.m.Ingester.Ingest(ctx, "a.txt", []byte(manual), o); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("options %+v: %v, want invalid", o, err)
		}
	}
	if st, _ := e.svc.Stats(ctx); st.Storage.Memories != 0 {
		t.Fatalf("%d memories stored from bad input", st.Storage.Memories)
	}
}

// failingStore fails every Insert, as a full disk would.
type failingStore struct{ memory.Store }

func (failingStore) Insert(context.Context, []*memory.Memory) error {
	return errors.New("disk full")
}

func TestIngestIsAllOrNothing(t *testing.T) {
	e := newEnv(t)
	in := &ingest.Ingester{Service: memory.NewService(failingStore{e.store}, memorytest.NewFakeEmbedder(32))}
	res, err := in.Ingest(context.Background(), "manual.txt", []byte(manual), ingest.Options{})
	if err == nil || !res.Failed() {
		t.Fatalf("ingest over a failing store: %v %+v", err, res)
	}
	if st, _ := e.svc.Stats(context.Background()); st.Storage.Memories != 0 {
		t.Fatalf("%d chunks stored by a failed ingest", st.Storage.Memories)
	}
}
