package openai_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mcp-memory-go/memory/embed/openai"
)

// TestTLSIsVerified: an https embedding server whose certificate is not
// trusted is refused, and the texts and the API key never reach it
// (outbound TLS is verified by default; there is no switch to turn it
// off).
func TestTLSIsVerified(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Add(1) }))
	defer srv.Close()
	e, err := openai.New(openai.Config{URL: srv.URL, Model: "m", APIKey: "sk-secret-key", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Embed(context.Background(), []string{"a private memory"})
	if err == nil || !strings.Contains(err.Error(), "certificate") || strings.Contains(err.Error(), "sk-secret-key") {
		t.Errorf("Embed over an untrusted certificate: %v, want a certificate error without the key", err)
	}
	if n := served.Load(); n != 0 {
		t.Errorf("the untrusted server received %d requests", n)
	}
}
