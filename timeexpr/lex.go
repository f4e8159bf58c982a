package timeexpr

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// tokKind says what a token is.
type tokKind uint8

const (
	tWord    tokKind = iota + 1 // a run of letters, lower-cased, possessive 's dropped
	tNum                        // a run of ASCII digits, maybe with an ordinal suffix
	tDate                       // an ISO 8601 / RFC 3339 date or date-time
	tBadDate                    // something shaped like an ISO date that is not a real one
	tPunct                      // any other single rune, including invalid UTF-8
)

// maxNum stands in for numbers too long to matter; it is larger than any
// count or date field the grammar accepts.
const maxNum = 1 << 30

// token is one lexical unit; start and end are byte offsets into the text,
// which Extract uses to cut the expression out of the query.
type token struct {
	kind   tokKind
	text   string // word text, digits, or the punctuation rune
	val    int    // tNum: its value, or maxNum when longer than 9 digits
	digits int    // tNum: how many digits
	ord    bool   // tNum: written with an ordinal suffix (3rd)
	iso    isoDate
	start  int
	end    int
}

// isoDate is a parsed ISO date, year-month or date-time. Month and day are
// zero when absent; zone is nil when the text gave no offset.
type isoDate struct {
	year, month, day int
	hasTime          bool
	hour, min, sec   int
	prec             time.Duration // time.Minute or time.Second
	zone             *time.Location
}

// lex splits s into tokens. It never fails: anything it does not recognise
// becomes a tPunct token, which no grammar rule accepts.
func lex(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && w <= 1:
			toks = append(toks, token{kind: tPunct, text: "\ufffd", start: i, end: i + 1})
			i++
		case unicode.IsSpace(r):
			i += w
		case r >= '0' && r <= '9':
			if d, n, st := scanISO(s, i); st != isoNone {
				k := tDate
				if st == isoBad {
					k = tBadDate
				}
				toks = append(toks, token{kind: k, text: s[i : i+n], iso: d, start: i, end: i + n})
				i += n
				continue
			}
			t, n := lexNumber(s, i)
			toks = append(toks, t)
			i += n
		case unicode.IsLetter(r):
			j := i + w
			for j < len(s) {
				r2, w2 := utf8.DecodeRuneInString(s[j:])
				if unicode.IsLetter(r2) {
					j += w2
					continue
				}
				if r2 == '\'' || r2 == '’' {
					if r3, _ := utf8.DecodeRuneInString(s[j+w2:]); unicode.IsLetter(r3) {
						j += w2
						continue
					}
				}
				break
			}
			toks = append(toks, token{kind: tWord, text: normWord(s[i:j]), start: i, end: j})
			i = j
		default:
			toks = append(toks, token{kind: tPunct, text: string(r), start: i, end: i + w})
			i += w
		}
	}
	return toks
}

// normWord lower-cases a word, drops a possessive ending ("year's",
// "valentines’") and removes any other apostrophes.
func normWord(w string) string {
	w = strings.ToLower(w)
	for _, suf := range []string{"'s", "’s"} {
		w = strings.TrimSuffix(w, suf)
	}
	if strings.ContainsAny(w, "'’") {
		w = strings.NewReplacer("'", "", "’", "").Replace(w)
	}
	return w
}

