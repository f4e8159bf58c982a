package openai_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/embed/openai"
)

func TestRetry429HonoursRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second},
		{"http date", map[string]string{"Retry-After": now.Add(5 * time.Second).Format(http.TimeFormat)}, 5 * time.Second},
		{"date in the past", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0},
		{"milliseconds", map[string]string{"Retry-After-Ms": "250", "Retry-After": "9"}, 250 * time.Millisecond},
		{"capped", map[string]string{"Retry-After": "3600"}, openai.DefaultMaxBackoff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 4)
			f.reply(fakeReply{status: 429, body: `{"error":{"message":"slow down"}}`, header: tc.header})
			e, s := newEmbedder(t, f, func(c *openai.Config) { c.Now = func() time.Time { return now } })
			got, err := e.Embed(context.Background(), []string{"x"})
			if err != nil {
				t.Fatal(err)
			}
			checkVectors(t, got, []string{"x"}, 4)
			if w := s.got(); len(w) != 1 || w[0] != tc.want {
				t.Errorf("waits = %v, want [%v]", w, tc.want)
			}
			rep := e.Report()
			if rep["requests"] != int64(2) || rep["retries"] != int64(1) || rep["errors"] != int64(0) {
				t.Errorf("Report() = %v", rep)
			}
		})
	}
}

