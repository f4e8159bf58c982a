package mcpserver_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/mcp-memory-go/memory/mcpserver"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// connectIngest serves MCP with ingestion allowed under root.
func connectIngest(t *testing.T, root string, onProgress func(*mcp.ProgressNotificationClientRequest)) (*mcp.ClientSession, *memory.Service) {
	t.Helper()
	ctx := context.Background()
	st := sqlite.New(filepath.Join(t.TempDir(), "m.db"))
	if err := st.Open(ctx); err != nil {
		t.Fatal(err)
	}
	svc := memory.NewService(st, memorytest.NewFakeEmbedder(64))
	roots, err := ingest.ParseRoots(root)
	if err != nil {
		t.Fatal(err)
	}
	m := &ingest.Manager{Ingester: &ingest.Ingester{Service: svc}, History: st, Spool: filepath.Join(t.TempDir(), "spool")}
	server := mcpserver.New(svc, mcpserver.Options{Ingest: m, IngestRoots: roots})
	st1, ct := mcp.NewInMemoryTransports()
	ss, err := server.Connect(ctx, st1, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := &mcp.ClientOptions{}
	if onProgress != nil {
		opts.ProgressNotificationHandler = func(_ context.Context, r *mcp.ProgressNotificationClientRequest) { onProgress(r) }
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, opts).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close(); ss.Wait(); roots.Close(); st.Close() })
	return cs, svc
}

func TestIngestTool(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	writeFile(t, filepath.Join(root, "notes.md"), "# Boat\n\nThe sailing boat needs new ropes before the regatta in June.")
	writeFile(t, filepath.Join(root, "sub", "crew.csv"), "name,role\nAnna,skipper\nBen,navigator\n")
	writeFile(t, filepath.Join(root, "broken.pdf"), "%PDF-1.7 garbage")
	writeFile(t, filepath.Join(outside, "secret.txt"), "the safe combination is 1234")
	var mu sync.Mutex
	var progress []float64
	cs, svc := connectIngest(t, root, func(r *mcp.ProgressNotificationClientRequest) {
		mu.Lock()
		progress = append(progress, r.Params.Progress)
		mu.Unlock()
	})
	ctx := context.Background()

	var out mcpserver.IngestOutput
	call(t, cs, "memory_ingest", map[string]any{"file_path": filepath.Join(root, "notes.md"), "tags": "boat"}, &out)
	if out.Stored != 1 || out.FilesFailed != 0 || out.UploadID == "" {
		t.Fatalf("file: %+v", out)
	}
	// A directory: recursive by default, a failed file reported, others stored.
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "memory_ingest", Arguments: map[string]any{"directory_path": root},
		Meta: mcp.Meta{"progressToken": "p1"}})
	if err != nil || res.IsError {
		t.Fatalf("directory: %v %s", err, text(res))
	}
	if s := text(res); !strings.Contains(s, "Ingested 2 of 3 files") || !strings.Contains(s, "broken.pdf") {
		t.Errorf("summary: %s", s)
	}
	// Notifications travel apart from the answer: wait for the last.
	for i := 0; i < 200; i++ {
		mu.Lock()
		n := len(progress)
		mu.Unlock()
		if n >= 3 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if len(progress) != 3 || progress[2] != 3 {
		t.Errorf("progress notifications %v, want one per file", progress)
	}
	mu.Unlock()
	found, _ := svc.Search(ctx, memory.SearchRequest{Query: "navigator", Mode: memory.ModeKeyword})
	if found.Count != 1 {
		t.Errorf("CSV row not found: %+v", found)
	}
	// Outside the roots, or no path: a tool error naming the setting.
	for _, args := range []map[string]any{
		{"file_path": filepath.Join(outside, "secret.txt")},
		{"directory_path": outside},
		{"file_path": filepath.Join(root, "notes.md"), "directory_path": root},
		{},
		{"file_path": filepath.Join(root, "notes.md"), "chunk_size": 5},
	} {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "memory_ingest", Arguments: args})
		if err != nil || !res.IsError {
			t.Errorf("%v: %v %s, want a tool error", args, err, text(res))
		}
		if _, ok := args["file_path"]; ok && strings.Contains(args["file_path"].(string), "secret") && !strings.Contains(text(res), ingest.RootsVar) {
			t.Errorf("outside the roots: %s does not name %s", text(res), ingest.RootsVar)
		}
	}
	found, _ = svc.Search(ctx, memory.SearchRequest{Query: "safe combination", Mode: memory.ModeKeyword})
	if found.Count != 0 {
		t.Fatal("a file outside the roots was stored")
	}
	// v8 names, including the path argument of upstream's mapping.
	writeFile(t, filepath.Join(root, "late.txt"), "A late addition about the harbour fees for the winter season.")
	call(t, cs, "ingest_document", map[string]any{"path": filepath.Join(root, "late.txt")}, &out)
	if out.Stored != 1 {
		t.Errorf("ingest_document: %+v", out)
	}
	call(t, cs, "ingest_directory", map[string]any{"directory_path": root, "recursive": false, "file_extensions": []string{"txt"}}, &out)
	if len(out.Files) != 1 || out.Duplicates != 1 {
		t.Errorf("ingest_directory: %+v", out)
	}
	// Reading the server's files is for administrators over HTTP.
	for _, name := range []string{"memory_ingest", "ingest_document", "ingest_directory"} {
		if s := mcpserver.ToolScope(name); s != auth.ScopeAdmin {
			t.Errorf("ToolScope(%s) = %s, want admin", name, s)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
