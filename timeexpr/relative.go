package timeexpr

import "time"

// deictic matches words that point at now: today, yesterday, tomorrow,
// tonight, now, recently, lately, "day before yesterday", "day after
// tomorrow", "earlier today", "earlier this week", "later today", "the week
// before last".
func (p *parser) deictic(i int) match {
	day := func(n, used int) match { return mk(i, i+used, daySpan(addDays(p.today, n), cDeictic)) }
	switch p.w(i) {
	case "today":
		return day(0, 1)
	case "yesterday":
		return day(-1, 1)
	case "tomorrow":
		return day(1, 1)
	case "tonight":
		sp := podSpan(p.today, podNight)
		sp.cls = cDeictic
		return mk(i, i+1, sp)
	case "now", "recent":
		sp := p.recent()
		sp.weak = true
		return mk(i, i+1, sp)
	case "recently", "lately":
		return mk(i, i+1, p.recent())
	case "day":
		switch {
		case p.w(i+1) == "before" && p.w(i+2) == "yesterday":
			return day(-2, 3)
		case p.w(i+1) == "after" && p.w(i+2) == "tomorrow":
			return day(2, 3)
		}
	case "earlier":
		if p.w(i+1) == "today" {
			return mk(i, i+2, closed(p.today, p.now, cDeictic))
		}
		if p.wordIn(i+1, "this", "current") {
			if uw, ok := units[p.w(i+2)]; ok && !uw.plural && uw.mult == 1 && uw.u >= uDay {
				return mk(i, i+3, closed(p.bucket(uw.u, 0).start, p.now, cDeictic))
			}
		}
	case "later":
		if p.w(i+1) == "today" {
			return mk(i, i+2, closed(p.now, addDays(p.today, 1), cDeictic))
		}
	}
	// the week (month, year, ...) before last
	if uw, ok := units[p.w(i)]; ok && !uw.plural && uw.mult == 1 && uw.u >= uDay &&
		p.w(i+1) == "before" && p.w(i+2) == "last" {
		return mk(i, i+3, p.bucket(uw.u, -2))
	}
	return match{}
}

// relative matches this/last/next/past with what follows: rolling windows
// ("last 3 days", "past week", "the last month"), calendar units ("last
// week", "this quarter"), weekdays, months, seasons, holidays, weekends and
// parts of the day ("this morning", "last night").
func (p *parser) relative(i int) match {
	j := i + 1
	mod, rollingOnly := 0, false
	switch p.w(i) {
	case "this", "current":
	case "last", "previous", "prev":
		mod = -1
	case "next":
		mod = 1
	case "past":
		mod, rollingOnly = -1, true
	case "the":
		if !p.wordIn(i+1, "last", "past", "previous") {
			return match{}
		}
		mod, rollingOnly, j = -1, true, i+2
	default:
		return match{}
	}
	if q, uw, k := p.amount(j); k > 0 && mod != 0 && q.hi > 0 {
		if mod == 1 { // next 3 days: from now on
			return mk(i, j+k, closed(p.now, shift(p.now, uw.u, q.hi*uw.mult), cRolling))
		}
		return mk(i, j+k, p.rolling(uw, q.hi))
	}
	if uw, ok := units[p.w(j)]; ok && !uw.plural {
		switch {
		case mod == -1 && (rollingOnly || uw.u <= uDay || uw.mult != 1):
			return mk(i, j+1, p.rolling(uw, 1))
		case uw.mult != 1:
			return match{}
		}
		return mk(i, j+1, p.bucket(uw.u, mod))
	}
	if rollingOnly {
		return match{}
	}
	w := p.w(j)
	if w == "weekend" {
		return mk(i, j+1, p.weekend(mod))
	}
	if wd, ok := weekdays[w]; ok {
		return mk(i, j+1, p.weekdayRel(wd.day, mod))
	}
	if m, ok := months[w]; ok {
		return mk(i, p.abbrevDot(j), p.monthRel(m, mod))
	}
	if s, ok := seasons[w]; ok {
		return mk(i, j+1, p.seasonRel(s, mod))
	}
	if h, k := p.holidayName(j); k > 0 {
		return mk(i, j+k, p.holidayRel(h, mod))
	}
	if pd, ok := pods[w]; ok {
		sp := podSpan(addDays(p.today, mod), pd)
		sp.cls = cDeictic
		return mk(i, j+1, sp)
	}
	return match{}
}

