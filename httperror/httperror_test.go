package httperror_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/httperror"
)

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{memory.Errorf(memory.EInvalid, "x"), http.StatusBadRequest},
		{memory.Errorf(memory.ENotFound, "x"), http.StatusNotFound},
		{memory.Errorf(memory.EConflict, "x"), http.StatusConflict},
		{memory.Errorf(memory.ETooLarge, "x"), http.StatusRequestEntityTooLarge},
		{memory.Errorf(memory.EUnavailable, "x"), http.StatusServiceUnavailable},
		{memory.Errorf(memory.EForbidden, "x"), http.StatusForbidden},
		{memory.Errorf(memory.EUnauthorized, "x"), http.StatusUnauthorized},
		{memory.Errorf(memory.EInternal, "x"), http.StatusInternalServerError},
		{memory.Errorf("some_new_code", "x"), http.StatusInternalServerError},
		{errors.New("boom"), http.StatusInternalServerError},
		{fmt.Errorf("wrapped: %w", memory.Errorf(memory.ENotFound, "x")), http.StatusNotFound},
		{&auth.ScopeError{Need: auth.ScopeAdmin}, http.StatusForbidden},
		{httperror.New(http.StatusTooManyRequests, httperror.ERateLimited, "slow down"), http.StatusTooManyRequests},
		{httperror.New(http.StatusUnsupportedMediaType, httperror.EUnsupportedMedia, "json only"), http.StatusUnsupportedMediaType},
		{fmt.Errorf("outer: %w", httperror.New(http.StatusMethodNotAllowed, httperror.EMethod, "GET only")), http.StatusMethodNotAllowed},
	} {
		if got := httperror.Status(tc.err); got != tc.want {
			t.Errorf("Status(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// write runs Write and returns the recorder and its decoded body.
func write(t *testing.T, logger *slog.Logger, err error) (*httptest.ResponseRecorder, httperror.Body) {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/api/memories", nil)
	httperror.Write(w, r, logger, err)
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	var body httperror.Body
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	return w, body
}

func TestWriteMemoryError(t *testing.T) {
	w, body := write(t, nil, memory.Errorf(memory.ENotFound, "no memory %s", "abc123"))
	if w.Code != http.StatusNotFound {
		t.Errorf("status = %d, want 404", w.Code)
	}
	want := httperror.Body{Error: memory.ENotFound, Description: "no memory abc123", Detail: "no memory abc123"}
	if body != want {
		t.Errorf("body = %+v, want %+v", body, want)
	}
	if h := w.Header().Get("WWW-Authenticate"); h != "" {
		t.Errorf("WWW-Authenticate = %q on a 404", h)
	}
	// The raw body has exactly the three fields.
	var raw map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil || len(raw) != 3 {
		t.Errorf("raw body %s: %v", w.Body.String(), err)
	}

	w, body = write(t, nil, fmt.Errorf("store: %w", memory.Errorf(memory.EConflict, "duplicate content")))
	if w.Code != http.StatusConflict || body.Error != memory.EConflict || body.Description != "duplicate content" || body.Detail != "duplicate content" {
		t.Errorf("wrapped conflict: %d %+v", w.Code, body)
	}
}

func TestWriteScopeError(t *testing.T) {
	for _, err := range []error{
		&auth.ScopeError{Need: auth.ScopeWrite},
		auth.Check(&auth.Principal{Scope: auth.ScopeRead}, auth.ScopeWrite),
		fmt.Errorf("handler: %w", &auth.ScopeError{Need: auth.ScopeWrite}),
	} {
		w, body := write(t, nil, err)
		if w.Code != http.StatusForbidden {
			t.Errorf("%v: status = %d, want 403", err, w.Code)
		}
		if body.Error != "insufficient_scope" {
			t.Errorf("%v: error = %q, want insufficient_scope", err, body.Error)
		}
		if !strings.Contains(body.Description, "write") || body.Detail != body.Description {
			t.Errorf("%v: body = %+v", err, body)
		}
		if h := w.Header().Get("WWW-Authenticate"); h != `Bearer error="insufficient_scope", scope="write"` {
			t.Errorf("%v: WWW-Authenticate = %q", err, h)
		}
	}
	w, _ := write(t, nil, &auth.ScopeError{Need: auth.ScopeAdmin})
	if h := w.Header().Get("WWW-Authenticate"); h != `Bearer error="insufficient_scope", scope="admin"` {
		t.Errorf("admin: WWW-Authenticate = %q", h)
	}
}

func TestWriteUnauthorized(t *testing.T) {
	for _, err := range []error{
		memory.Errorf(memory.EUnauthorized, "invalid, expired or revoked API key"),
		auth.Check(nil, auth.ScopeRead),
	} {
		w, body := write(t, nil, err)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("status = %d, want 401", w.Code)
		}
		if body.Error != memory.EUnauthorized || body.Description != memory.ErrorMessage(err) || body.Detail != body.Description {
			t.Errorf("body = %+v", body)
		}
		if h := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") || strings.Contains(h, "error=") {
			t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", h)
		}
	}
}

func TestWriteInternalErrorIsGenericAndLogged(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	cause := fmt.Errorf("insert memory: %w", errors.New("/home/x/secret.db: disk I/O error"))
	w := httptest.NewRecorder()
	r := httptest.NewRequest("DELETE", "/api/memories/abc%0Aforged=1", nil)
	httperror.Write(w, r, logger, cause)

	if w.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", w.Code)
	}
	if s := w.Body.String(); strings.Contains(s, "/home/x") || strings.Contains(s, "secret.db") || strings.Contains(s, "disk") || strings.Contains(s, "insert memory") {
		t.Errorf("body leaks the cause: %s", s)
	}
	var body httperror.Body
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Error != memory.EInternal || body.Description == "" || body.Detail != body.Description {
		t.Errorf("body = %+v", body)
	}

	var entry map[string]any
	if err := json.Unmarshal(logs.Bytes(), &entry); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	if entry["level"] != "ERROR" || entry["method"] != "DELETE" {
		t.Errorf("log entry = %v", entry)
	}
	if got, _ := entry["err"].(string); got != cause.Error() {
		t.Errorf("logged err = %q, want %q", got, cause.Error())
	}
	if got, _ := entry["path"].(string); got != "/api/memories/abc forged=1" {
		t.Errorf("logged path = %q, want the newline replaced", got)
	}

	// A nil logger is allowed.
	w = httptest.NewRecorder()
	httperror.Write(w, r, nil, cause)
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "secret.db") {
		t.Errorf("nil logger: %d %s", w.Code, w.Body.String())
	}
}

