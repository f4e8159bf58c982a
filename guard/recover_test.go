package guard_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/guard"
)

func TestRecover(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	h := guard.Recover(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("secret /etc/passwd detail")
	}))
	resp := serve(h, httptest.NewRequest("GET", "/api/x%0d%0aforged=1", nil))
	if resp.StatusCode != 500 {
		t.Fatalf("status=%d, want 500", resp.StatusCode)
	}
	body, _ := io.ReadAll(resp.Body)
	if bytes.Contains(body, []byte("secret")) || bytes.Contains(body, []byte("goroutine")) {
		t.Errorf("body leaks the panic: %s", body)
	}
	if !strings.Contains(string(body), `"error":"internal"`) {
		t.Errorf("body=%s, want an internal error", body)
	}
	if !strings.Contains(logs.String(), "secret /etc/passwd detail") {
		t.Errorf("log lacks the panic: %s", logs.String())
	}
	if strings.Count(logs.String(), "\n") != 1 || strings.Contains(logs.String(), "\nforged") {
		t.Errorf("log is not one line (path not sanitised?): %q", logs.String())
	}
}

func TestRecoverAbortHandler(t *testing.T) {
	h := guard.Recover(slog.New(slog.DiscardHandler))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler passed on", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	t.Error("ErrAbortHandler swallowed")
}

func TestRecoverAfterWrite(t *testing.T) {
	// Once the response has begun, the connection is aborted rather than
	// completed with a truncated body.
	srv := httptest.NewServer(guard.Recover(slog.New(slog.DiscardHandler))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic("boom")
	})))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		return // aborted before the headers arrived: fine
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("reading a body cut by a panic: err=%v, want an unexpected EOF", err)
	}
}
