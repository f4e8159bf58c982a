package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/ingest"
)

// withDocuments turns uploads on and runs them until the test ends.
func (e *env) withDocuments() *ingest.Manager {
	e.t.Helper()
	m := &ingest.Manager{Ingester: &ingest.Ingester{Service: e.svc}, History: e.st, Spool: filepath.Join(e.t.TempDir(), "spool")}
	m.OnChange = func(u ingest.Upload) { e.svc.Announce(uploadEvent(u)) }
	e.api.Documents = m
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	e.t.Cleanup(func() { cancel(); <-done })
	return m
}

// form builds a multipart body: fields, then files as name=content.
func form(t *testing.T, fileField string, files map[string]string, fields ...string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	for name, content := range files {
		fw, err := w.CreateFormFile(fileField, name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// waitUpload polls the status route until the upload is done.
func (e *env) waitUpload(who, id string) map[string]any {
	e.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		u := e.mustDo(http.StatusOK, who, "GET", "/api/documents/status/"+id, nil).JSON(e.t)
		if u["status"] == "completed" || u["status"] == "failed" {
			return u
		}
	}
	e.t.Fatalf("upload %s did not finish", id)
	return nil
}

var pumpText = strings.Repeat("The centrifugal pump must be primed before starting. ", 30) + "\n\n" +
	strings.Repeat("Replace the impeller seal every two thousand hours. ", 30)

func TestDocumentUploadLifecycle(t *testing.T) {
	e := MustOpenEnv(t)
	e.withDocuments()
	ct, body := form(t, "file", map[string]string{"pump.md": pumpText}, "tags", "manuals file:///home/x/pump.md", "chunk_size", "500", "chunk_overlap", "0")
	// Reading needs read, uploading write.
	e.wantError(e.do("alice-read", "POST", "/api/documents/upload", body, "Content-Type", ct), http.StatusForbidden, "insufficient_scope")
	e.wantError(e.do("", "POST", "/api/documents/upload", body, "Content-Type", ct), http.StatusUnauthorized, "unauthorized")
	r := e.mustDo(http.StatusAccepted, "alice-write", "POST", "/api/documents/upload", body, "Content-Type", ct)
	acc := r.JSON(t)
	id, _ := acc["upload_id"].(string)
	if acc["status"] != "queued" || id == "" || r.Header.Get("Location") != "/api/documents/status/"+id {
		t.Fatalf("accepted: %s %v", r.Body, r.Header)
	}
	u := e.waitUpload("alice-read", id)
	if u["status"] != "completed" || u["chunks_stored"].(float64) < 2 || u["progress"].(float64) != 100 {
		t.Fatalf("status %v", u)
	}
	if tags := fmt.Sprint(u["tags"]); tags != "[manuals pump.md]" {
		t.Errorf("upload tags %s: want the file:// URL reduced to the file name", tags)
	}
	// Bob sees nothing of it.
	e.wantError(e.do("bob-write", "GET", "/api/documents/status/"+id, nil), http.StatusNotFound, "not_found")
	e.wantError(e.do("bob-write", "GET", "/api/documents/search-content/"+id, nil), http.StatusNotFound, "not_found")
	if h := e.mustDo(http.StatusOK, "bob-write", "GET", "/api/documents/history", nil).JSON(t); h["total"].(float64) != 0 {
		t.Errorf("bob's history: %v", h)
	}
	// Alice's history and chunks, in order with their location.
	h := e.mustDo(http.StatusOK, "alice-read", "GET", "/api/documents/history", nil).JSON(t)
	if h["total"].(float64) != 1 {
		t.Fatalf("history %v", h)
	}
	c := e.mustDo(http.StatusOK, "alice-read", "GET", "/api/documents/search-content/"+id, nil).JSON(t)
	ms := c["memories"].([]any)
	first := ms[0].(map[string]any)
	if len(ms) != int(u["chunks_stored"].(float64)) || first["chunk_index"].(float64) != 0 || !strings.HasPrefix(first["content"].(string), "The centrifugal pump") {
		t.Fatalf("content %s", c)
	}
	for _, tag := range []string{"source_file:pump.md", "file_type:md", "upload_id:" + id, "manuals"} {
		if !strings.Contains(fmt.Sprint(first["tags"]), tag) {
			t.Errorf("chunk tags %v lack %s", first["tags"], tag)
		}
	}
	// Found by search like any memory.
	res := e.mustDo(http.StatusOK, "alice-read", "POST", "/api/search", map[string]any{"query": "impeller seal", "mode": "keyword"}).JSON(t)
	if res["total_found"].(float64) == 0 {
		t.Fatalf("search after upload: %v", res)
	}
	// Remove it with its memories.
	rm := e.mustDo(http.StatusOK, "alice-write", "DELETE", "/api/documents/remove/"+id, nil).JSON(t)
	if rm["memories_deleted"] != u["chunks_stored"] || e.count("alice") != 0 {
		t.Fatalf("remove: %v, %d memories left", rm, e.count("alice"))
	}
	e.wantError(e.do("alice-read", "GET", "/api/documents/status/"+id, nil), http.StatusNotFound, "not_found")
}

func TestDocumentBatchAndRemoveByTags(t *testing.T) {
	e := MustOpenEnv(t)
	e.withDocuments()
	ct, body := form(t, "files", map[string]string{
		"a.txt":   "Alpha document about solar panels and their yearly maintenance on the roof.",
		"b.csv":   "name,role\nAda,engineer\nGrace,admiral\n",
		"bad.pdf": "not a pdf",
	}, "tags", "kb")
	acc := e.mustDo(http.StatusAccepted, "alice-write", "POST", "/api/documents/batch-upload", body, "Content-Type", ct).JSON(t)
	u := e.waitUpload("alice-read", acc["upload_id"].(string))
	if u["status"] != "completed" || len(u["errors"].([]any)) != 1 || len(u["files"].([]any)) != 3 {
		t.Fatalf("batch %v", u)
	}
	res := e.mustDo(http.StatusOK, "alice-write", "DELETE", "/api/documents/remove-by-tags?tags=file_type:csv&tags=nothing", nil).JSON(t)
	if res["memories_deleted"].(float64) < 1 || fmt.Sprint(res["affected_uploads"]) != "["+acc["upload_id"].(string)+"]" {
		t.Fatalf("remove by tags: %v", res)
	}
	e.wantError(e.do("alice-write", "DELETE", "/api/documents/remove-by-tags", nil), http.StatusBadRequest, "invalid")
}

func TestDocumentUploadBadInput(t *testing.T) {
	e := MustOpenEnv(t)
	m := e.withDocuments()
	m.Ingester.Limits.MaxBytes = 1000
	before := e.count("alice")
	ct, ok := form(t, "file", map[string]string{"a.txt": pumpText[:500]})
	for _, tc := range []struct {
		name        string
		ct          string
		body        []byte
		status      int
		code, about string
	}{
		{"json body", "application/json", []byte(`{}`), http.StatusUnsupportedMediaType, "unsupported_media_type", "multipart"},
		{"no file", ct, formOnly(t, "tags", "x"), http.StatusBadRequest, "invalid", "no file"},
		{"unsupported", ct, mustForm(t, "file", "tool.exe", "MZ"), http.StatusBadRequest, "invalid", "unsupported file type .exe"},
		{"empty", ct, mustForm(t, "file", "empty.txt", ""), http.StatusBadRequest, "invalid", "empty"},
		{"too large", ct, mustForm(t, "file", "big.txt", strings.Repeat("x", 2000)), http.StatusRequestEntityTooLarge, "too_large", "big.txt"},
		{"two files on the single route", ct, twoFiles(t), http.StatusBadRequest, "invalid", "batch-upload"},
		{"bad chunk size", ct, mustForm(t, "file", "a.txt", pumpText[:500], "chunk_size", "ten"), http.StatusBadRequest, "invalid", "chunk_size"},
		{"chunk size out of range", ct, mustForm(t, "file", "a.txt", pumpText[:500], "chunk_size", "5"), http.StatusBadRequest, "invalid", "chunk_size"},
		{"truncated multipart", ct, ok[:len(ok)/2], http.StatusBadRequest, "invalid", "multipart"},
	} {
		ctype := tc.ct
		if strings.HasPrefix(ctype, "multipart/") && tc.name != "truncated multipart" {
			ctype = boundaryOf(tc.body)
		}
		r := e.do("alice-write", "POST", "/api/documents/upload", tc.body, "Content-Type", ctype)
		got := e.wantError(r, tc.status, tc.code)
		if d, _ := got["error_description"].(string); !strings.Contains(d, tc.about) {
			t.Errorf("%s: %q does not mention %q", tc.name, d, tc.about)
		}
	}
	if us, _ := m.List(context.Background(), 0); len(us) != 0 || e.count("alice") != before {
		t.Fatalf("bad uploads left %d history entries", len(us))
	}
}

// mustForm builds a one-file form.
func mustForm(t *testing.T, field, name, content string, fields ...string) []byte {
	_, b := form(t, field, map[string]string{name: content}, fields...)
	return b
}

func formOnly(t *testing.T, fields ...string) []byte {
	_, b := form(t, "file", nil, fields...)
	return b
}

func twoFiles(t *testing.T) []byte {
	_, b := form(t, "file", map[string]string{"a.txt": pumpText[:300], "b.txt": pumpText[300:600]})
	return b
}

// boundaryOf returns the Content-Type of a body made by form.
func boundaryOf(body []byte) string {
	line, _, _ := bytes.Cut(body, []byte("\r\n"))
	return "multipart/form-data; boundary=" + strings.TrimPrefix(string(line), "--")
}

func TestDocumentsOffIs503(t *testing.T) {
	e := MustOpenEnv(t)
	e.wantError(e.do("alice-read", "GET", "/api/documents/history", nil), http.StatusServiceUnavailable, "unavailable")
}

func uploadEvent(u ingest.Upload) memory.Event {
	return memory.Event{Type: memory.EventUpload, Owner: u.Owner, Data: u}
}

// TestDocumentUploadNamesCannotTraverse: a file name with directories,
// "..", or backslashes is reduced to its last element; files are spooled
// under the upload's own directory by number, never by the name given
// (CWE-22).
func TestDocumentUploadNamesCannotTraverse(t *testing.T) {
	e := MustOpenEnv(t)
	m := e.withDocuments()
	for name, want := range map[string]string{
		"../../../escaped.md":         "escaped.md",
		`..\..\windows-escaped.md`:    "windows-escaped.md",
		"/etc/cron.d/absolute.md":     "absolute.md",
		"notes/../../../../dotdot.md": "dotdot.md",
	} {
		ct, body := form(t, "file", map[string]string{name: "Some notes about the garden shed and its new roof, " + want})
		id := e.mustDo(http.StatusAccepted, "alice-write", "POST", "/api/documents/upload", body, "Content-Type", ct).JSON(t)["upload_id"].(string)
		u := e.waitUpload("alice-read", id)
		if u["filename"] != want || u["status"] != "completed" {
			t.Errorf("upload of %q: %v, want it stored as %q", name, u, want)
		}
	}
	// Nothing was written outside the spool, under any given name.
	top := filepath.Dir(filepath.Dir(m.Spool))
	filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".md") {
			t.Errorf("a file was written at %s", p)
		}
		return nil
	})
}
