package memory

import (
	"errors"
	"fmt"
)

// Error codes. Each transport maps them in one place (an HTTP status, an MCP
// tool error); the message of an *Error is safe to show to a client, anything
// else is internal and is logged, not sent.
const (
	EInvalid      = "invalid"      // bad input: fix the request and retry
	ENotFound     = "not_found"    // no such memory (or not yours)
	EConflict     = "conflict"     // duplicate content or a concurrent change
	ETooLarge     = "too_large"    // content above the configured limit
	EUnavailable  = "unavailable"  // a dependency (embedder, database) is not usable now
	EForbidden    = "forbidden"    // authenticated but not allowed
	EUnauthorized = "unauthorized" // not authenticated
	EInternal     = "internal"     // a bug or an unexpected failure
)

// Error is a domain error with a code and a message meant for the caller.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the caller-safe message of the first *Error in err's
// chain, or a generic message for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return "internal error"
}
