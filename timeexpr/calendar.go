package timeexpr

import "time"

// span is a range under construction, with what Extract and the grammar need
// to know about where it came from.
type span struct {
	start, end       time.Time
	hasStart, hasEnd bool
	cls              class
	day              bool // exactly one calendar day: a part of the day may follow
	weak             bool // too ambiguous on its own for Extract ("may", "2025")
	dateY, dateM     int  // year and month of an explicit date, for "May 1 to 5"
	cycle            cycle
}

// cycle is how often an expression without a year or date recurs ("friday",
// "march", "morning"); it lets "monday to friday" move monday back a week
// rather than run backwards.
type cycle uint8

const (
	cycNone cycle = iota
	cycDay
	cycWeek
	cycYear
)

// earlier returns the previous occurrence of a recurring span.
func (s span) earlier() (span, bool) {
	switch {
	case s.cycle == cycDay:
		s.start, s.end = s.start.AddDate(0, 0, -1), s.end.AddDate(0, 0, -1)
	case s.cycle == cycWeek:
		s.start, s.end = s.start.AddDate(0, 0, -7), s.end.AddDate(0, 0, -7)
	case s.cycle == cycYear && s.day:
		y, m, d := s.start.Date()
		if !validDate(y-1, m, d) {
			return s, false
		}
		t := datedSpan(y-1, m, d, s.start.Location())
		t.cls, t.weak, t.cycle = s.cls, s.weak, s.cycle
		return t, true
	case s.cycle == cycYear: // month-aligned: months, seasons, quarters, halves
		s.start, s.end = s.start.AddDate(-1, 0, 0), s.end.AddDate(-1, 0, 0)
	default:
		return s, false
	}
	return s, true
}

func closed(start, end time.Time, cls class) span {
	return span{start: start, end: end, hasStart: true, hasEnd: true, cls: cls}
}

// rng converts a span to the exported Range.
func (s span) rng() Range {
	var r Range
	if s.hasStart {
		r.Start = s.start
	}
	if s.hasEnd {
		r.End = s.end
	}
	return r
}

// valid reports whether the span can be returned: set bounds lie in the
// years 1000 to 10000 (so that none is mistaken for the zero time, and
// nothing absurd comes back) and the range is not empty.
func (s span) valid() bool {
	ok := func(t time.Time) bool { return t.Year() >= 1000 && t.Year() <= 10000 }
	if s.hasStart && !ok(s.start) || s.hasEnd && !ok(s.end) {
		return false
	}
	return !(s.hasStart && s.hasEnd) || s.start.Before(s.end)
}

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func validDate(y int, m time.Month, d int) bool {
	return m >= time.January && m <= time.December && d >= 1 && d <= daysIn(y, m)
}

// floorDiv divides rounding towards negative infinity.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// monthAdd returns the month n months after month m of year y.
func monthAdd(y int, m time.Month, n int) (int, time.Month) {
	idx := y*12 + int(m) - 1 + n
	yy := floorDiv(idx, 12)
	return yy, time.Month(idx - yy*12 + 1)
}

