package timeexpr

import (
	"fmt"
	"time"
)

// monthFirst matches a month name, alone (the most recent one that has
// begun), with a year ("March 2025", "March of last year"), or with a day and
// optional year ("March 3", "Mar 3rd, 2025", "March the 3rd").
func (p *parser) monthFirst(i int) match {
	m, ok := months[p.w(i)]
	if !ok {
		return match{}
	}
	j := p.abbrevDot(i)
	y := p.now.Year()
	if m > p.now.Month() {
		y--
	}
	sp := monthSpan(y, m, p.loc)
	sp.weak, sp.cycle = true, cycYear
	best := mk(i, j, sp)
	if yy, n := p.optYear(j); n > 0 {
		best = mk(i, j+n, monthSpan(yy, m, p.loc))
	}
	k := j
	if p.w(k) == "the" {
		k++
	}
	if d, ok := p.dayNum(k); ok {
		best = longer(best, p.dateWithYear(i, k+1, m, d))
	}
	return best
}

// dateWithYear completes a month and day whose last token ends before j
// with an optional year; without one it is the most recent such day on or
// before today.
func (p *parser) dateWithYear(i, j int, m time.Month, d int) match {
	if y, n := p.optYear(j); n > 0 {
		if !validDate(y, m, d) {
			p.setHint(fmt.Sprintf("%q is not a valid date", p.text(i, j+n)))
			return match{}
		}
		return mk(i, j+n, datedSpan(y, m, d, p.loc))
	}
	for y := p.now.Year(); y >= p.now.Year()-8; y-- {
		if validDate(y, m, d) && !date(y, m, d, p.loc).After(p.today) {
			sp := datedSpan(y, m, d, p.loc)
			sp.cycle = cycYear
			return mk(i, j, sp)
		}
	}
	p.setHint(fmt.Sprintf("%q is not a valid date", p.text(i, j)))
	return match{}
}

// dayFirst matches a day before its month ("3 March", "the 3rd of March
// 2025") or an ordinal day alone ("the 3rd": the most recent 3rd of a month
// on or before today).
func (p *parser) dayFirst(i int) match {
	j := i
	if p.w(j) == "the" {
		j++
	}
	d, ok := p.dayNum(j)
	if !ok {
		return match{}
	}
	ord := p.isOrdinal(j)
	j++ // j is now past the day
	k := j
	if p.w(k) == "of" {
		k++
	}
	if m, ok := months[p.w(k)]; ok {
		return p.dateWithYear(i, p.abbrevDot(k), m, d)
	}
	// Alone, a day needs a written ordinal ("3rd"), or "the" before a
	// spelled one ("the first"): "second" and "3" are not dates.
	if !p.tok(j-1).ord && (!ord || i == j-1) {
		return match{}
	}
	for back := 0; back < 12; back++ {
		y, m := monthAdd(p.now.Year(), p.now.Month(), -back)
		if validDate(y, m, d) && !date(y, m, d, p.loc).After(p.today) {
			sp := datedSpan(y, m, d, p.loc)
			sp.weak = true
			return mk(i, j, sp)
		}
	}
	return match{}
}

// numericDate matches US-style M/D and M/D/YYYY (or M/D/YY, taken as 20YY).
// When the first number cannot be a month but the second can, it is read as
// D/M instead. Without a year it is the most recent such day.
func (p *parser) numericDate(i int) match {
	a, b := p.tok(i), p.tok(i+2)
	if a.kind != tNum || a.ord || a.digits > 2 || !p.punct(i+1, "/") ||
		b.kind != tNum || b.ord || b.digits > 2 || !p.adjacent(i) || !p.adjacent(i+1) {
		return match{}
	}
	mo, d := a.val, b.val
	if mo > 12 && d <= 12 {
		mo, d = d, mo
	}
	if mo < 1 || mo > 12 {
		p.setHint(fmt.Sprintf("%q is not a valid month/day", p.text(i, i+3)))
		return match{}
	}
	if c := p.tok(i + 4); p.punct(i+3, "/") && p.adjacent(i+2) && p.adjacent(i+3) &&
		c.kind == tNum && !c.ord && (c.digits == 2 || c.digits == 4) {
		y := c.val
		if c.digits == 2 {
			y += 2000
		}
		if !validDate(y, time.Month(mo), d) {
			p.setHint(fmt.Sprintf("%q is not a valid date", p.text(i, i+5)))
			return match{}
		}
		return mk(i, i+5, datedSpan(y, time.Month(mo), d, p.loc))
	}
	m := p.dateWithYear(i, i+3, time.Month(mo), d)
	m.sp.weak = m.n == 3
	return m
}