// lexNumber reads a digit run at s[i:], with an ordinal suffix (st, nd, rd,
// th) when one follows directly and ends the word.
func lexNumber(s string, i int) (token, int) {
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	t := token{kind: tNum, text: s[i:j], digits: j - i, start: i, end: j}
	if t.digits > 9 {
		t.val = maxNum
	} else {
		for _, c := range s[i:j] {
			t.val = t.val*10 + int(c-'0')
		}
	}
	k := j
	for k < len(s) && k-j < 3 && isASCIILetter(s[k]) {
		k++
	}
	if k-j == 2 && !(k < len(s) && isASCIILetter(s[k])) {
		switch strings.ToLower(s[j:k]) {
		case "st", "nd", "rd", "th":
			t.ord, t.end, j = true, k, k
		}
	}
	return t, j - i
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool       { return c >= '0' && c <= '9' }

type isoStatus uint8

const (
	isoNone isoStatus = iota // not ISO-shaped; lex it as plain tokens
	isoOK
	isoBad // ISO-shaped but not a real date or time
)

// scanISO recognises YYYY-MM, YYYY-MM-DD (or with '/'), optionally followed
// by 'T' or a space and hh:mm[:ss[.frac]] with an optional Z or ±hh[:]mm
// offset. It returns the date, its length in bytes, and whether it was one.
func scanISO(s string, i int) (isoDate, int, isoStatus) {
	var d isoDate
	j := i
	num := func(min, max int) (int, bool) {
		k, v := j, 0
		for k < len(s) && k-j < max && isDigit(s[k]) {
			v = v*10 + int(s[k]-'0')
			k++
		}
		if k-j < min {
			return 0, false
		}
		j = k
		return v, true
	}
	var ok bool
	if d.year, ok = num(4, 4); !ok || j >= len(s) || (s[j] != '-' && s[j] != '/') {
		return d, 0, isoNone
	}
	sep := s[j]
	j++
	if d.month, ok = num(1, 2); !ok {
		return d, 0, isoNone
	}
	if j+1 < len(s) && s[j] == sep && isDigit(s[j+1]) {
		j++
		d.day, _ = num(1, 2)
	}
	if d.day != 0 && sep == '-' {
		scanClock(s, &j, &d)
	}
	if j < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[j:]); unicode.IsLetter(r) || unicode.IsDigit(r) {
			return d, 0, isoNone
		}
	}
	st := isoOK
	switch {
	case d.year < 1 || d.month < 1 || d.month > 12:
		st = isoBad
	case d.day != 0 && d.day > daysIn(d.year, time.Month(d.month)):
		st = isoBad
	case d.hasTime && (d.hour > 23 || d.min > 59 || d.sec > 59):
		st = isoBad
	}
	return d, j - i, st
}

// scanClock extends an ISO date at s[*j:] with a time of day and offset when
// one follows; it leaves *j alone when the text there is not a time.
func scanClock(s string, j *int, d *isoDate) {
	k := *j
	if k >= len(s) || (s[k] != 'T' && s[k] != 't' && s[k] != ' ') {
		return
	}
	k++
	two := func() (int, bool) {
		if k+1 < len(s) && isDigit(s[k]) && isDigit(s[k+1]) {
			v := int(s[k]-'0')*10 + int(s[k+1]-'0')
			k += 2
			return v, true
		}
		return 0, false
	}
	h, ok := two()
	if !ok || k >= len(s) || s[k] != ':' {
		return
	}
	k++
	m, ok := two()
	if !ok {
		return
	}
	d.hasTime, d.hour, d.min, d.prec = true, h, m, time.Minute
	if k+2 < len(s) && s[k] == ':' && isDigit(s[k+1]) && isDigit(s[k+2]) {
		k++
		d.sec, _ = two()
		d.prec = time.Second
		if k+1 < len(s) && (s[k] == '.' || s[k] == ',') && isDigit(s[k+1]) {
			k++
			for k < len(s) && isDigit(s[k]) {
				k++
			}
		}
	}
	if k < len(s) && (s[k] == 'Z' || s[k] == 'z') {
		d.zone = time.UTC
		k++
	} else if k < len(s) && (s[k] == '+' || s[k] == '-') {
		sign := 1
		if s[k] == '-' {
			sign = -1
		}
		save := k
		k++
		oh, ok1 := two()
		if ok1 && k < len(s) && s[k] == ':' {
			k++
		}
		om, ok2 := two()
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			k = save
		} else {
			d.zone = time.FixedZone("", sign*(oh*3600+om*60))
		}
	}
	*j = k
}
