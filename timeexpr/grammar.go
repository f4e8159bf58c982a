package timeexpr

import (
	"fmt"
	"strings"
	"time"
)

// parser holds the tokens and the clock. Every rule is a method that tries
// to match at a token index and returns the match (n == 0 when it fails);
// alternatives are tried and the longest match wins, so no rule needs
// lookahead beyond its own words.
type parser struct {
	src   string
	toks  []token
	now   time.Time
	loc   *time.Location
	today time.Time // midnight starting now's day
	hint  string    // why an almost-match was rejected, for Parse's error

	memoBase, memoPrim []match
	doneBase, donePrim []bool
}

// match is a rule's result: the span, how many tokens it used, and the
// leading preposition it consumed ("" if none).
type match struct {
	sp   span
	n    int
	prep string
}

func newParser(text string, now time.Time) *parser {
	p := &parser{src: text, toks: lex(text), now: now, loc: now.Location()}
	y, m, d := now.Date()
	p.today = date(y, m, d, p.loc)
	n := len(p.toks)
	p.memoBase, p.memoPrim = make([]match, n), make([]match, n)
	p.doneBase, p.donePrim = make([]bool, n), make([]bool, n)
	return p
}

func (p *parser) tok(i int) token {
	if i < 0 || i >= len(p.toks) {
		return token{}
	}
	return p.toks[i]
}

// w returns the word at i, or "" when token i is not a word.
func (p *parser) w(i int) string {
	if t := p.tok(i); t.kind == tWord {
		return t.text
	}
	return ""
}

// wordIn reports whether the word at i is one of words.
func (p *parser) wordIn(i int, words ...string) bool {
	w := p.w(i)
	for _, x := range words {
		if w == x {
			return w != ""
		}
	}
	return false
}

// punct reports whether token i is one of the punctuation runes in set.
func (p *parser) punct(i int, set string) bool {
	t := p.tok(i)
	return t.kind == tPunct && t.text != "\ufffd" && strings.Contains(set, t.text)
}

// adjacent reports whether tokens i and i+1 touch, with no space between.
func (p *parser) adjacent(i int) bool {
	return i+1 < len(p.toks) && p.toks[i].end == p.toks[i+1].start
}

func mk(i, j int, sp span) match { return match{sp: sp, n: j - i} }

func longer(a, b match) match {
	if b.n > a.n {
		return b
	}
	return a
}

// expr is the whole grammar: a range ("since X", "between X and Y") or a
// point expression.
func (p *parser) expr(i int) match {
	return longer(p.point(i), p.rangeExpr(i))
}

// rangeExpr matches expressions with one or two open or closed ends.
func (p *parser) rangeExpr(i int) match {
	switch p.w(i) {
	case "between":
		return p.twoSided(i, i+1, "and", "to", "&", "-", "–", "—")
	case "from":
		return p.twoSided(i, i+1, "to", "till", "til", "until", "through", "thru", "and", "-", "–", "—")
	case "since":
		return p.oneSided(i, i+1, sideSince)
	case "starting", "beginning":
		j := i + 1
		if p.wordIn(j, "from", "on", "in", "at", "with") {
			j++
		}
		return p.oneSided(i, j, sideSince)
	case "after":
		return p.oneSided(i, i+1, sideAfter)
	case "before":
		return p.oneSided(i, i+1, sideBefore)
	case "prior":
		if p.w(i+1) == "to" {
			return p.oneSided(i, i+2, sideBefore)
		}
	case "earlier", "later":
		if p.w(i+1) == "than" {
			if p.w(i) == "later" {
				return p.oneSided(i, i+2, sideAfter)
			}
			return p.oneSided(i, i+2, sideBefore)
		}
	case "until", "till", "til", "through", "thru":
		return p.oneSided(i, i+1, sideUntil)
	case "up":
		if p.wordIn(i+1, "to", "until", "till") {
			return p.oneSided(i, i+2, sideUntil)
		}
	}
	return p.twoSided(i, i, "to", "through", "thru", "until", "till", "-", "–", "—")
}

type side uint8

const (
	sideSince  side = iota // [X.start, +inf)
	sideAfter              // [X.end, +inf)
	sideBefore             // (-inf, X.start)
	sideUntil              // (-inf, X.end)
)