// isoForm matches an ISO 8601 date (that day), year-month (that month) or
// date-time (that minute or second, as precise as written; an offset is
// honoured, otherwise the time is read in now's location).
func (p *parser) isoForm(i int) match {
	t := p.tok(i)
	if t.kind == tBadDate {
		p.setHint(fmt.Sprintf("%q is not a valid date", t.text))
	}
	if t.kind != tDate {
		return match{}
	}
	d := t.iso
	switch {
	case d.day == 0:
		return mk(i, i+1, monthSpan(d.year, time.Month(d.month), p.loc))
	case !d.hasTime:
		return mk(i, i+1, datedSpan(d.year, time.Month(d.month), d.day, p.loc))
	}
	zone := d.zone
	if zone == nil {
		zone = p.loc
	}
	s := time.Date(d.year, time.Month(d.month), d.day, d.hour, d.min, d.sec, 0, zone).In(p.loc)
	return mk(i, i+1, closed(s, s.Add(d.prec), cInstant))
}

// yearForm matches a four-digit year, optionally after "year".
func (p *parser) yearForm(i int) match {
	if p.w(i) == "year" {
		if y, ok := p.yearNum(i + 1); ok {
			return mk(i, i+2, yearSpan(y, p.loc))
		}
	}
	y, ok := p.yearNum(i)
	if !ok {
		return match{}
	}
	sp := yearSpan(y, p.loc)
	sp.weak = true
	return mk(i, i+1, sp)
}

// monthRel resolves "last March" (the most recent March that has ended),
// "this March" (March of this year) and "next March" (the first March that
// begins after this month).
func (p *parser) monthRel(m time.Month, mod int) span {
	y := p.now.Year()
	switch {
	case mod == -1 && m >= p.now.Month():
		y--
	case mod == 1 && m <= p.now.Month():
		y++
	}
	return monthSpan(y, m, p.loc)
}

// seasonForm matches a season, with a year ("summer 2024", "the winter of
// 2025") or alone: the most recent one that has begun.
func (p *parser) seasonForm(i int) match {
	s, ok := seasons[p.w(i)]
	if !ok {
		return match{}
	}
	if y, n := p.optYear(i + 1); n > 0 {
		return mk(i, i+1+n, seasonSpan(s, y, p.loc))
	}
	var sp span
	for y := p.now.Year() + 1; ; y-- {
		if sp = seasonSpan(s, y, p.loc); !sp.start.After(p.now) {
			break
		}
	}
	sp.weak, sp.cycle = true, cycYear
	return mk(i, i+1, sp)
}

// seasonRel resolves "last summer" (the most recent one that has ended),
// "next summer" (the first one that begins after now) and "this summer"
// (the one under way, or else whichever of the last and the next is nearer:
// "this summer" in November is the one just gone, in March the coming one).
func (p *parser) seasonRel(s season, mod int) span {
	y := p.now.Year() - 1
	var prev, next span
	for ; ; y++ { // the first occurrence not yet ended
		if next = seasonSpan(s, y, p.loc); next.end.After(p.now) {
			break
		}
		prev = next
	}
	if !next.start.After(p.now) { // under way
		if mod == 0 {
			return next
		}
		if mod == 1 {
			return seasonSpan(s, y+1, p.loc)
		}
		return seasonSpan(s, y-1, p.loc)
	}
	switch mod {
	case -1:
		return seasonSpan(s, y-1, p.loc)
	case 1:
		return next
	}
	if p.now.Sub(prev.end) <= next.start.Sub(p.now) {
		return seasonSpan(s, y-1, p.loc)
	}
	return next
}

// holidayName matches a holiday's name and returns it with the tokens used.
func (p *parser) holidayName(i int) (holiday, int) {
	switch p.w(i) {
	case "christmas", "xmas":
		switch p.w(i + 1) {
		case "eve":
			return hChristmasEve, 2
		case "day":
			return hChristmas, 2
		}
		return hChristmas, 1
	case "nye":
		return hNewYearsEve, 1
	case "new":
		if !p.wordIn(i+1, "year", "years") {
			return 0, 0
		}
		switch p.w(i + 2) {
		case "eve":
			return hNewYearsEve, 3
		case "day":
			return hNewYearsDay, 3
		}
		return hNewYearsDay, 2
	case "valentine", "valentines":
		if p.w(i+1) == "day" {
			return hValentines, 2
		}
		return hValentines, 1
	case "halloween":
		return hHalloween, 1
	case "thanksgiving":
		if p.w(i+1) == "day" {
			return hThanksgiving, 2
		}
		return hThanksgiving, 1
	}
	return 0, 0
}