// addMonths moves t by n months, clamping the day to the target month's
// length (March 31 minus one month is February 28 or 29).
func addMonths(t time.Time, n int) time.Time {
	y, m := monthAdd(t.Year(), t.Month(), n)
	d := min(t.Day(), daysIn(y, m))
	return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// date returns midnight starting the given day in loc.
func date(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// addDays returns midnight n days after the day of d.
func addDays(d time.Time, n int) time.Time {
	y, m, dd := d.Date()
	return time.Date(y, m, dd+n, 0, 0, 0, 0, d.Location())
}

// clock returns hh:mm on the day of d; hours past 23 run into the next day.
func clock(d time.Time, h, min int) time.Time {
	y, m, dd := d.Date()
	return time.Date(y, m, dd, h, min, 0, 0, d.Location())
}

func daySpan(d time.Time, cls class) span {
	s := closed(d, addDays(d, 1), cls)
	s.day = true
	return s
}

// datedSpan is the span of an explicit calendar date.
func datedSpan(y int, m time.Month, d int, loc *time.Location) span {
	s := daySpan(date(y, m, d, loc), cDay)
	s.dateY, s.dateM = y, int(m)
	return s
}

// weekStart returns the Monday starting the week that contains day d.
func weekStart(d time.Time) time.Time {
	return addDays(d, -((int(d.Weekday()) + 6) % 7))
}

func monthSpan(y int, m time.Month, loc *time.Location) span {
	ny, nm := monthAdd(y, m, 1)
	return closed(date(y, m, 1, loc), date(ny, nm, 1, loc), cPeriod)
}

func monthsSpan(y int, m time.Month, n int, loc *time.Location) span {
	ny, nm := monthAdd(y, m, n)
	return closed(date(y, m, 1, loc), date(ny, nm, 1, loc), cPeriod)
}

func yearSpan(y int, loc *time.Location) span {
	return closed(date(y, 1, 1, loc), date(y+1, 1, 1, loc), cPeriod)
}

func quarterSpan(y, q int, loc *time.Location) span {
	return monthsSpan(y, time.Month(3*q-2), 3, loc)
}

// seasonSpan returns season s of year y; winter y runs from December of y-1
// to the end of February of y, so that it is named after its January.
func seasonSpan(s season, y int, loc *time.Location) span {
	switch s {
	case spring:
		return monthsSpan(y, time.March, 3, loc)
	case summer:
		return monthsSpan(y, time.June, 3, loc)
	case autumn:
		return monthsSpan(y, time.September, 3, loc)
	}
	return monthsSpan(y-1, time.December, 3, loc)
}

// holidayDate returns the day of holiday h in year y.
func holidayDate(h holiday, y int, loc *time.Location) time.Time {
	switch h {
	case hChristmasEve:
		return date(y, time.December, 24, loc)
	case hNewYearsDay:
		return date(y, time.January, 1, loc)
	case hNewYearsEve:
		return date(y, time.December, 31, loc)
	case hValentines:
		return date(y, time.February, 14, loc)
	case hHalloween:
		return date(y, time.October, 31, loc)
	case hThanksgiving: // the fourth Thursday of November
		first := date(y, time.November, 1, loc)
		return addDays(first, (int(time.Thursday)-int(first.Weekday())+7)%7+21)
	}
	return date(y, time.December, 25, loc)
}

// podSpan returns part of the day pd on day d: morning 05–12, afternoon
// 12–17, evening 17–21, night 21–05 the next day, noon 11:30–12:30, and
// midnight the hour around the midnight that ends d.
func podSpan(d time.Time, pd pod) span {
	h := [...][4]int{
		podMorning:   {5, 0, 12, 0},
		podAfternoon: {12, 0, 17, 0},
		podEvening:   {17, 0, 21, 0},
		podNight:     {21, 0, 29, 0},
		podNoon:      {11, 30, 12, 30},
		podMidnight:  {23, 30, 24, 30},
	}[pd]
	return closed(clock(d, h[0], h[1]), clock(d, h[2], h[3]), cPOD)
}

// truncLocal truncates t to a multiple of d (at most a day) in t's own zone.
func truncLocal(t time.Time, d time.Duration) time.Time {
	_, off := t.Zone()
	o := time.Duration(off) * time.Second
	return t.Add(o).Truncate(d).Add(-o)
}

var unitDur = [...]time.Duration{uSecond: time.Second, uMinute: time.Minute, uHour: time.Hour}

// shift moves t by n units: clock units exactly, days and weeks by calendar
// days, months, quarters and years by calendar months with the day clamped.
func shift(t time.Time, u unit, n int) time.Time {
	switch u {
	case uSecond, uMinute, uHour:
		return t.Add(time.Duration(n) * unitDur[u])
	case uDay:
		return t.AddDate(0, 0, n)
	case uWeek:
		return t.AddDate(0, 0, 7*n)
	case uMonth:
		return addMonths(t, n)
	case uQuarter:
		return addMonths(t, 3*n)
	}
	return addMonths(t, 12*n)
}

// bucket returns the calendar unit (this second, hour, day, week, month,
// quarter, year) that lies offset units from the one containing now.
func (p *parser) bucket(u unit, offset int) span {
	loc := p.loc
	switch u {
	case uSecond, uMinute, uHour:
		s := truncLocal(p.now.Add(time.Duration(offset)*unitDur[u]), unitDur[u])
		return closed(s, s.Add(unitDur[u]), cDeictic)
	case uDay:
		return daySpan(addDays(p.today, offset), cDeictic)
	case uWeek:
		s := addDays(weekStart(p.today), 7*offset)
		return closed(s, addDays(s, 7), cDeictic)
	case uMonth:
		y, m := monthAdd(p.now.Year(), p.now.Month(), offset)
		return monthSpan(y, m, loc)
	case uQuarter:
		y, m := monthAdd(p.now.Year(), time.Month((int(p.now.Month())-1)/3*3+1), 3*offset)
		return monthsSpan(y, m, 3, loc)
	}
	return yearSpan(p.now.Year()+offset, loc)
}

// buckets returns the calendar units from lo to hi units away from now,
// into the past when sign is negative ("2 to 5 days ago") or the future.
func (p *parser) buckets(uw unitWord, q qty, sign int) span {
	lo, hi := q.lo*uw.mult*sign, q.hi*uw.mult*sign
	if lo > hi {
		lo, hi = hi, lo
	}
	a, b := p.bucket(uw.u, lo), p.bucket(uw.u, hi)
	s := closed(a.start, b.end, cDeictic)
	s.day = uw.u == uDay && lo == hi
	return s
}

// rolling returns the window from n units before now up to now.
func (p *parser) rolling(uw unitWord, n int) span {
	return closed(shift(p.now, uw.u, -n*uw.mult), p.now, cRolling)
}

// recent is what "recently" means: the last seven days up to now.
func (p *parser) recent() span {
	return closed(p.now.AddDate(0, 0, -7), p.now, cDeictic)
}
