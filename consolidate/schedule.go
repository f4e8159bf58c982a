package consolidate

// Schedules in upstream's MCP_SCHEDULE_* formats, and their slots.

import (
	"strconv"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// Schedule is when the passes of one horizon run: a time of day on the
// days its horizon picks.
type Schedule struct {
	Horizon Horizon
	// Spec is the setting as given ("SUN 03:00").
	Spec string
	// Loc is the time zone of the spec (the local zone by default).
	Loc *time.Location

	hour, minute int
	weekday      time.Weekday // weekly
	day          int          // monthly, quarterly, yearly: day of month
	month        time.Month   // yearly: the month; quarterly: its month mod 3
}

// scheduleFormats are the spec formats by horizon, for error messages.
var scheduleFormats = map[Horizon]string{
	Daily: `"HH:MM" (e.g. "02:00")`, Weekly: `"DAY HH:MM" (e.g. "SUN 03:00")`, Monthly: `"DD HH:MM" (e.g. "01 04:00")`,
	Quarterly: `"MM-DD HH:MM" (e.g. "01-01 05:00": Jan, Apr, Jul, Oct 1)`, Yearly: `"MM-DD HH:MM" (e.g. "01-01 06:00")`,
}

// ParseSchedule reads an MCP_SCHEDULE_* setting for horizon h in zone loc
// (nil: local): daily "HH:MM", weekly "DAY HH:MM" (SUN..SAT, or 0..6 from
// Sunday), monthly "DD HH:MM", quarterly "MM-DD HH:MM" (the month picks
// its position in each quarter: 01, 04, 07 and 10 all mean January,
// April, July and October), yearly "MM-DD HH:MM". A day past the end of a
// month means its last day. "", "disabled", "off", "false" and "none"
// return nil: no schedule. Errors are EInvalid and show the format.
func ParseSchedule(h Horizon, spec string, loc *time.Location) (*Schedule, error) {
	spec = strings.TrimSpace(spec)
	switch strings.ToLower(spec) {
	case "", "disabled", "off", "false", "none", "0":
		return nil, nil
	}
	if loc == nil {
		loc = time.Local
	}
	s := &Schedule{Horizon: h, Spec: spec, Loc: loc}
	bad := func() (*Schedule, error) {
		return nil, memory.Errorf(memory.EInvalid, "MCP_SCHEDULE_%s=%q: want %s or disabled", strings.ToUpper(string(h)), spec, scheduleFormats[h])
	}
	fields := strings.Fields(spec)
	clock := fields[len(fields)-1]
	hh, mm, ok := strings.Cut(clock, ":")
	var err1, err2 error
	s.hour, err1 = strconv.Atoi(hh)
	s.minute, err2 = strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || s.hour < 0 || s.hour > 23 || s.minute < 0 || s.minute > 59 {
		return bad()
	}
	switch h {
	case Daily:
		if len(fields) != 1 {
			return bad()
		}
	case Weekly:
		if len(fields) != 2 {
			return bad()
		}
		wd, ok := parseWeekday(fields[0])
		if !ok {
			return bad()
		}
		s.weekday = wd
	case Monthly:
		d, err := strconv.Atoi(fields[0])
		if len(fields) != 2 || err != nil || d < 1 || d > 31 {
			return bad()
		}
		s.day = d
	case Quarterly, Yearly:
		if len(fields) != 2 {
			return bad()
		}
		ms, ds, ok := strings.Cut(fields[0], "-")
		m, err1 := strconv.Atoi(ms)
		d, err2 := strconv.Atoi(ds)
		if !ok || err1 != nil || err2 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
			return bad()
		}
		s.month, s.day = time.Month(m), d
	default:
		return bad()
	}
	return s, nil
}

func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(s)
	if n, err := strconv.Atoi(s); err == nil {
		return time.Weekday(n), n >= 0 && n <= 6
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || s == name[:3] {
			return d, true
		}
	}
	return 0, false
}

// daysIn returns the number of days of a month.
func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// on returns the slot on the given date, if the schedule has one then.
func (s *Schedule) on(y int, m time.Month, d int) (time.Time, bool) {
	ok := false
	switch s.Horizon {
	case Daily:
		ok = true
	case Weekly:
		ok = time.Date(y, m, d, 12, 0, 0, 0, s.Loc).Weekday() == s.weekday
	case Monthly:
		ok = d == min(s.day, daysIn(y, m))
	case Quarterly:
		ok = (m-1)%3 == (s.month-1)%3 && d == min(s.day, daysIn(y, m))
	case Yearly:
		ok = m == s.month && d == min(s.day, daysIn(y, m))
	}
	return time.Date(y, m, d, s.hour, s.minute, 0, 0, s.Loc), ok
}

// maxScan bounds the days Prev and Next look through: more than a year.
const maxScan = 370

// Prev returns the latest slot at or before t (the zero time if none in
// the last year, which cannot happen for a valid schedule).
func (s *Schedule) Prev(t time.Time) time.Time {
	lt := t.In(s.Loc)
	for i := 0; i <= maxScan; i++ {
		d := time.Date(lt.Year(), lt.Month(), lt.Day()-i, 12, 0, 0, 0, s.Loc)
		if slot, ok := s.on(d.Year(), d.Month(), d.Day()); ok && !slot.After(t) {
			return slot
		}
	}
	return time.Time{}
}

// Next returns the first slot after t.
func (s *Schedule) Next(t time.Time) time.Time {
	lt := t.In(s.Loc)
	for i := 0; i <= maxScan; i++ {
		d := time.Date(lt.Year(), lt.Month(), lt.Day()+i, 12, 0, 0, 0, s.Loc)
		if slot, ok := s.on(d.Year(), d.Month(), d.Day()); ok && slot.After(t) {
			return slot
		}
	}
	return time.Time{}
}
