package timeexpr

import (
	"strings"
	"time"
	"unicode"
)

// Extract finds the first time expression in a free-text query, such as
// "what did I decide about the database last week?", and returns its range
// (computed as by Parse, relative to now), the query with the expression
// cut out and tidied ("what did I decide about the database?"), and whether
// one was found. When none is found, or the query is longer than
// MaxQueryLength bytes, it returns the zero Range, the query unchanged and
// false.
//
// Extract is more cautious than Parse, because queries are full of words
// that only look like dates. Words that are ambiguous on their own (a bare
// month such as "may" or "march", a bare season such as "fall", a year such
// as "2025", "now", "recent", "morning", "weekend", "christmas", "Q3", "3/4",
// weekday abbreviations such as "sun") count only after a preposition ("in
// may", "during the fall", "since 2025") or with a modifier, day or year
// ("last march", "May 3", "March 2025"). A preposition is cut out with the
// expression only where it belongs to it: "on" before a day ("on friday"),
// "in" before a month, year, season, part of the day or rolling window ("in
// the last 3 days"), "from", "during" and "around" before anything. A
// leftover "from", "in", "during", "within" or "throughout" directly before
// the cut is dropped when only punctuation follows it. The rest is tidied of
// doubled spaces, space before the punctuation that follows the cut, empty
// brackets, and commas or colons left at either end; if nothing but
// punctuation remains, rest is "".
func Extract(query string, now time.Time) (r Range, rest string, ok bool) {
	if len(query) > MaxQueryLength {
		return Range{}, query, false
	}
	p := newParser(query, now)
	for i := range p.toks {
		m := p.expr(i)
		if m.n == 0 || !m.sp.valid() || !acceptable(m) {
			continue
		}
		start, end := p.toks[i].start, p.toks[i+m.n-1].end
		return m.sp.rng(), tidy(query[:start], query[end:]), true
	}
	return Range{}, query, false
}

// acceptable reports whether Extract may take a match: a preposition must
// suit what follows it, and without one the expression must not be weak.
func acceptable(m match) bool {
	if m.prep != "" {
		return preps[m.prep]&m.sp.cls != 0
	}
	return !m.sp.weak
}

// tidy joins the text before and after an extracted expression.
func tidy(left, right string) string {
	left = strings.TrimRightFunc(left, unicode.IsSpace)
	right = strings.TrimLeftFunc(right, unicode.IsSpace)
	if right == "" || strings.ContainsRune(closers, firstRune(right)) {
		left = dropDangling(left)
	}
	if left != "" && right != "" {
		if o := left[len(left)-1]; (o == '(' && right[0] == ')') || (o == '[' && right[0] == ']') {
			left, right = strings.TrimRightFunc(left[:len(left)-1], unicode.IsSpace), right[1:]
		}
	}
	s := left
	switch {
	case left == "":
		s = right
	case right == "":
	case strings.ContainsRune(closers, firstRune(right)):
		s = left + right
	default:
		s = left + " " + right
	}
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Trim(s, ",;: ")
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return ""
	}
	return s
}

// closers is the punctuation that attaches to the word before it.
const closers = "?!.,;:)]"

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

// dropDangling removes a trailing filler preposition left by an extracted
// expression: "notes in ?" becomes "notes ?".
func dropDangling(left string) string {
	f := strings.Fields(left)
	if len(f) == 0 || !danglingPreps[strings.ToLower(f[len(f)-1])] {
		return left
	}
	return strings.TrimRightFunc(strings.TrimSuffix(left, f[len(f)-1]), unicode.IsSpace)
}
