package openai_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/embed/openai"
)

func TestNewRejectsBadConfig(t *testing.T) {
	ok := openai.Config{URL: "http://localhost:11434", Model: "m"}
	for _, tc := range []struct {
		name string
		edit func(*openai.Config)
		want string
	}{
		{"empty url", func(c *openai.Config) { c.URL = " " }, "url is empty"},
		{"no scheme", func(c *openai.Config) { c.URL = "localhost:11434/v1" }, "scheme"},
		{"ftp", func(c *openai.Config) { c.URL = "ftp://host/v1/embeddings" }, `scheme "ftp" is not supported`},
		{"no host", func(c *openai.Config) { c.URL = "http:///v1/embeddings" }, "no host"},
		{"unparsable", func(c *openai.Config) { c.URL = "http://user:pa ss@[::1" }, "url is not valid"},
		{"ollama native", func(c *openai.Config) { c.URL = "http://localhost:11434/api/embeddings" },
			"use http://localhost:11434/v1/embeddings"},
		{"empty model", func(c *openai.Config) { c.Model = "" }, "model is empty"},
		{"negative dim", func(c *openai.Config) { c.Dim = -1 }, "dim -1 is negative"},
		{"dimensions without dim", func(c *openai.Config) { c.SendDimensions = true }, "needs dim"},
		{"negative batch", func(c *openai.Config) { c.BatchSize = -2 }, "batch size"},
		{"negative timeout", func(c *openai.Config) { c.Timeout = -time.Second }, "timeout"},
		{"negative backoff", func(c *openai.Config) { c.MaxBackoff = -time.Second }, "max backoff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			e, err := openai.New(c)
			if err == nil || e != nil {
				t.Fatalf("New = %v, %v; want an error", e, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "pa ss") {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}
}

func TestURLForms(t *testing.T) {
	f := newFake(t, 4)
	for _, tc := range []struct{ in, path string }{
		{"", "/v1/embeddings"},
		{"/", "/v1/embeddings"},
		{"/v1", "/v1/embeddings"},
		{"/v1/", "/v1/embeddings"},
		{"/v1/embeddings", "/v1/embeddings"},
		{"/v1/embeddings/", "/v1/embeddings"},
		{"/proxy/ollama", "/proxy/ollama/v1/embeddings"},
		{"/openai/deployments/x/embeddings?api-version=2024-02-01", "/openai/deployments/x/embeddings"},
	} {
		e, _ := newEmbedder(t, f, func(c *openai.Config) { c.URL = f.srv.URL + tc.in })
		if got := e.URL(); got != f.srv.URL+tc.path {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, f.srv.URL+tc.path)
		}
		if _, err := e.Embed(context.Background(), []string{"x"}); err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		reqs := f.requests()
		if r := reqs[len(reqs)-1]; r.Path != tc.path {
			t.Errorf("URL %q posted to %q, want %q", tc.in, r.Path, tc.path)
		}
	}
	if q := f.requests()[len(f.requests())-1].Query; q != "api-version=2024-02-01" {
		t.Errorf("query = %q, want it kept", q)
	}
}

func TestModelAndReportBeforeUse(t *testing.T) {
	e, err := openai.New(openai.Config{URL: "https://user:pw@api.example.com/v1?key=abc", Model: "text-embedding-3-small", APIKey: "sk-x"})
	if err != nil {
		t.Fatal(err)
	}
	if m := e.Model(); m.Name != "openai:text-embedding-3-small" || m.Dim != 0 {
		t.Errorf("Model() = %+v", m)
	}
	rep := e.Report()
	want := map[string]any{
		"url": "https://api.example.com/v1/embeddings", "model": "text-embedding-3-small", "dim": 0,
		"batch_size": openai.DefaultBatchSize, "requests": int64(0), "retries": int64(0), "errors": int64(0),
		"last_error": "", "last_latency_ms": float64(0), "preloaded": false,
	}
	for k, v := range want {
		if rep[k] != v {
			t.Errorf("Report()[%q] = %#v, want %#v", k, rep[k], v)
		}
	}
}
