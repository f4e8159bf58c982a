package document

import (
	"errors"
	"fmt"
)

// Kinds of failure, matched with errors.Is. Every error from Extract is an
// *Error whose Kind is one of these (or ctx.Err() when the context ended).
var (
	// ErrUnsupported: the format is not one of Formats().
	ErrUnsupported = errors.New("unsupported format")
	// ErrEmpty: the file has no bytes, or no text could be found in it.
	ErrEmpty = errors.New("empty")
	// ErrTooLarge: the file exceeds one of the Limits or a fixed bound
	// (JSON nesting, zip entries, PDF page tree).
	ErrTooLarge = errors.New("too large")
	// ErrCorrupt: the file claims the format but cannot be parsed.
	ErrCorrupt = errors.New("corrupt file")
	// ErrEncrypted: the file is password-protected.
	ErrEncrypted = errors.New("encrypted")
	// ErrMismatch: the content is not of the format its name says, for
	// example binary data named .txt or a zip archive named .pdf.
	ErrMismatch = errors.New("content does not match the format")
)

// Error is a failure to read one file, with a message a user can act on,
// such as "pdf: corrupt file: missing final startxref" or
// "docx: decompressed size exceeds 100 MiB (zip bomb?)".
type Error struct {
	Format string // the format that was being read; "" before one was known
	Kind   error  // one of the Err* kinds, or a context error
	Msg    string // what went wrong, for the user
	Err    error  // the underlying error, if any (not shown by Error())
}

func (e *Error) Error() string {
	if e.Format == "" {
		return e.Msg
	}
	return e.Format + ": " + e.Msg
}

// Unwrap lets errors.Is and errors.As see both the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// fail returns an *Error of the given kind with a formatted message.
func fail(format string, kind error, msg string, args ...any) *Error {
	return &Error{Format: format, Kind: kind, Msg: fmt.Sprintf(msg, args...)}
}

// corrupt reports a parse failure: "corrupt file: " then the cause.
func corrupt(format string, cause error) *Error {
	return &Error{Format: format, Kind: ErrCorrupt, Msg: "corrupt file: " + cause.Error(), Err: cause}
}

// stopped reports that the context ended while reading the file.
func stopped(format string, ctxErr error) *Error {
	return &Error{Format: format, Kind: ctxErr, Msg: "stopped: " + ctxErr.Error()}
}

// size renders a byte count for messages: "100 MiB", "512 KiB", "12 bytes".
func size(n int64) string {
	const kib, mib = 1 << 10, 1 << 20
	switch {
	case n >= mib && n%mib == 0:
		return fmt.Sprintf("%d MiB", n/mib)
	case n >= mib:
		return fmt.Sprintf("%.1f MiB", float64(n)/mib)
	case n >= kib && n%kib == 0:
		return fmt.Sprintf("%d KiB", n/kib)
	case n >= kib:
		return fmt.Sprintf("%.1f KiB", float64(n)/kib)
	}
	return fmt.Sprintf("%d bytes", n)
}
