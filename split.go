package memory

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span locates a piece of a text by character (rune) offsets: the piece is
// []rune(text)[Start:End].
type Span struct{ Start, End int }

// SplitContent cuts text into chunks of at most max characters (runes), each
// ending at the best boundary available: a paragraph break, else the end of a
// sentence, else a space, else anywhere. Each chunk after the first starts up
// to overlap characters before the previous one ended, at a word boundary,
// so that a sentence cut in two is still found whole in one chunk. max <= 0
// returns the text as a single chunk. It returns the text of SplitSpans.
func SplitContent(text string, max, overlap int) []string {
	r := []rune(text)
	if max <= 0 || len(r) <= max {
		return []string{text}
	}
	spans := splitSpans(r, max, overlap)
	chunks := make([]string, len(spans))
	for i, s := range spans {
		chunks[i] = string(r[s.Start:s.End])
	}
	return chunks
}

// SplitSpans cuts text as SplitContent does and returns where each chunk
// is, in rune offsets: spans trimmed of surrounding white space (none is
// empty), each at most max characters long, in text order (neither starts
// nor ends ever decrease), each after the first starting at most overlap
// characters before the previous one ends. Text that fits in max
// characters, or any text when max <= 0, gives one span; blank text gives
// none. An overlap < 0 or >= max/2 means max/4.
func SplitSpans(text string, max, overlap int) []Span {
	r := []rune(text)
	if max <= 0 || len(r) <= max {
		return appendSpan(nil, r, 0, len(r))
	}
	return splitSpans(r, max, overlap)
}

// splitSpans is SplitSpans for a text longer than max > 0.
func splitSpans(r []rune, max, overlap int) []Span {
	if overlap < 0 || overlap >= max/2 {
		overlap = max / 4
	}
	var spans []Span
	start := 0
	for start < len(r) {
		end := start + max
		if end >= len(r) {
			spans = appendSpan(spans, r, start, len(r))
			break
		}
		cut := boundary(r, start+max/2, end)
		spans = appendSpan(spans, r, start, cut)
		next := cut - overlap
		if next <= start {
			next = cut
		}
		// Start the overlap at a word boundary.
		for next < cut && next > start && !isSpace(r[next-1]) {
			next++
		}
		start = next
	}
	return spans
}

// appendSpan appends r[start:end] trimmed of white space (as
// strings.TrimSpace trims), unless nothing is left.
func appendSpan(spans []Span, r []rune, start, end int) []Span {
	for start < end && unicode.IsSpace(r[start]) {
		start++
	}
	for end > start && unicode.IsSpace(r[end-1]) {
		end--
	}
	if start == end {
		return spans
	}
	return append(spans, Span{start, end})
}

// boundary returns the best cut position in (lo, hi]: after a paragraph
// break, a sentence end, a space, or hi itself.
func boundary(r []rune, lo, hi int) int {
	for _, ok := range []func(i int) bool{
		func(i int) bool { return r[i-1] == '\n' && i >= 2 && r[i-2] == '\n' },
		func(i int) bool { return isSpace(r[i]) && strings.ContainsRune(".!?。！？", r[i-1]) },
		func(i int) bool { return r[i-1] == '\n' },
		func(i int) bool { return isSpace(r[i]) },
	} {
		for i := hi; i > lo; i-- {
			if i < len(r) && ok(i) {
				return i
			}
		}
	}
	return hi
}

func isSpace(c rune) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// runeLen is the length in characters used by content limits.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