func TestWriteOnlyLogsInternalErrors(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	for _, err := range []error{
		memory.Errorf(memory.EInvalid, "bad"),
		memory.Errorf(memory.EUnauthorized, "who"),
		&auth.ScopeError{Need: auth.ScopeAdmin},
		httperror.New(http.StatusTooManyRequests, httperror.ERateLimited, "slow"),
	} {
		write(t, logger, err)
	}
	if logs.Len() != 0 {
		t.Errorf("client errors were logged: %s", logs.String())
	}
}

func TestWriteTransportError(t *testing.T) {
	e := httperror.New(http.StatusTooManyRequests, httperror.ERateLimited, "slow down: %d requests per minute", 60)
	e.Header = http.Header{"Retry-After": {"7"}}
	if e.Error() != "rate_limited: slow down: 60 requests per minute" {
		t.Errorf("Error() = %q", e.Error())
	}
	for _, err := range []error{e, fmt.Errorf("limiter: %w", e)} {
		w, body := write(t, nil, err)
		if w.Code != http.StatusTooManyRequests {
			t.Errorf("status = %d, want 429", w.Code)
		}
		if got := w.Header().Get("Retry-After"); got != "7" {
			t.Errorf("Retry-After = %q, want 7", got)
		}
		want := httperror.Body{Error: httperror.ERateLimited, Description: "slow down: 60 requests per minute", Detail: "slow down: 60 requests per minute"}
		if body != want {
			t.Errorf("body = %+v, want %+v", body, want)
		}
	}
	m := httperror.New(http.StatusMethodNotAllowed, httperror.EMethod, "use GET or POST")
	m.Header = http.Header{"Allow": {"GET", "POST"}}
	w, body := write(t, nil, m)
	if w.Code != http.StatusMethodNotAllowed || body.Error != "method_not_allowed" {
		t.Errorf("method: %d %+v", w.Code, body)
	}
	if got := w.Header().Values("Allow"); len(got) != 2 || got[0] != "GET" || got[1] != "POST" {
		t.Errorf("Allow = %v", got)
	}
}

