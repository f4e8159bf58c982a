// Package fts5q turns search terms into SQLite FTS5 query strings, for the
// backends that keep an FTS5 index (sqlite, and cloudflare's D1).
package fts5q

import "strings"

// Phrases returns the distinct terms as FTS5 phrases: quoted strings, so
// that user text ("", *, NEAR, AND, -, col:) is never read as query syntax;
// a term of several tokens matches as a phrase. Terms without any text are
// left out.
func Phrases(terms []string) []string {
	texts := Texts(terms)
	for i, t := range texts {
		texts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return texts
}

// Texts returns the text of each phrase of Phrases, in the same order:
// what FTS5 hands its tokenizer for it.
func Texts(terms []string) []string {
	var out []string
	seen := make(map[string]bool, len(terms))
	for _, t := range terms {
		t = strings.TrimSpace(strings.ReplaceAll(t, "\x00", " "))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// Any returns an FTS5 query matching any of the terms (see Phrases), or ""
// when no term has any text.
func Any(terms []string) string {
	return strings.Join(Phrases(terms), " OR ")
}
