package daemon_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/daemon"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/mcp-memory-go/memory/mcpserver"
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

// TestDocumentBadInputKeepsServerUp: hostile and broken files, uploaded
// or read from the server's disk, each end with a clear error that names
// the file; nothing of them is stored; the good file beside them is; and
// the daemon keeps serving.
func TestDocumentBadInputKeepsServerUp(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	good := "# Pumps\n\nThe bilge pump is serviced every spring before launch."
	var bomb bytes.Buffer // 64 MiB of zeros packed into a DOCX of about 64 KiB
	zw := zip.NewWriter(&bomb)
	w, _ := zw.Create("word/document.xml")
	io.Copy(w, io.LimitReader(zeroReader{}, 64<<20))
	zw.Close()
	files := map[string][]byte{
		"corrupt.pdf": []byte("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF garbage"),
		"bomb.docx":   bomb.Bytes(),
		"garbage.txt": []byte("\x00\x01\x02\xff\xfe\x00\x00\x07\x08\x00binary\x00\x00\x1b\x00"),
		"empty.md":    nil,
		"good.md":     []byte(good),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("The vault code is 7341."), 0o644)
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	e := start(t, daemon.Config{}, nil, withDocuments(root))
	ctx := context.Background()

	// REST: a batch of the broken files with the good one.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, name := range []string{"corrupt.pdf", "bomb.docx", "garbage.txt", "good.md"} {
		fw, _ := mw.CreateFormFile("files", name)
		fw.Write(files[name])
	}
	mw.Close()
	code, resp, _ := e.do("POST", "/api/documents/batch-upload", auth.ScopeWrite, body.Bytes(), "Content-Type", mw.FormDataContentType())
	var accepted struct {
		UploadID string `json:"upload_id"`
	}
	if code != http.StatusAccepted || json.Unmarshal([]byte(resp), &accepted) != nil {
		t.Fatalf("batch upload: %d %s", code, resp)
	}
	var u ingest.Upload
	for deadline := time.Now().Add(30 * time.Second); !u.Done(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the upload did not finish: %+v", u)
		}
		_, resp, _ = e.do("GET", "/api/documents/status/"+accepted.UploadID, auth.ScopeRead, nil)
		json.Unmarshal([]byte(resp), &u)
	}
	for _, f := range u.Files {
		switch {
		case f.Name == "good.md" && (f.Failed() || f.Stored == 0):
			t.Errorf("good.md in the batch: %+v", f)
		case f.Name != "good.md" && (!f.Failed() || !strings.Contains(f.Error, f.Name) || f.Stored != 0):
			t.Errorf("%s in the batch: %+v, want an error naming it and nothing stored", f.Name, f)
		}
	}
	if !strings.Contains(strings.Join(u.Errors, " "), "zip bomb") {
		t.Errorf("the bomb's error does not say what it is: %q", u.Errors)
	}
	// An empty file refuses its upload at once.
	ct, empty := multipartFile(t, "file", "empty.md", "")
	if code, resp, _ := e.do("POST", "/api/documents/upload", auth.ScopeWrite, empty, "Content-Type", ct); code != 400 || !strings.Contains(resp, "empty.md") {
		t.Errorf("empty upload: %d %s", code, resp)
	}

	// MCP: the same files read from the server's disk, a link out of the
	// root, and a path outside it.
	cs, err := e.mcpClient(auth.ScopeAdmin, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "memory_ingest", Arguments: map[string]any{"directory_path": root}})
	if err != nil {
		t.Fatal(err)
	}
	var out mcpserver.IngestOutput
	b, _ := json.Marshal(res.StructuredContent)
	json.Unmarshal(b, &out)
	failed := map[string]string{}
	for _, f := range out.Files {
		if f.Failed() {
			failed[f.Name] = f.Error
		}
	}
	for _, name := range []string{"corrupt.pdf", "bomb.docx", "garbage.txt", "empty.md", "escape.txt"} {
		if msg, ok := failed[name]; !ok || !strings.Contains(msg, name) {
			t.Errorf("memory_ingest of the directory: %s not failed with its name (%q); files %+v", name, msg, out.Files)
		}
	}
	if !strings.Contains(failed["escape.txt"], "symbolic link") {
		t.Errorf("the escaping link: %q", failed["escape.txt"])
	}
	for path, want := range map[string]string{
		filepath.Join(outside, "secret.txt"): "MCP_MEMORY_INGEST_ROOTS",
		filepath.Join(root, "escape.txt"):    "symbolic link",
		filepath.Join(root, "..", "x.txt"):   "outside",
	} {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "memory_ingest", Arguments: map[string]any{"file_path": path}})
		if err != nil || !res.IsError || !strings.Contains(resultText(res), want) {
			t.Errorf("memory_ingest %s: %v %s, want a tool error saying %q", path, err, resultText(res), want)
		}
	}

	// Nothing of the bad files was stored, the good one was, and the
	// server still answers and stores.
	list, err := e.svc.List(ctx, memory.ListRequest{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list.Memories {
		if m.Metadata["source_file"] != "good.md" || strings.Contains(m.Content, "vault") {
			t.Errorf("stored from a bad file: %+v", m)
		}
	}
	if list.Total == 0 {
		t.Error("the good file was not stored")
	}
	if code, _, _ := e.do("GET", "/api/health", "", nil); code != 200 {
		t.Errorf("health after the bad files: %d", code)
	}
	if code, _, _ := e.do("POST", "/api/memories", auth.ScopeWrite, map[string]any{"content": "still storing"}); code != 200 {
		t.Errorf("store after the bad files: %d", code)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func resultText(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}
