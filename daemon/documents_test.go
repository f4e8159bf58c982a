package daemon_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/daemon"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// streamLines opens the event stream with the key of scope and returns
// its lines as they arrive; the channel closes when the stream ends.
func (e *env) streamLines(scope string) <-chan string {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+"/api/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+e.keys[scope])
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("event stream: %v %v", err, resp)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	lines := make(chan string, 1000)
	go func() {
		defer close(lines)
		buf := make([]byte, 64<<10)
		var acc string
		for {
			n, err := resp.Body.Read(buf)
			acc += string(buf[:n])
			for {
				i := strings.Index(acc, "\n")
				if i < 0 {
					break
				}
				lines <- acc[:i]
				acc = acc[i+1:]
			}
			if err != nil {
				return
			}
		}
	}()
	return lines
}

// stream opens the event stream with the key of scope and returns a
// function that waits for a line containing some text and returns the
// lines read up to it.
func (e *env) stream(scope string) func(what string) []string {
	e.t.Helper()
	lines := e.streamLines(scope)
	return func(what string) []string {
		e.t.Helper()
		var seen []string
		deadline := time.After(20 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					e.t.Fatalf("stream ended before %q", what)
				}
				seen = append(seen, l)
				if strings.Contains(l, what) {
					return seen
				}
			case <-deadline:
				e.t.Fatalf("no %q on the event stream", what)
			}
		}
	}
}

func withDocuments(root string) func(*env, *daemon.Config) {
	return func(e *env, cfg *daemon.Config) {
		m := &ingest.Manager{Ingester: &ingest.Ingester{Service: e.svc}, History: e.store, Spool: filepath.Join(e.t.TempDir(), "spool")}
		roots, err := ingest.ParseRoots(root)
		if err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(func() { roots.Close() })
		cfg.Documents = m
		cfg.MCP.Ingest, cfg.MCP.IngestRoots = m, roots
	}
}

// An upload larger than the general body limit goes through, is processed
// in the background with its progress on the event stream, and the
// general limit still holds elsewhere.
func TestDocumentUploadOverHTTP(t *testing.T) {
	root := t.TempDir()
	e := start(t, daemon.Config{Heartbeat: time.Hour, MaxBodyBytes: 1 << 20}, nil, withDocuments(root))
	wait := e.stream(auth.ScopeRead)
	wait("connection_established")

	big := strings.Repeat("The lighthouse keeper logs the weather every evening at six. ", 25000) // ~1.5 MB
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("tags", "logbook")
	fw, _ := w.CreateFormFile("file", "logbook.txt")
	fw.Write([]byte(big))
	w.Close()
	code, resp, _ := e.do("POST", "/api/documents/upload", auth.ScopeWrite, body.Bytes(), "Content-Type", w.FormDataContentType())
	if code != http.StatusAccepted {
		t.Fatalf("upload of %d bytes: %d %s", body.Len(), code, resp)
	}
	wait("upload_progress")
	wait(`"status":"completed"`)
	if code, _, _ := e.do("POST", "/api/memories", auth.ScopeWrite, `{"content":"`+strings.Repeat("x", 2<<20)+`"}`); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MB memory: %d, want 413", code)
	}
	code, resp, _ = e.do("GET", "/api/documents/history", auth.ScopeRead, nil)
	if code != 200 || !strings.Contains(resp, "logbook.txt") || !strings.Contains(resp, `"status":"completed"`) {
		t.Fatalf("history: %d %s", code, memoryClip(resp))
	}
}

// memory_ingest reads the server's files: a write key is not enough.
func TestIngestToolNeedsAdmin(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "a.md"), []byte("# Keys\n\nThe spare key hangs behind the kitchen door."), 0o644)
	e := start(t, daemon.Config{}, nil, withDocuments(root))
	args := map[string]any{"file_path": filepath.Join(root, "a.md")}
	cs, err := e.mcpClient(auth.ScopeWrite, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "memory_ingest", Arguments: args}); err == nil && !res.IsError {
		t.Fatal("memory_ingest with a write key succeeded")
	}
	admin, err := e.mcpClient(auth.ScopeAdmin, "")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	res, err := admin.CallTool(context.Background(), &mcp.CallToolParams{Name: "memory_ingest", Arguments: args})
	if err != nil || res.IsError {
		t.Fatalf("memory_ingest as admin: %v %+v", err, res)
	}
}

func memoryClip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
