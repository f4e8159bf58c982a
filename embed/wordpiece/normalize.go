package wordpiece

// normalize.go implements the normalizer steps and the character classes
// of HuggingFace's BertNormalizer and BertPreTokenizer.

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// stepKind is one normalization pass.
type stepKind uint8

const (
	stepClean        stepKind = iota // BertNormalizer clean_text and/or handle_chinese_chars
	stepStripAccents                 // NFD, then drop nonspacing marks (BertNormalizer)
	stepStripMarks                   // drop marks (StripAccents normalizer)
	stepLowercase                    // Unicode lowercase
	stepNFD                          // canonical decomposition
	stepNFKD                         // compatibility decomposition
	stepNFC                          // canonical composition
	stepNFKC                         // compatibility composition
)

// normStep is one pass with its options.
type normStep struct {
	kind  stepKind
	clean bool // stepClean: drop control characters, map whitespace to ' '
	cjk   bool // stepClean: put spaces around CJK ideographs
}

// bertSteps expands a BertNormalizer into passes, in HF's order: clean
// text, pad CJK characters, strip accents, lowercase.
func bertSteps(clean, cjk, strip, lower bool) []normStep {
	var steps []normStep
	if clean || cjk {
		steps = append(steps, normStep{kind: stepClean, clean: clean, cjk: cjk})
	}
	if strip {
		steps = append(steps, normStep{kind: stepStripAccents})
	}
	if lower {
		steps = append(steps, normStep{kind: stepLowercase})
	}
	return steps
}

// normalize runs every step over src and returns the result, which lives in
// one of s's buffers and stays valid until the next normalize call on s.
func (t *Tokenizer) normalize(s *scratch, src []byte) []byte {
	cur, inA := src, false
	for _, st := range t.norm {
		dst := s.a[:0]
		if inA {
			dst = s.b[:0]
		}
		out, changed := st.apply(&s.iter, dst, cur)
		if !changed {
			continue
		}
		if inA {
			s.b = out
		} else {
			s.a = out
		}
		cur, inA = out, !inA
	}
	return cur
}

// apply runs one pass from src into dst, using it for Unicode
// normalization. It reports false, leaving dst unused, when the pass would
// not change src.
func (st normStep) apply(it *norm.Iter, dst, src []byte) ([]byte, bool) {
	ascii := isASCII(src)
	switch st.kind {
	case stepClean:
		return cleanText(dst, src, st.clean, st.cjk), true
	case stepStripAccents:
		if ascii {
			return nil, false
		}
		return dropMarks(normAppend(it, norm.NFD, dst, src), false), true
	case stepStripMarks:
		if ascii {
			return nil, false
		}
		return dropMarks(append(dst, src...), true), true
	case stepLowercase:
		return lowercase(dst, src, ascii), true
	case stepNFD, stepNFKD, stepNFC, stepNFKC:
		if ascii {
			return nil, false
		}
		form := [...]norm.Form{stepNFD: norm.NFD, stepNFKD: norm.NFKD, stepNFC: norm.NFC, stepNFKC: norm.NFKC}[st.kind]
		return normAppend(it, form, dst, src), true
	}
	return nil, false
}

// normAppend appends the normalization of src to dst. It reuses it, whose
// buffers Form.Append would allocate on every call.
func normAppend(it *norm.Iter, f norm.Form, dst, src []byte) []byte {
	if f.QuickSpan(src) == len(src) {
		return append(dst, src...)
	}
	it.Init(f, src)
	for !it.Done() {
		dst = append(dst, it.Next()...)
	}
	return dst
}

// isASCII reports whether b has only 7-bit bytes.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cleanText drops NUL, U+FFFD, invalid UTF-8 and control characters and
// maps whitespace to a plain space (if clean), and surrounds CJK ideographs
// with spaces (if cjk).
func cleanText(dst, src []byte, clean, cjk bool) []byte {
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			i++
			if clean {
				switch {
				case c == '\t' || c == '\n' || c == '\r':
					c = ' '
				case c < 0x20 || c == 0x7f:
					continue
				}
			}
			dst = append(dst, c)
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		i += size
		if clean {
			if r == utf8.RuneError || isControl(r) {
				continue
			}
			if unicode.IsSpace(r) {
				dst = append(dst, ' ')
				continue
			}
		}
		if cjk && isCJK(r) {
			dst = append(dst, ' ')
			dst = utf8.AppendRune(dst, r)
			dst = append(dst, ' ')
			continue
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// dropMarks removes marks from b in place: those of hfMarks, or with
// allMarks every character of category M.
func dropMarks(b []byte, allMarks bool) []byte {
	w := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			b[w] = b[i]
			w++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if allMarks && !unicode.Is(unicode.M, r) || !allMarks && !hfMarks.has(r) {
			w += copy(b[w:], b[i:i+size])
		}
		i += size
	}
	return b[:w]
}

// lowercase appends the per-character Unicode lowercase of src to dst, as
// Rust's char::to_lowercase does (İ becomes "i̇"; no final-sigma rule).
func lowercase(dst, src []byte, ascii bool) []byte {
	if ascii {
		for _, c := range src {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	for i := 0; i < len(src); {
		if c := src[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		i += size
		if r == '\u0130' { // the one character whose lowercase is two
			dst = append(dst, "i\u0307"...)
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	return dst
}

// isControl reports whether clean_text drops r (see hfControl).
func isControl(r rune) bool { return hfControl.has(r) }

// runeRange is an inclusive range of code points.
type runeRange struct{ lo, hi rune }

// runeTable is a sorted list of disjoint ranges.
type runeTable []runeRange

// has reports whether r is in the table.
func (t runeTable) has(r rune) bool {
	i, j := 0, len(t)
	for i < j {
		h := int(uint(i+j) >> 1)
		switch {
		case r < t[h].lo:
			j = h
		case r > t[h].hi:
			i = h + 1
		default:
			return true
		}
	}
	return false
}

// parseRanges reads space-separated hex ranges ("300-36f 483 …"), as
// tables.go stores them. It panics on malformed input, which only a broken
// generator could produce.
func parseRanges(s string) runeTable {
	var t runeTable
	for f := range strings.FieldsSeq(s) {
		lo, hi, dash := strings.Cut(f, "-")
		a, err := strconv.ParseUint(lo, 16, 32)
		b := a
		if err == nil && dash {
			b, err = strconv.ParseUint(hi, 16, 32)
		}
		if err != nil || b < a || (len(t) > 0 && rune(a) <= t[len(t)-1].hi) {
			panic("wordpiece: bad range " + f + " in tables.go")
		}
		t = append(t, runeRange{rune(a), rune(b)})
	}
	return t
}

// isCJK reports whether r is in the CJK Unified Ideographs blocks that
// BERT's handle_chinese_chars treats as one-character words. The range
// starting at 0x2B920 (not 0x2B820) is what HuggingFace tokenizers checks.
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) ||
		(r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) ||
		(r >= 0x2B920 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) ||
		(r >= 0x2F800 && r <= 0x2FA1F)
}

// isPunct reports whether BertPreTokenizer isolates r: ASCII punctuation
// (which includes symbols such as $ + < = > ^ ` | ~) or Unicode category P.
func isPunct(r rune) bool {
	if r < utf8.RuneSelf {
		return (r >= '!' && r <= '/') || (r >= ':' && r <= '@') || (r >= '[' && r <= '`') || (r >= '{' && r <= '~')
	}
	return hfPunct.has(r)
}

// isSpace reports whether r splits words: Unicode White_Space, as Rust's
// char::is_whitespace.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || (r >= '\t' && r <= '\r')
	}
	return unicode.IsSpace(r)
}
