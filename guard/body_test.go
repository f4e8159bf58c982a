package guard_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/guard"
	"github.com/mcp-memory-go/memory/httperror"
)

// readAll reads the body as a JSON handler would and maps a too-large body
// to 413 as handlers are told to.
var readAll = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		if guard.IsTooLarge(fmt.Errorf("decoding: %w", err)) {
			httperror.Write(w, r, nil, guard.TooLarge(10))
			return
		}
		httperror.Write(w, r, nil, err)
		return
	}
	fmt.Fprintf(w, "%d", len(b))
})

func TestBodyLimit(t *testing.T) {
	srv := httptest.NewServer(guard.BodyLimit(10)(readAll))
	defer srv.Close()
	for _, tt := range []struct {
		name    string
		body    string
		chunked bool
		want    int
	}{
		{"small", "0123456789", false, 200},
		{"small chunked", "0123456789", true, 200},
		{"large", "0123456789x", false, 413},
		{"large chunked", strings.Repeat("x", 1000), true, 413},
	} {
		var body io.Reader = strings.NewReader(tt.body)
		if tt.chunked {
			body = io.MultiReader(body) // hides the length: sent chunked
		}
		req, _ := http.NewRequest("POST", srv.URL, body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.chunked && req.ContentLength != -1 && req.ContentLength != 0 {
			t.Fatalf("%s: ContentLength=%d, want unknown", tt.name, req.ContentLength)
		}
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status=%d, want %d", tt.name, resp.StatusCode, tt.want)
		} else if tt.want == 413 {
			if b := errorBody(t, resp); b.Error != "too_large" {
				t.Errorf("%s: error=%q, want too_large", tt.name, b.Error)
			}
		}
		resp.Body.Close()
	}
}

func TestBodyLimitDeclared(t *testing.T) {
	// A declared length over the limit is refused before the handler runs.
	called := false
	h := guard.BodyLimit(10)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true }))
	resp := serve(h, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 11))))
	if resp.StatusCode != 413 || called {
		t.Errorf("status=%d called=%v, want 413 without calling the handler", resp.StatusCode, called)
	}
}

func TestIsTooLarge(t *testing.T) {
	if guard.IsTooLarge(io.EOF) || guard.IsTooLarge(nil) {
		t.Error("IsTooLarge(EOF or nil)=true")
	}
	if !guard.IsTooLarge(fmt.Errorf("x: %w", &http.MaxBytesError{Limit: 1})) {
		t.Error("IsTooLarge(wrapped MaxBytesError)=false")
	}
}
