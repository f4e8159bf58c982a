package guard_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/guard"
)

func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	// The principal is set by an authentication layer inside the log.
	authn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := &auth.Principal{KeyID: "k1", Scope: auth.ScopeRead}
			guard.SetClient(r.Context(), p.ID())
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		})
	}
	h := guard.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "hello")
	}), guard.AccessLog(logger), authn)

	r := httptest.NewRequest("POST", "/api/events?ticket=SECRET-TICKET", nil)
	r.Header.Set("Authorization", "Bearer SECRET-KEY")
	r.Header.Set("X-API-Key", "SECRET-KEY2")
	serve(h, r)

	if s := buf.String(); strings.Contains(s, "SECRET") || strings.Contains(s, "ticket") {
		t.Fatalf("log leaks a credential or the query: %s", s)
	}
	lines := logLines(t, &buf)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1", len(lines))
	}
	l := lines[0]
	for k, want := range map[string]any{"method": "POST", "path": "/api/events", "status": 201.0, "bytes": 5.0, "client": "key:k1"} {
		if l[k] != want {
			t.Errorf("%s=%v, want %v", k, l[k], want)
		}
	}
	if _, ok := l["duration"]; !ok {
		t.Error("no duration")
	}
}

func TestAccessLogClientIP(t *testing.T) {
	var buf bytes.Buffer
	h := guard.AccessLog(slog.New(slog.NewJSONHandler(&buf, nil)))(ok)
	r := httptest.NewRequest("GET", "/x", nil)
	r.RemoteAddr = "10.1.2.3:4444"
	serve(h, r)
	// The principal of an outer authentication layer is seen too.
	r = httptest.NewRequest("GET", "/x", nil)
	r = r.WithContext(auth.WithPrincipal(context.Background(), &auth.Principal{KeyID: "env", Scope: auth.ScopeAdmin}))
	serve(h, r)
	lines := logLines(t, &buf)
	if len(lines) != 2 || lines[0]["client"] != "10.1.2.3" || lines[0]["status"] != 200.0 || lines[1]["client"] != "key:env" {
		t.Errorf("lines=%v, want clients 10.1.2.3 then key:env, status 200", lines)
	}
}

// TestAccessLogStreams checks that an SSE handler can flush through the
// access log and the recovery wrapper, and the client reads each event
// before the handler returns.
func TestAccessLogStreams(t *testing.T) {
	next := make(chan struct{})
	sse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "no flusher", 500)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, ev := range []string{"one", "two"} {
			io.WriteString(w, "data: "+ev+"\n\n")
			f.Flush()
			<-next
		}
	})
	srv := httptest.NewServer(guard.Chain(sse, guard.AccessLog(slog.New(slog.DiscardHandler)), guard.Recover(nil)))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for _, want := range []string{"data: one\n", "data: two\n"} {
		line, err := br.ReadString('\n')
		if err != nil || line != want {
			t.Fatalf("read %q, %v, want %q", line, err, want)
		}
		br.ReadString('\n')
		next <- struct{}{} // the handler is still running: the event was flushed
	}
}