func TestWriteJSON(t *testing.T) {
	w := httptest.NewRecorder()
	httperror.WriteJSON(w, http.StatusCreated, map[string]int{"n": 1})
	if w.Code != http.StatusCreated || w.Body.String() != "{\"n\":1}\n" {
		t.Errorf("WriteJSON = %d %q", w.Code, w.Body.String())
	}
	w = httptest.NewRecorder()
	httperror.WriteJSON(w, http.StatusOK, func() {}) // cannot be marshalled
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), `"error":"internal"`) {
		t.Errorf("unmarshallable value: %d %q", w.Code, w.Body.String())
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"plain /path?x=1":           "plain /path?x=1",
		"a\rb\nc":                   "a b c",
		"line\r\nforged log entry":  "line  forged log entry",
		"tab\there":                 "tab here",
		"nul\x00esc\x1b[31mdel\x7f": "nul esc [31mdel ",
		"ls\u2028ps\u2029end":       "ls ps end",
		"café ☕ 日本":                 "café ☕ 日本",
		"":                          "",
	} {
		if got := httperror.Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
	exact := strings.Repeat("é", 200)
	if got := httperror.Sanitize(exact); got != exact {
		t.Errorf("200 runes changed: %d runes", utf8.RuneCountInString(got))
	}
	long := strings.Repeat("é", 150) + strings.Repeat("\n", 100)
	got := httperror.Sanitize(long)
	if want := strings.Repeat("é", 150) + strings.Repeat(" ", 50) + "…"; got != want {
		t.Errorf("Sanitize(250 runes) = %q (%d runes), want the first 200 runes and a cut mark", got, utf8.RuneCountInString(got))
	}
	if strings.ContainsAny(got, "\r\n") {
		t.Error("clipped output keeps a newline")
	}
}

// TestSanitizeC1Controls checks the C1 control characters (U+0080–U+009F),
// which the doc comment's "control characters become spaces" covers: NEL
// (U+0085) is a line break to many log viewers and CSI (U+009B) starts a
// terminal escape sequence.
func TestSanitizeC1Controls(t *testing.T) {
	for in, want := range map[string]string{
		"a\u0085forged": "a forged",
		"a\u009b31mred": "a 31mred",
		"a\u0080b":      "a b",
	} {
		if got := httperror.Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestChallengesPointAtResourceMetadata(t *testing.T) {
	const url = "https://memory.example.com/.well-known/oauth-protected-resource"
	for _, err := range []error{memory.Errorf(memory.EUnauthorized, "no"), &auth.ScopeError{Need: auth.ScopeWrite}} {
		r := httptest.NewRequest("GET", "/api/memories", nil)
		r = r.WithContext(httperror.WithResourceMetadata(r.Context(), url))
		w := httptest.NewRecorder()
		httperror.Write(w, r, nil, err)
		if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer ") || !strings.HasSuffix(got, `, resource_metadata="`+url+`"`) {
			t.Errorf("%v: WWW-Authenticate %q", err, got)
		}
	}
}
