package timeexpr

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxLength is the longest expression, in characters after surrounding
// white space is trimmed, that Parse accepts; longer input fails with
// ErrTooLong.
const MaxLength = 500

// MaxQueryLength is the longest query, in bytes, that Extract scans; a longer
// query is returned unchanged with ok false.
const MaxQueryLength = 4096

// ErrUnrecognized is wrapped by every error Parse returns for input it cannot
// read as a time expression: unknown words, invalid dates such as
// "2025-02-30", numbers too large to mean anything, or results outside the
// years 1000–9999. The wrapping error quotes the offending text and suggests
// forms that work, so it can be shown to a user or a model as it is.
var ErrUnrecognized = errors.New("timeexpr: unrecognized time expression")

// ErrTooLong is wrapped by the error Parse returns when the expression is
// longer than MaxLength characters.
var ErrTooLong = errors.New("timeexpr: expression too long")

// Range is a half-open interval [Start, End). A zero Start means the range is
// unbounded below and a zero End that it is unbounded above; the zero Range
// therefore contains every instant. Ranges returned by Parse and Extract have
// Start before End whenever both are set.
type Range struct{ Start, End time.Time }

// Contains reports whether t lies in the range: not before Start (unless
// Start is zero) and before End (unless End is zero).
func (r Range) Contains(t time.Time) bool {
	if !r.Start.IsZero() && t.Before(r.Start) {
		return false
	}
	return r.End.IsZero() || t.Before(r.End)
}

// String formats the range as "[start, end)" with RFC 3339 bounds, writing
// an unbounded side as -inf or +inf.
func (r Range) String() string {
	lo, hi := "-inf", "+inf"
	if !r.Start.IsZero() {
		lo = r.Start.Format(time.RFC3339Nano)
	}
	if !r.End.IsZero() {
		hi = r.End.Format(time.RFC3339Nano)
	}
	return "[" + lo + ", " + hi + ")"
}

// suggestions ends every ErrUnrecognized message so that the reader knows
// what to try instead.
const suggestions = `(try "yesterday", "last week", "3 days ago", "in March", "2025-03-01", "between May 1 and May 5")`

// exprError is the error Parse returns; it wraps ErrUnrecognized or
// ErrTooLong.
type exprError struct {
	msg  string
	kind error
}

func (e *exprError) Error() string { return e.msg }
func (e *exprError) Unwrap() error { return e.kind }

// unrecognized builds the ErrUnrecognized error for text; detail, when set,
// is a complete statement of what is wrong and replaces the generic one.
func unrecognized(text, detail string) error {
	msg := fmt.Sprintf("timeexpr: %q is not a time expression I understand", text)
	switch {
	case detail != "":
		msg = "timeexpr: " + detail
	case text == "":
		msg = "timeexpr: the time expression is empty"
	}
	return &exprError{msg: msg + " " + suggestions, kind: ErrUnrecognized}
}

// Parse reads expr as a whole time expression relative to now and returns
// the range it denotes, with bounds in now.Location(). Matching is
// case-insensitive and surrounding white space and punctuation are ignored;
// every other word must be understood. The forms understood, and how
// ambiguous ones are resolved, are listed in the package documentation.
//
// On failure the Range is zero and the error wraps ErrTooLong when expr is
// longer than MaxLength characters, ErrUnrecognized otherwise. Parse never
// panics, whatever the input, invalid UTF-8 included.
func Parse(expr string, now time.Time) (Range, error) {
	text := strings.TrimSpace(expr)
	if n := utf8.RuneCountInString(text); n > MaxLength {
		return Range{}, &exprError{
			msg:  fmt.Sprintf("timeexpr: the time expression is %d characters long; the limit is %d", n, MaxLength),
			kind: ErrTooLong,
		}
	}
	p := newParser(text, now)
	toks := p.toks
	lo, hi := 0, len(toks)
	for lo < hi && toks[lo].kind == tPunct {
		lo++
	}
	for hi > lo && toks[hi-1].kind == tPunct {
		hi--
	}
	if lo == hi {
		return Range{}, unrecognized("", "")
	}
	display := text[toks[lo].start:toks[hi-1].end]
	p.toks = toks[:hi]
	m := p.expr(lo)
	switch {
	case m.n == hi-lo && m.sp.valid():
		return m.sp.rng(), nil
	case m.n == hi-lo:
		return Range{}, unrecognized(display, fmt.Sprintf("%q falls outside the years 1000 to 9999", display))
	case p.hint != "":
		return Range{}, unrecognized(display, p.hint)
	case m.n > 0:
		good := text[toks[lo].start:toks[lo+m.n-1].end]
		rest := text[toks[lo+m.n].start:toks[hi-1].end]
		return Range{}, unrecognized(display,
			fmt.Sprintf("%q is not a time expression I understand: %q is, but %q is not", display, good, rest))
	}
	return Range{}, unrecognized(display, "")
}

// Bounds is Parse returning the range's bounds, the shape the memory
// service takes for its time parser.
func Bounds(expr string, now time.Time) (start, end time.Time, err error) {
	r, err := Parse(expr, now)
	return r.Start, r.End, err
}

// ExtractBounds is Extract returning the range's bounds, the shape the
// memory service takes for its time extractor.
func ExtractBounds(query string, now time.Time) (start, end time.Time, rest string, ok bool) {
	r, rest, ok := Extract(query, now)
	return r.Start, r.End, rest, ok
}
