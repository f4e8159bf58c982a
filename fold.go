package memory

import (
	"unicode"
	"unicode/utf8"
)

// Case folding behind Filter.Contains, shared by every backend that cannot
// fold inside its database (SQLite registers it as a function; Cloudflare D1
// stores a folded copy of the content).

// FoldString returns s case-folded as AppendFold does.
func FoldString(s string) string { return string(AppendFold(nil, []byte(s))) }

// AppendFold appends s with every rune replaced by the smallest rune of its
// Unicode simple case-folding orbit, so that two strings are equal under
// simple folding exactly when their folds are equal (ASCII letters fold to
// upper case). Invalid UTF-8 bytes are kept as they are. Substring tests on
// folded text are therefore case-insensitive in the sense of Filter.Contains.
func AppendFold(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, c)
			i++
			continue
		}
		dst = utf8.AppendRune(dst, foldRune(r))
		i += n
	}
	return dst
}

// foldRune returns the smallest rune of r's simple case-folding orbit.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}