// ago matches "N units ago" (also "back"), "N units from now" and "in N
// units": the calendar unit N units away, or the units spanned by a vague
// count ("a few days ago" is 2 to 5 days ago).
func (p *parser) ago(i int) match {
	if p.w(i) == "in" {
		if q, uw, k := p.amount(i + 1); k > 0 {
			return mk(i, i+1+k, p.buckets(uw, q, 1))
		}
		return match{}
	}
	q, uw, k := p.amount(i)
	if k == 0 {
		return match{}
	}
	j := i + k
	switch {
	case p.wordIn(j, "ago", "back"):
		return mk(i, j+1, p.buckets(uw, q, -1))
	case p.w(j) == "from" && p.w(j+1) == "now":
		return mk(i, j+2, p.buckets(uw, q, 1))
	}
	return match{}
}

// weekdayForm matches a bare weekday, the most recent one on or before
// today, or a weekday introducing an explicit date ("Monday, March 3"),
// which then wins.
func (p *parser) weekdayForm(i int) match {
	wd, ok := weekdays[p.w(i)]
	if !ok {
		return match{}
	}
	j := i + 1
	if wd.abbrev && p.punct(j, ".") {
		j++
	}
	k := j
	if p.punct(k, ",") {
		k++
	}
	if m := p.primaryBase(k); m.n > 0 && m.sp.dateM != 0 {
		return mk(i, k+m.n, m.sp)
	}
	back := (int(p.today.Weekday()) - int(wd.day) + 7) % 7
	sp := daySpan(addDays(p.today, -back), cDay)
	sp.weak, sp.cycle = wd.abbrev, cycWeek
	return mk(i, j, sp)
}

// weekdayRel resolves "last friday" (the most recent one strictly before
// today), "this friday" (in the current Monday-to-Sunday week) and "next
// friday" (in next week). Like "yesterday", these take no "on" in Extract.
func (p *parser) weekdayRel(wd time.Weekday, mod int) span {
	if mod == -1 {
		back := (int(p.today.Weekday()) - int(wd) + 7) % 7
		if back == 0 {
			back = 7
		}
		return daySpan(addDays(p.today, -back), cDeictic)
	}
	return daySpan(addDays(weekStart(p.today), 7*mod+(int(wd)+6)%7), cDeictic)
}

// weekend returns Saturday and Sunday of the week offset weeks from this
// one.
func (p *parser) weekend(offset int) span {
	s := addDays(weekStart(p.today), 7*offset+5)
	return closed(s, addDays(s, 2), cWeekend)
}

// weekendForm matches a bare "weekend": the most recent one that has begun.
func (p *parser) weekendForm(i int) match {
	if p.w(i) != "weekend" {
		return match{}
	}
	sp := p.weekend(0)
	if sp.start.After(p.now) {
		sp = p.weekend(-1)
	}
	sp.weak, sp.cycle = true, cycWeek
	return mk(i, i+1, sp)
}

// podForm matches a part of the day, either bare (the most recent one that
// has begun: "morning" at 03:00 is yesterday's) or followed by the day it
// belongs to ("morning of March 3", "noon yesterday").
func (p *parser) podForm(i int) match {
	pd, ok := pods[p.w(i)]
	if !ok {
		return match{}
	}
	sp := podSpan(p.today, pd)
	if sp.start.After(p.now) {
		sp = podSpan(addDays(p.today, -1), pd)
	}
	sp.weak, sp.cycle = true, cycDay
	best := mk(i, i+1, sp)
	k := i + 1
	if p.wordIn(k, "on", "of") {
		k++
	}
	if m := p.primaryBase(k); m.n > 0 && m.sp.day {
		sp := podSpan(m.sp.start, pd)
		sp.cls, sp.weak = m.sp.cls, m.sp.weak
		best = longer(best, mk(i, k+m.n, sp))
	}
	return best
}
