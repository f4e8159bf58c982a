package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrInvalidResponse is wrapped by errors about a successful (2xx) response
// that cannot be used: not JSON, wrong number of embeddings, bad indices,
// empty vectors, NaN or Inf values, or a body that is too large. Such
// responses are not retried.
var ErrInvalidResponse = errors.New("invalid embeddings response")

// ErrDimensionMismatch is wrapped by errors about a vector whose length
// differs from Config.Dim, from the length learned from an earlier response,
// or from the other vectors of the same response. It is never retried: the
// server now runs a different model, and mixing its vectors with stored ones
// would corrupt search.
var ErrDimensionMismatch = errors.New("embedding dimension mismatch")

// StatusError reports a non-2xx HTTP response. Embed returns it (wrapped)
// at once for statuses that are not retried, and after the last retry for
// those that are.
type StatusError struct {
	// StatusCode is the HTTP status, e.g. 401.
	StatusCode int
	// Message is the server's error message ("error.message" or similar in
	// a JSON body, else the body itself), cut to about 200 bytes, with the
	// API key redacted. It may be empty.
	Message string
	// Hint suggests what to check, e.g. the API key for 401. It may be empty.
	Hint string
	// RetryAfter is the wait the server asked for with Retry-After or
	// retry-after-ms; zero if it did not.
	RetryAfter time.Duration
}

// Error formats the status, the message and the hint on one line.
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "http %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Retryable reports whether the status is worth retrying: 408, 429 and every
// 5xx but 501 Not Implemented.
func (e *StatusError) Retryable() bool {
	switch {
	case e.StatusCode == http.StatusRequestTimeout, e.StatusCode == http.StatusTooManyRequests:
		return true
	case e.StatusCode == http.StatusNotImplemented:
		return false
	default:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
}

// statusHint suggests what to check for a failed request.
func statusHint(status int, hasKey bool, url, model string) string {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		if !hasKey {
			return "no API key is set; set MCP_EXTERNAL_EMBEDDING_API_KEY"
		}
		return "check MCP_EXTERNAL_EMBEDDING_API_KEY"
	case http.StatusNotFound:
		return fmt.Sprintf("check the URL %s and that model %q exists on the server (for Ollama: ollama pull %s)", url, model, model)
	case http.StatusMethodNotAllowed:
		return fmt.Sprintf("check the URL %s: it should be the /v1/embeddings endpoint", url)
	case http.StatusRequestEntityTooLarge:
		return "lower the batch size"
	}
	return ""
}

// errorMessage extracts the server's message from an error body: the
// OpenAI shape {"error":{"message":…}}, Ollama's {"error":"…"}, FastAPI's
// {"detail":…} or a plain {"message":…}; else the body itself. The result is
// on one line and at most about 200 bytes.
func errorMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Detail  json.RawMessage `json:"detail"`
		Message string          `json:"message"`
	}
	msg := ""
	if json.Unmarshal(body, &v) == nil {
		var nested struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(v.Error, &nested) == nil && nested.Message != "":
			msg = nested.Message
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			msg = s
		case json.Unmarshal(v.Detail, &s) == nil && s != "":
			msg = s
		case len(v.Detail) > 0 && string(v.Detail) != "null":
			msg = string(v.Detail)
		case v.Message != "":
			msg = v.Message
		}
	}
	if msg == "" {
		msg = string(body)
	}
	return truncate(strings.Join(strings.Fields(msg), " "), 200)
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
