// Package httperror is the one place that turns errors into HTTP
// responses: domain codes (memory.EInvalid, …) and transport conditions
// (unsupported media type, body too large, rate limited) become a status
// and a JSON body {"error", "error_description", "detail"}; internal
// errors are logged and answered with a generic message, never a path or
// a stack.
package httperror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

// Transport-level error codes, beyond the domain codes of package memory.
const (
	EUnsupportedMedia = "unsupported_media_type"
	EMethod           = "method_not_allowed"
	ERateLimited      = "rate_limited"
	EInsufficient     = "insufficient_scope"
)

// Error is a transport-level error with its own status.
type Error struct {
	Status  int
	Code    string
	Message string
	// Header holds extra response headers (Retry-After, Allow).
	Header http.Header
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns a transport-level error.
func New(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Body is the JSON shape of every error response. "detail" repeats the
// description for clients written against upstream's FastAPI errors.
type Body struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Detail      string `json:"detail"`
}

// Status returns the HTTP status for err.
func Status(err error) int {
	var te *Error
	if errors.As(err, &te) {
		return te.Status
	}
	switch memory.ErrorCode(err) {
	case memory.EInvalid:
		return http.StatusBadRequest
	case memory.ENotFound:
		return http.StatusNotFound
	case memory.EConflict:
		return http.StatusConflict
	case memory.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case memory.EUnavailable:
		return http.StatusServiceUnavailable
	case memory.EForbidden:
		return http.StatusForbidden
	case memory.EUnauthorized:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// Write answers the request with err. Logger may be nil.
func Write(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	status := Status(err)
	body := Body{Error: memory.ErrorCode(err), Description: memory.ErrorMessage(err)}
	var te *Error
	var se *auth.ScopeError
	switch {
	case errors.As(err, &te):
		body.Error, body.Description = te.Code, te.Message
		for k, vs := range te.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
	case errors.As(err, &se):
		body.Error = EInsufficient
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_scope", scope=%q`, se.Need)+challengeExtra(r))
	case status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="mcp-memory"`+challengeExtra(r))
	case status == http.StatusServiceUnavailable:
		// The client learns only that a dependency is down; which one,
		// where and why is for the operator.
		if logger != nil {
			logger.Warn("request failed: unavailable", "method", r.Method, "path", Sanitize(r.URL.Path), "err", err)
		}
	case status == http.StatusInternalServerError:
		if logger != nil {
			logger.Error("request failed", "method", r.Method, "path", Sanitize(r.URL.Path), "err", err)
		}
		body.Error, body.Description = memory.EInternal, "internal error; the server log has the details"
	}
	body.Detail = body.Description
	WriteJSON(w, status, body)
}

type challengeKey struct{}

// WithResourceMetadata returns ctx whose 401 and 403 challenges point
// OAuth clients at the protected-resource metadata (RFC 9728):
// WWW-Authenticate: Bearer …, resource_metadata="url".
func WithResourceMetadata(ctx context.Context, url string) context.Context {
	return context.WithValue(ctx, challengeKey{}, url)
}

func challengeExtra(r *http.Request) string {
	if r == nil {
		return ""
	}
	if url, ok := r.Context().Value(challengeKey{}).(string); ok && url != "" {
		return fmt.Sprintf(", resource_metadata=%q", url)
	}
	return ""
}

// WriteJSON writes v as a JSON response with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal","error_description":"internal error","detail":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// Sanitize makes a client-supplied string safe for a log line: control
// characters (C0 such as CR and LF, DEL, C1 such as NEL and CSI) and the
// Unicode line and paragraph separators become spaces, and it is cut to
// 200 characters (CWE-117).
func Sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
	return memory.Clip(s, 200)
}