// holidayForm matches a holiday with an optional year; without one it is
// the most recent occurrence on or before today. A name without "day" or
// "eve" is weak in Extract ("christmas party ideas").
func (p *parser) holidayForm(i int) match {
	h, k := p.holidayName(i)
	if k == 0 {
		return match{}
	}
	if y, n := p.optYear(i + k); n > 0 {
		return mk(i, i+k+n, daySpan(holidayDate(h, y, p.loc), cDay))
	}
	d := holidayDate(h, p.now.Year(), p.loc)
	if d.After(p.today) {
		d = holidayDate(h, p.now.Year()-1, p.loc)
	}
	sp := daySpan(d, cDay)
	sp.weak = !p.wordIn(i+k-1, "day", "eve")
	return mk(i, i+k, sp)
}

// holidayRel resolves "last christmas" (strictly before today), "this
// christmas" (this year's) and "next christmas" (strictly after today).
func (p *parser) holidayRel(h holiday, mod int) span {
	y := p.now.Year()
	d := holidayDate(h, y, p.loc)
	switch {
	case mod == -1 && !d.Before(p.today):
		d = holidayDate(h, y-1, p.loc)
	case mod == 1 && !d.After(p.today):
		d = holidayDate(h, y+1, p.loc)
	}
	return daySpan(d, cDay)
}

// quarterForm matches "Q3", "Q3 2025", "2025 Q3", "Q3 of last year" and
// "the third quarter (of 2025)". Without a year it is the most recent such
// quarter that has begun.
func (p *parser) quarterForm(i int) match {
	q, j := 0, i
	switch {
	case p.w(i) == "q":
		q, j = p.quarterNum(i+1), i+2
	case p.w(i+1) == "q":
		if y, ok := p.yearNum(i); ok && p.quarterNum(i+2) > 0 {
			return mk(i, i+3, quarterSpan(y, p.quarterNum(i+2), p.loc))
		}
	case p.w(i+1) == "quarter" && p.isOrdinal(i):
		if v, ok := p.dayNum(i); ok && v <= 4 {
			q, j = v, i+2
		}
	}
	if q == 0 {
		return match{}
	}
	if y, n := p.optYear(j); n > 0 {
		return mk(i, j+n, quarterSpan(y, q, p.loc))
	}
	y := p.now.Year()
	if int(p.now.Month()) < 3*q-2 {
		y--
	}
	sp := quarterSpan(y, q, p.loc)
	sp.weak, sp.cycle = true, cycYear
	return mk(i, j, sp)
}

// quarterNum matches a quarter number 1 to 4 written as a single digit.
func (p *parser) quarterNum(i int) int {
	if t := p.tok(i); t.kind == tNum && !t.ord && t.digits == 1 && t.val >= 1 && t.val <= 4 {
		return t.val
	}
	return 0
}

// halfForm matches "first/second half of 2025" (or "of this/last/next
// year", "of the year" meaning this one) and "H1 2025"; a bare "H2" is the
// most recent second half that has begun.
func (p *parser) halfForm(i int) match {
	h, j := 0, i
	switch {
	case p.w(i) == "h":
		if t := p.tok(i + 1); t.kind == tNum && !t.ord && t.digits == 1 && (t.val == 1 || t.val == 2) {
			h, j = t.val, i+2
		}
	case p.w(i+1) == "half" && p.isOrdinal(i):
		if v, ok := p.dayNum(i); ok && v <= 2 {
			h, j = v, i+2
		}
	}
	if h == 0 {
		return match{}
	}
	half := func(y int) span { return monthsSpan(y, time.Month(6*h-5), 6, p.loc) }
	if y, n := p.optYear(j); n > 0 {
		return mk(i, j+n, half(y))
	}
	if p.w(j) == "of" && p.w(j+1) == "the" && p.w(j+2) == "year" {
		return mk(i, j+3, half(p.now.Year()))
	}
	if p.w(i) != "h" {
		return match{}
	}
	y := p.now.Year()
	if h == 2 && p.now.Month() < time.July {
		y--
	}
	sp := half(y)
	sp.weak, sp.cycle = true, cycYear
	return mk(i, j, sp)
}