// oneSided matches an open range whose operand starts at token j.
func (p *parser) oneSided(i, j int, sd side) match {
	x := p.operand(j)
	if x.n == 0 {
		return match{}
	}
	sp := span{cls: cRange}
	switch sd {
	case sideSince:
		sp.start, sp.hasStart = x.sp.start, true
	case sideAfter:
		sp.start, sp.hasStart = x.sp.end, true
	case sideBefore:
		sp.end, sp.hasEnd = x.sp.start, true
	case sideUntil:
		sp.end, sp.hasEnd = x.sp.end, true
	}
	return mk(i, j+x.n, sp)
}

// twoSided matches "X conj Y" with X at token j, covering both operands
// whole. Y may be a bare day of X's month ("May 1 to 5"). When Y ends
// before X starts and X recurs (a weekday, month or part of the day without
// a date), X moves back to the occurrence before Y; otherwise the operands
// are taken in either order. Without a leading "between" or "from" (i == j)
// the result is weak when either operand is.
func (p *parser) twoSided(i, j int, conj ...string) match {
	x := p.operand(j)
	if x.n == 0 {
		return match{}
	}
	k := j + x.n
	t := p.tok(k)
	if t.kind != tWord && t.kind != tPunct || !contains(conj, t.text) {
		return match{}
	}
	y := p.operand(k + 1)
	if c := p.dayOfMonth(k+1, x.sp); c.n >= y.n && c.n > 0 {
		y = c
	}
	if y.n == 0 {
		return match{}
	}
	if !y.sp.end.After(x.sp.start) {
		if e, ok := x.sp.earlier(); ok && y.sp.end.After(e.start) {
			x.sp = e // "monday to friday" on a Wednesday: last week's
		}
	}
	sp := closed(x.sp.start, x.sp.end, cRange)
	if y.sp.start.Before(sp.start) {
		sp.start = y.sp.start
	}
	if y.sp.end.After(sp.end) {
		sp.end = y.sp.end
	}
	sp.weak = i == j && (x.sp.weak || y.sp.weak)
	return mk(i, k+1+y.n, sp)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// dayOfMonth matches a bare day number ("5", "the 5th") that completes a
// range whose first operand is an explicit date: "May 1 to 5".
func (p *parser) dayOfMonth(i int, x span) match {
	if x.dateM == 0 {
		return match{}
	}
	j := i
	if p.w(j) == "the" {
		j++
	}
	d, ok := p.dayNum(j)
	if !ok || !validDate(x.dateY, time.Month(x.dateM), d) {
		return match{}
	}
	return mk(i, j+1, datedSpan(x.dateY, time.Month(x.dateM), d, p.loc))
}

// operand is a primary expression, optionally after "the".
func (p *parser) operand(i int) match {
	m := p.primary(i)
	if p.w(i) == "the" {
		if t := p.primary(i + 1); t.n > 0 && t.n+1 > m.n {
			m = t
			m.n++
		}
	}
	return m
}

// point is a primary expression after an optional preposition ("in",
// "during", "on", ...) and an optional "the". A preposition makes a weak
// expression strong ("in may"); "the" does not ("the march of progress").
func (p *parser) point(i int) match {
	best := p.operand(i)
	w := p.w(i)
	if _, ok := preps[w]; !ok {
		return best
	}
	m := p.operand(i + 1)
	if m.n > 0 && m.n+1 > best.n {
		best = m
		best.n++
		best.prep = w
	}
	return best
}

// primary is a primary expression, extended by a part of the day when it
// denotes a single day: "yesterday morning", "friday at noon", "March 3 in
// the evening".
func (p *parser) primary(i int) match {
	if i < 0 || i >= len(p.toks) {
		return match{}
	}
	if p.donePrim[i] {
		return p.memoPrim[i]
	}
	m := p.primaryBase(i)
	if m.n > 0 && m.sp.day {
		j := i + m.n
		k := j
		if p.wordIn(k, "at", "in", "during") {
			k++
			if p.w(k) == "the" {
				k++
			}
		}
		if pd, ok := pods[p.w(k)]; ok {
			sp := podSpan(m.sp.start, pd)
			sp.cls, sp.weak = m.sp.cls, m.sp.weak
			m = mk(i, k+1, sp)
		}
	}
	p.memoPrim[i], p.donePrim[i] = m, true
	return m
}

// primaryBase is the longest match of any single-period rule at i.
func (p *parser) primaryBase(i int) match {
	if i < 0 || i >= len(p.toks) {
		return match{}
	}
	if p.doneBase[i] {
		return p.memoBase[i]
	}
	rules := [...]func(*parser, int) match{
		(*parser).deictic, (*parser).relative, (*parser).ago, (*parser).weekdayForm,
		(*parser).monthFirst, (*parser).dayFirst, (*parser).numericDate, (*parser).isoForm,
		(*parser).yearForm, (*parser).seasonForm, (*parser).holidayForm,
		(*parser).quarterForm, (*parser).halfForm, (*parser).podForm, (*parser).weekendForm,
	}
	var best match
	for _, r := range rules {
		best = longer(best, r(p, i))
	}
	p.memoBase[i], p.doneBase[i] = best, true
	return best
}

// quantity matches a count: digits, a number word, "a"/"an", or a vague
// "a couple (of)", "a few", "several". It returns the tokens used, 0 if none.
func (p *parser) quantity(i int) (qty, int) {
	t := p.tok(i)
	if t.kind == tNum && !t.ord {
		if t.val > maxCount {
			if _, ok := units[p.w(i+1)]; ok {
				p.setHint(fmt.Sprintf("the number %s is too large", t.text))
			}
			return qty{}, 0
		}
		return qty{t.val, t.val}, 1
	}
	n := 0
	if p.wordIn(i, "a", "an") {
		n = 1
	}
	switch p.w(i + n) {
	case "couple":
		if p.w(i+n+1) == "of" {
			return qCouple, n + 2
		}
		return qCouple, n + 1
	case "few":
		return qFew, n + 1
	case "several":
		if n == 0 {
			return qSeveral, 1
		}
	}
	if n == 1 {
		return qty{1, 1}, 1
	}
	if v, ok := numberWords[t.text]; ok && t.kind == tWord {
		return qty{v, v}, 1
	}
	return qty{}, 0
}

// amount matches a count and a unit: "3 days", "a few weeks", "24h",
// "half an hour". It returns the tokens used, 0 if none.
func (p *parser) amount(i int) (qty, unitWord, int) {
	if p.w(i) == "half" {
		j := i + 1
		if p.wordIn(j, "a", "an") {
			j++
		}
		if p.w(j) == "hour" {
			return qty{1, 1}, unitWord{u: uMinute, mult: 30}, j + 1 - i
		}
		return qty{}, unitWord{}, 0
	}
	q, k := p.quantity(i)
	if k == 0 {
		return qty{}, unitWord{}, 0
	}
	uw, ok := units[p.w(i+k)]
	if !ok {
		return qty{}, unitWord{}, 0
	}
	return q, uw, k + 1
}

// dayNum matches a day of the month: 1 to 31 written with at most two
// digits, an ordinal such as "3rd", or a spelled ordinal such as "first".
func (p *parser) dayNum(i int) (int, bool) {
	t := p.tok(i)
	switch {
	case t.kind == tNum && t.digits <= 2 && t.val >= 1 && t.val <= 31:
		return t.val, true
	case t.kind == tWord:
		v, ok := ordinalWords[t.text]
		return v, ok
	}
	return 0, false
}

// isOrdinal reports whether token i is written as an ordinal.
func (p *parser) isOrdinal(i int) bool {
	t := p.tok(i)
	_, ok := ordinalWords[t.text]
	return t.ord || t.kind == tWord && ok
}

// abbrevDot returns the index after the month word at i, skipping the full
// stop of an abbreviation ("Dec.").
func (p *parser) abbrevDot(i int) int {
	if monthAbbrevs[p.w(i)] && p.punct(i+1, ".") && p.adjacent(i) {
		return i + 2
	}
	return i + 1
}

// yearNum matches a four-digit year.
func (p *parser) yearNum(i int) (int, bool) {
	t := p.tok(i)
	if t.kind == tNum && !t.ord && t.digits == 4 && t.val >= 1000 {
		return t.val, true
	}
	return 0, false
}

// optYear matches an optional year after a date word: [","|"of"] followed by
// a four-digit year or "this/last/next year". It returns the tokens used.
func (p *parser) optYear(i int) (int, int) {
	j := i
	if p.punct(j, ",") || p.w(j) == "of" {
		j++
	}
	if y, ok := p.yearNum(j); ok {
		return y, j + 1 - i
	}
	if p.w(j+1) == "year" {
		switch p.w(j) {
		case "this", "current":
			return p.now.Year(), j + 2 - i
		case "last", "previous":
			return p.now.Year() - 1, j + 2 - i
		case "next":
			return p.now.Year() + 1, j + 2 - i
		}
	}
	return 0, 0
}

// text returns the source text of tokens i to j-1.
func (p *parser) text(i, j int) string {
	if i < 0 || j > len(p.toks) || i >= j {
		return ""
	}
	return p.src[p.toks[i].start:p.toks[j-1].end]
}

func (p *parser) setHint(h string) {
	if p.hint == "" {
		p.hint = h
	}
}
