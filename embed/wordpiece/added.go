package wordpiece

// added.go finds added tokens ([CLS], [MASK], …) in the input, as
// HuggingFace's AddedVocabulary does before the model sees the text.

import (
	"unicode"
	"unicode/utf8"
)

// addedToken is one entry of tokenizer.json's added_tokens.
type addedToken struct {
	content    string
	id         int32
	lstrip     bool // swallow whitespace before the match
	rstrip     bool // swallow whitespace after the match
	singleWord bool // match only when not inside a word
}

// addedSet holds added tokens, longest first, for leftmost-longest matching.
type addedSet struct {
	toks  []addedToken
	first [256]bool // first bytes of contents, to skip most positions fast
}

// add inserts a token keeping the list sorted by length, longest first.
func (a *addedSet) add(t addedToken) {
	i := len(a.toks)
	a.toks = append(a.toks, t)
	for i > 0 && len(a.toks[i-1].content) < len(t.content) {
		a.toks[i] = a.toks[i-1]
		i--
	}
	a.toks[i] = t
	a.first[t.content[0]] = true
}

// text is what added tokens are matched in: the raw input or a normalized
// segment.
type text interface{ ~string | ~[]byte }

// next finds the first match at or after pos. It returns the span the match
// covers (widened by lstrip/rstrip, never before pos) and the token id.
func next[T text](a *addedSet, s T, pos int) (start, end int, id int32, ok bool) {
	if len(a.toks) == 0 {
		return 0, 0, 0, false
	}
	for i := pos; i < len(s); i++ {
		if !a.first[s[i]] {
			continue
		}
		for _, t := range a.toks {
			if !hasPrefixAt(s, i, t.content) {
				continue
			}
			start, end := i, i+len(t.content)
			if t.singleWord && (endsWithWord(s[:start]) || startsWithWord(s[end:])) {
				// Like HF's non-overlapping scan: skip past the discarded match.
				i = end - 1
				break
			}
			if t.lstrip {
				for start > pos {
					r, size := lastRune(s[pos:start])
					if !unicode.IsSpace(r) {
						break
					}
					start -= size
				}
			}
			if t.rstrip {
				for end < len(s) {
					r, size := firstRune(s[end:])
					if !unicode.IsSpace(r) {
						break
					}
					end += size
				}
			}
			return start, end, t.id, true
		}
	}
	return 0, 0, 0, false
}

// hasPrefixAt reports whether s[i:] starts with p.
func hasPrefixAt[T text](s T, i int, p string) bool {
	if len(s)-i < len(p) {
		return false
	}
	for j := 0; j < len(p); j++ {
		if s[i+j] != p[j] {
			return false
		}
	}
	return true
}

// isWordChar is HF's word character for single_word tokens.
func isWordChar(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.N, r)
}

// endsWithWord reports whether s ends in a word character.
func endsWithWord[T text](s T) bool {
	if len(s) == 0 {
		return false
	}
	r, _ := lastRune(s)
	return isWordChar(r)
}

// startsWithWord reports whether s starts with a word character.
func startsWithWord[T text](s T) bool {
	if len(s) == 0 {
		return false
	}
	r, _ := firstRune(s)
	return isWordChar(r)
}

// lastRune decodes the last character of s, copying at most 4 bytes.
func lastRune[T text](s T) (rune, int) {
	return utf8.DecodeLastRune([]byte(s[max(0, len(s)-utf8.UTFMax):]))
}

// firstRune decodes the first character of s, copying at most 4 bytes.
func firstRune[T text](s T) (rune, int) {
	return utf8.DecodeRune([]byte(s[:min(len(s), utf8.UTFMax)]))
}
