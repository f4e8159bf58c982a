package memory

import (
	"strings"
	"unicode/utf8"
)

// SplitContent cuts text into chunks of at most max characters (runes), each
// ending at the best boundary available: a paragraph break, else the end of a
// sentence, else a space, else anywhere. Each chunk after the first starts up
// to overlap characters before the previous one ended, at a word boundary,
// so that a sentence cut in two is still found whole in one chunk. max <= 0
// returns the text as a single chunk.
func SplitContent(text string, max, overlap int) []string {
	r := []rune(text)
	if max <= 0 || len(r) <= max {
		return []string{text}
	}
	if overlap < 0 || overlap >= max/2 {
		overlap = max / 4
	}
	var chunks []string
	start := 0
	for start < len(r) {
		end := start + max
		if end >= len(r) {
			chunks = appendChunk(chunks, r[start:])
			break
		}
		cut := boundary(r, start+max/2, end)
		chunks = appendChunk(chunks, r[start:cut])
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
	return chunks
}

func appendChunk(chunks []string, r []rune) []string {
	if s := strings.TrimSpace(string(r)); s != "" {
		chunks = append(chunks, s)
	}
	return chunks
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