func TestRetry500ThenSuccessBacksOff(t *testing.T) {
	f := newFake(t, 4)
	f.reply(fakeReply{status: 500, body: "boom"}, fakeReply{status: 502, body: "bad gateway"})
	e, s := newEmbedder(t, f, func(c *openai.Config) { c.MinBackoff = 100 * time.Millisecond })
	if _, err := e.Embed(context.Background(), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	w := s.got()
	if len(w) != 2 {
		t.Fatalf("waits = %v, want 2", w)
	}
	// Exponential with up to 50% jitter: [50ms,100ms] then [100ms,200ms].
	if w[0] < 50*time.Millisecond || w[0] > 100*time.Millisecond || w[1] < 100*time.Millisecond || w[1] > 200*time.Millisecond {
		t.Errorf("waits = %v, want about 100ms then 200ms with jitter", w)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	if r := e.Report()["retries"]; r != int64(2) {
		t.Errorf("retries = %v, want 2", r)
	}
}

func TestRetriesExhausted(t *testing.T) {
	f := newFake(t, 4)
	for range 5 {
		f.reply(fakeReply{status: 503, body: `{"error":{"message":"model is loading"}}`})
	}
	e, s := newEmbedder(t, f, nil)
	_, err := e.Embed(context.Background(), []string{"x"})
	var se *openai.StatusError
	if !errors.As(err, &se) || se.StatusCode != 503 {
		t.Fatalf("err = %v, want a 503 StatusError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "giving up after 4 attempts") || !strings.Contains(msg, "model is loading") {
		t.Errorf("error %q", msg)
	}
	if n, w := len(f.requests()), len(s.got()); n != 4 || w != 3 {
		t.Errorf("%d requests and %d waits, want 4 and 3", n, w)
	}
	rep := e.Report()
	if rep["errors"] != int64(1) || !strings.Contains(rep["last_error"].(string), "503") || rep["last_error_at"] == "" {
		t.Errorf("Report() = %v", rep)
	}
}

func TestNoRetries(t *testing.T) {
	f := newFake(t, 4)
	f.reply(fakeReply{status: 500, body: "boom"})
	e, s := newEmbedder(t, f, func(c *openai.Config) { c.MaxRetries = -1 })
	_, err := e.Embed(context.Background(), []string{"x"})
	if err == nil || strings.Contains(err.Error(), "giving up") || len(s.got()) != 0 || len(f.requests()) != 1 {
		t.Fatalf("err = %v, waits %v", err, s.got())
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	long := strings.Repeat("x", 500)
	for _, tc := range []struct {
		name   string
		key    string
		reply  fakeReply
		status int
		want   []string
	}{
		{"401 openai shape", "sk-wrong", fakeReply{status: 401, body: `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`},
			401, []string{"401", "Incorrect API key provided", "check MCP_EXTERNAL_EMBEDDING_API_KEY"}},
		{"401 without key", "", fakeReply{status: 401, body: `{"error":"unauthorized"}`},
			401, []string{"401", "unauthorized", "no API key is set"}},
		{"403", "k", fakeReply{status: 403, body: `{"detail":"forbidden for this project"}`},
			403, []string{"403", "forbidden for this project", "MCP_EXTERNAL_EMBEDDING_API_KEY"}},
		{"404 ollama model", "", fakeReply{status: 404, body: `{"error":{"message":"model \"nomic-embed-text\" not found, try pulling it first"}}`},
			404, []string{"404", "try pulling it first", "check the URL http://", "ollama pull nomic-embed-text"}},
		{"400 long plain body", "", fakeReply{status: 400, body: long},
			400, []string{"400 Bad Request", strings.Repeat("x", 200) + "…"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 4)
			f.reply(tc.reply)
			e, s := newEmbedder(t, f, func(c *openai.Config) { c.APIKey = tc.key })
			_, err := e.Embed(context.Background(), []string{"x"})
			var se *openai.StatusError
			if !errors.As(err, &se) || se.StatusCode != tc.status {
				t.Fatalf("err = %v, want StatusError %d", err, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), strings.Repeat("x", 201)) {
				t.Errorf("body not truncated: %d bytes of error", len(err.Error()))
			}
			if n := len(f.requests()); n != 1 || len(s.got()) != 0 {
				t.Errorf("%d requests, %d waits; %d must not be retried", n, len(s.got()), tc.status)
			}
		})
	}
}

func TestAPIKeyNeverLeaks(t *testing.T) {
	const key = "sk-very-secret-key-42"
	f := newFake(t, 4)
	echo := `{"error":{"message":"key ` + key + ` is not valid"}}`
	f.reply(fakeReply{status: 500, body: echo}, fakeReply{status: 401, body: echo})
	var logs bytes.Buffer
	e, _ := newEmbedder(t, f, func(c *openai.Config) {
		c.APIKey = key
		c.URL = strings.Replace(f.srv.URL, "http://", "http://user:hunter2@", 1) + "/v1?token=qs-secret"
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	_, err := e.Embed(context.Background(), []string{"x"})
	if err == nil {
		t.Fatal("no error")
	}
	var se *openai.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	rep := e.Report()
	for where, s := range map[string]string{
		"error": err.Error(), "status message": se.Message, "log": logs.String(),
		"last_error": rep["last_error"].(string), "url": rep["url"].(string),
	} {
		for _, secret := range []string{key, "hunter2", "qs-secret"} {
			if strings.Contains(s, secret) {
				t.Errorf("%s leaks %q: %s", where, secret, s)
			}
		}
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("retry not logged: %s", logs.String())
	}
	if r := f.requests()[0]; r.Query != "token=qs-secret" {
		t.Errorf("query %q not sent", r.Query)
	}
}

func TestTimeout(t *testing.T) {
	f := newFake(t, 4)
	f.set(func(sw *switches) { sw.block = true })
	e, s := newEmbedder(t, f, func(c *openai.Config) { c.Timeout = 50 * time.Millisecond; c.MaxRetries = 2 })
	start := time.Now()
	_, err := e.Embed(context.Background(), []string{"x"})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out after 50ms") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	if n, w := len(f.requests()), len(s.got()); n != 3 || w != 2 {
		t.Errorf("%d requests, %d waits; timeouts should be retried", n, w)
	}
}

func TestCancelDuringRequest(t *testing.T) {
	f := newFake(t, 4)
	f.set(func(sw *switches) { sw.block = true })
	e, s := newEmbedder(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.Embed(ctx, []string{"x"})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancellation took %v", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(s.got()) != 0 || len(f.requests()) != 1 {
		t.Errorf("retried after cancellation")
	}
	if rep := e.Report(); rep["errors"] != int64(0) || rep["last_error"] != "" {
		t.Errorf("cancellation counted as an error: %v", rep)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	f := newFake(t, 4)
	for range 4 {
		f.reply(fakeReply{status: 503})
	}
	// A real sleep with a long backoff: only cancellation can end it.
	e, _ := newEmbedder(t, f, func(c *openai.Config) { c.Sleep = nil; c.MinBackoff = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Embed(ctx, []string{"x"})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancellation took %v", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnreachableServer(t *testing.T) {
	f := newFake(t, 4)
	url := f.srv.URL
	f.srv.Close()
	e, s := newEmbedder(t, f, func(c *openai.Config) { c.URL = url })
	err := e.Preload(context.Background())
	if err == nil || !strings.Contains(err.Error(), "giving up after 4 attempts") || !strings.Contains(err.Error(), url+"/v1/embeddings") {
		t.Fatalf("err = %v", err)
	}
	if len(s.got()) != 3 {
		t.Errorf("waits = %v, network errors should be retried", s.got())
	}
}

func TestShortKeyDoesNotMangleMessages(t *testing.T) {
	f := newFake(t, 4)
	f.reply(fakeReply{status: 404, body: `{"error":"model not found, try ollama pull"}`})
	e, _ := newEmbedder(t, f, func(c *openai.Config) { c.APIKey = "ollama" })
	_, err := e.Embed(context.Background(), []string{"x"})
	if err == nil || !strings.Contains(err.Error(), "try ollama pull") || strings.Contains(err.Error(), "redacted") {
		t.Fatalf("err = %v", err)
	}
}
