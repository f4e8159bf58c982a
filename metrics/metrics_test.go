package metrics_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/metrics"
	"github.com/mcp-memory-go/memory/sqlite"
)

// MustOpenService returns a service over a fresh SQLite store and the fake
// embedder.
func MustOpenService(tb testing.TB) *memory.Service {
	tb.Helper()
	ctx := context.Background()
	st := sqlite.New(filepath.Join(tb.TempDir(), "m.db"))
	if err := st.Open(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return memory.NewService(st, memorytest.NewFakeEmbedder(16))
}

// scrape returns the text exposition of m.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("GET /metrics: status=%d: %s", w.Code, w.Body)
	}
	return w.Body.String()
}

// sample returns the line of the sample named by prefix (name and labels).
func sample(text, prefix string) string {
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, prefix+" ") {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

func store(t *testing.T, svc *memory.Service, content string) {
	t.Helper()
	if _, err := svc.Store(context.Background(), memory.StoreRequest{Content: content, Tags: []string{"t-" + content}}); err != nil {
		t.Fatalf("Store(%q): %v", content, err)
	}
}

func TestScrape(t *testing.T) {
	svc := MustOpenService(t)
	m := metrics.New(svc)
	svc.OnEvent = m.ObserveEvent
	svc.Embedder = m.Embedder(svc.Embedder)
	store(t, svc, "the first memory")
	store(t, svc, "the second memory")
	if _, err := svc.Search(context.Background(), memory.SearchRequest{Query: "memory"}); err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/memories/{hash}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "{}") })
	h := m.Middleware(nil)(mux)
	for _, p := range []string{"/api/memories/abc", "/api/memories/def", "/nowhere/xyz"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("BREW", "/api/memories/abc", nil))

	text := scrape(t, m)
	for prefix, want := range map[string]string{
		`memory_memories`:                            "2",
		`memory_tombstones`:                          "0",
		`memory_unique_tags`:                         "2",
		`memory_stores_total`:                        "2",
		`memory_searches_total`:                      "1",
		`memory_store_errors_total`:                  "0",
		`memory_events_total{type="memory_stored"}`:  "2",
		`memory_events_total{type="memory_deleted"}`: "0",
		`http_requests_total{code="200",method="GET",route="GET /api/memories/{hash}"}`:      "2",
		`http_requests_total{code="404",method="GET",route="unmatched"}`:                     "1",
		`http_requests_total{code="405",method="OTHER",route="unmatched"}`:                   "1",
		`http_request_duration_seconds_count{method="GET",route="GET /api/memories/{hash}"}`: "2",
	} {
		line := sample(text, prefix)
		if line == "" {
			t.Errorf("no sample %s", prefix)
		} else if got := strings.TrimPrefix(line, prefix+" "); got != want {
			t.Errorf("%s=%s, want %s", prefix, got, want)
		}
	}
	for _, name := range []string{
		"memory_index_size_bytes", "memory_embed_duration_seconds_count", "memory_embedded_texts_total",
		"memory_embed_errors_total", "go_goroutines", "process_start_time_seconds",
	} {
		if !strings.Contains(text, "\n"+name) {
			t.Errorf("no metric %s", name)
		}
	}
	if v := sample(text, "memory_embed_duration_seconds_count"); v == "memory_embed_duration_seconds_count 0" {
		t.Error("embedder calls not observed")
	}
	if strings.Contains(text, "/api/memories/abc") || strings.Contains(text, "xyz") {
		t.Error("a raw path became a label")
	}
	if !strings.HasPrefix(sample(text, "memory_index_size_bytes"), "memory_index_size_bytes ") || sample(text, "memory_index_size_bytes") == "memory_index_size_bytes 0" {
		t.Errorf("memory_index_size_bytes: %q", sample(text, "memory_index_size_bytes"))
	}
}

func TestStatsCached(t *testing.T) {
	svc := MustOpenService(t)
	m := metrics.New(svc)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	m.Now = func() time.Time { return now }
	store(t, svc, "one")
	if got := sample(scrape(t, m), "memory_memories"); got != "memory_memories 1" {
		t.Fatalf("first scrape: %q", got)
	}
	store(t, svc, "two")
	if got := sample(scrape(t, m), "memory_memories"); got != "memory_memories 1" {
		t.Errorf("within the TTL: %q, want the cached 1", got)
	}
	now = now.Add(metrics.DefaultStatsTTL)
	if got := sample(scrape(t, m), "memory_memories"); got != "memory_memories 2" {
		t.Errorf("after the TTL: %q, want 2", got)
	}
}

func TestStoreFailureServesTheRest(t *testing.T) {
	ctx := context.Background()
	st := sqlite.New(filepath.Join(t.TempDir(), "m.db"))
	if err := st.Open(ctx); err != nil {
		t.Fatal(err)
	}
	svc := memory.NewService(st, nil)
	m := metrics.New(svc)
	var logs bytes.Buffer
	m.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	st.Close() // every Stats call now fails
	text := scrape(t, m)
	if !strings.Contains(logs.String(), "serving metrics") {
		t.Errorf("the failure was not logged: %q", logs.String())
	}
	if strings.Contains(text, "\nmemory_memories ") {
		t.Error("store figures served from a closed store")
	}
	if !strings.Contains(text, "\ngo_goroutines ") {
		t.Error("a failing store hid the other metrics")
	}
}

func TestNilService(t *testing.T) {
	text := scrape(t, metrics.New(nil))
	if !strings.Contains(text, "\ngo_goroutines ") || strings.Contains(text, "memory_memories") {
		t.Error("without a service: want the runtime metrics and no store figures")
	}
}

// TestMiddlewareStreams checks that an SSE handler can flush through the
// middleware: the client reads each event while the handler still runs.
func TestMiddlewareStreams(t *testing.T) {
	m := metrics.New(nil)
	next := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for _, ev := range []string{"one", "two"} {
			io.WriteString(w, "data: "+ev+"\n\n")
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			} else {
				t.Error("writer lost http.Flusher")
			}
			if err := rc.SetWriteDeadline(time.Time{}); err != nil {
				t.Errorf("ResponseController through the middleware: %v", err)
			}
			<-next
		}
	})
	srv := httptest.NewServer(m.Middleware(nil)(mux))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	for _, want := range []string{"data: one\n", "data: two\n"} {
		line, err := br.ReadString('\n')
		if err != nil || line != want {
			t.Fatalf("read %q, %v, want %q", line, err, want)
		}
		br.ReadString('\n')
		next <- struct{}{}
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if got := sample(scrape(t, m), `http_requests_total{code="200",method="GET",route="GET /api/events"}`); !strings.HasSuffix(got, " 1") {
		t.Errorf("stream not counted: %q", got)
	}
}

func TestCustomRoute(t *testing.T) {
	m := metrics.New(nil)
	h := m.Middleware(func(r *http.Request) string { return "mcp" })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/mcp/whatever", nil))
	if got := sample(scrape(t, m), `http_requests_total{code="202",method="POST",route="mcp"}`); got == "" {
		t.Error("custom route not used")
	}
}
