package glove

import (
	"unicode"
	"unicode/utf8"
)

// maxToken bounds the bytes of one word (letters, digits and joiners); the
// longest vocabulary entry is 42 bytes. Longer words are one OOV token.
const maxToken = 128

// sentence accumulates one text's weighted word vectors. It lives on the
// stack of model.embed, so embedding allocates nothing.
type sentence struct {
	m      *model
	acc    [Dim]float32
	tokens int // atomic tokens looked up
	oov    int // of which not in the vocabulary
	found  int // of which in the vocabulary
}

// Joiners link the parts of one word when they stand between two letters or
// digits: hyphens ("well-known") and apostrophes ("don't", "Caroline's").
const (
	hyphen     = '-'
	apostrophe = '\''
)

func joinerOf(r rune) byte {
	switch r {
	case '-', '\u2010', '\u2011', '\ufe63', '\uff0d':
		return hyphen
	case '\'', '\u2019', '\u2018', '\u02bc', '\u00b4', '`', '\uff07':
		return apostrophe
	}
	return 0
}

func isWordStart(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// decode returns the rune at text[i] and its width. Invalid UTF-8 yields
// (utf8.RuneError, 1), which is not a word rune: bad bytes separate words.
func decode(text string, i int) (rune, int) {
	if c := text[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(text[i:])
}

// scan tokenises text and adds every token.
func (s *sentence) scan(text string) {
	var buf [maxToken]byte
	for i := 0; i < len(text); {
		r, w := decode(text, i)
		if r == utf8.RuneError || joinerOf(r) != 0 || !isWordStart(r) {
			i += w
			continue
		}
		n, over := 0, false
		lastWord := false // the previous rune was part of the word (not a joiner)
		for i < len(text) {
			r, w = decode(text, i)
			if j := joinerOf(r); j != 0 {
				if !lastWord || i+w >= len(text) {
					break
				}
				if next, _ := decode(text, i+w); next == utf8.RuneError || !isWordStart(next) {
					break
				}
				if n < len(buf) {
					buf[n] = j
					n++
				} else {
					over = true
				}
				lastWord = false
				i += w
				continue
			}
			if r == utf8.RuneError {
				break
			}
			if !isWordStart(r) && !(r >= utf8.RuneSelf && (unicode.IsMark(r) || unicode.Is(unicode.Cf, r))) {
				break
			}
			var ok bool
			if n, ok = s.m.appendFolded(&buf, n, r); !ok {
				over = true
			}
			lastWord = true
			i += w
		}
		if over {
			s.tokens++
			s.oov++
			continue
		}
		s.word(buf[:n])
	}
}

// appendFolded appends the lower-case, diacritic-free form of r to buf[:n].
// Combining marks and format characters (soft hyphen, zero-width joiner)
// vanish. It reports false when buf is full.
func (m *model) appendFolded(buf *[maxToken]byte, n int, r rune) (int, bool) {
	if r < utf8.RuneSelf {
		if n >= len(buf) {
			return n, false
		}
		c := byte(r)
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		return n + 1, true
	}
	if unicode.IsMark(r) || unicode.Is(unicode.Cf, r) {
		return n, true
	}
	r = unicode.ToLower(r)
	if f, ok := m.fold[r]; ok {
		if n+len(f) > len(buf) {
			return n, false
		}
		return n + copy(buf[n:], f), true
	}
	if '\uff10' <= r && r <= '\uff19' || '\uff41' <= r && r <= '\uff5a' { // full-width digits and letters
		if n >= len(buf) {
			return n, false
		}
		buf[n] = byte(r - 0xfee0)
		return n + 1, true
	}
	if n+utf8.RuneLen(r) > len(buf) {
		return n, false
	}
	return len(utf8.AppendRune(buf[:n], r)), true
}

// contraction returns the word that the part after an apostrophe stands
// for ("'re" → are). "'s" is handled by the caller: possessive, or an
// unweighted "is"/"has", so it is dropped.
func contraction(tail []byte) (string, bool) {
	switch string(tail) {
	case "re":
		return "are", true
	case "ve":
		return "have", true
	case "ll":
		return "will", true
	case "d":
		return "would", true
	case "m":
		return "am", true
	}
	return "", false
}

// negation returns the verb of a "…n't" stem that is not a word itself
// ("ca" of can't → can).
func negation(stem []byte) (string, bool) {
	switch string(stem) {
	case "ca":
		return "can", true
	case "wo":
		return "will", true
	case "sha":
		return "shall", true
	case "ai":
		return "is", true
	}
	return "", false
}

// word handles one lower-cased word: apostrophes first, then hyphens.
func (s *sentence) word(w []byte) {
	ap := -1
	count := 0
	for i, c := range w {
		if c == apostrophe {
			if ap < 0 {
				ap = i
			}
			count++
		}
	}
	if count == 0 {
		s.compound(w)
		return
	}
	if count == 1 {
		head, tail := w[:ap], w[ap+1:]
		switch {
		case len(tail) == 1 && tail[0] == 's':
			s.compound(head)
			return
		case len(tail) == 1 && tail[0] == 't' && len(head) > 1 && head[len(head)-1] == 'n':
			stem := head[:len(head)-1]
			if full, ok := negation(stem); ok {
				s.addString(full)
			} else {
				s.compound(stem)
			}
			s.addString("not")
			return
		}
		if full, ok := contraction(tail); ok {
			s.compound(head)
			s.addString(full)
			return
		}
	}
	// Other apostrophes (O'Brien, rock'n'roll): the word without them if the
	// vocabulary has it, otherwise each part.
	var joined [maxToken]byte
	n := 0
	for _, c := range w {
		if c != apostrophe {
			joined[n] = c
			n++
		}
	}
	if _, ok := s.m.index[string(joined[:n])]; ok {
		s.compound(joined[:n])
		return
	}
	start := 0
	for i, c := range w {
		if c == apostrophe {
			s.compound(w[start:i])
			start = i + 1
		}
	}
	s.compound(w[start:])
}

// compound adds a hyphenated word whole when the vocabulary has it ("e-mail",
// "mother-in-law"), otherwise each of its parts.
func (s *sentence) compound(w []byte) {
	if len(w) == 0 {
		return
	}
	split := false
	for _, c := range w {
		if c == hyphen {
			split = true
			break
		}
	}
	if !split {
		s.add(w)
		return
	}
	if i, ok := s.m.index[string(w)]; ok {
		s.hit(i)
		return
	}
	start := 0
	for i, c := range w {
		if c == hyphen {
			s.add(w[start:i])
			start = i + 1
		}
	}
	s.add(w[start:])
}

func (s *sentence) add(w []byte) {
	if len(w) == 0 {
		return
	}
	if i, ok := s.m.index[string(w)]; ok {
		s.hit(i)
		return
	}
	s.tokens++
	s.oov++
}

func (s *sentence) addString(w string) {
	if i, ok := s.m.index[w]; ok {
		s.hit(i)
		return
	}
	s.tokens++
	s.oov++
}

func (s *sentence) hit(i int32) {
	s.tokens++
	s.found++
	s.m.add(&s.acc, i)
}

// foldSpec lists, for each ASCII replacement, the lower-case letters that
// fold to it: Latin-1, Latin Extended-A/B and the Vietnamese range.
var foldSpec = [...]struct{ to, from string }{
	{"a", "àáâãäåāăąǎǟǡǻȁȃȧạảấầẩẫậắằẳẵặ"},
	{"b", "ḃḅ"},
	{"c", "çćĉċč"},
	{"d", "ďđḍḏð"},
	{"e", "èéêëēĕėęěȅȇȩẹẻẽếềểễệ"},
	{"g", "ĝğġģǧǵ"},
	{"h", "ĥħḥ"},
	{"i", "ìíîïĩīĭįıǐȉȋỉị"},
	{"j", "ĵǰ"},
	{"k", "ķǩĸ"},
	{"l", "ĺļľŀł"},
	{"n", "ñńņňŉǹṇŋ"},
	{"o", "òóôõöøōŏőơǒǫǭǿȍȏȫȭȯȱọỏốồổỗộớờởỡợ"},
	{"r", "ŕŗřȑȓ"},
	{"s", "śŝşšșſṣ"},
	{"t", "ţťŧțṭ"},
	{"u", "ùúûüũūŭůűųưǔǖǘǚǜȕȗụủứừửữự"},
	{"w", "ŵẁẃẅ"},
	{"y", "ýÿŷȳỳỵỷỹ"},
	{"z", "źżžẓ"},
	{"ae", "æǽ"},
	{"oe", "œ"},
	{"ss", "ß"},
	{"th", "þ"},
	{"ij", "ĳ"},
	{"ff", "ﬀ"},
	{"fi", "ﬁ"},
	{"fl", "ﬂ"},
	{"ffi", "ﬃ"},
	{"ffl", "ﬄ"},
	{"st", "ﬅﬆ"},
}

func newFoldMap() map[rune]string {
	m := make(map[rune]string, 300)
	for _, f := range foldSpec {
		for _, r := range f.from {
			m[r] = f.to
		}
	}
	return m
}
