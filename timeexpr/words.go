package timeexpr

import "time"

// months maps month names and abbreviations to months.
var months = map[string]time.Month{
	"january": time.January, "jan": time.January,
	"february": time.February, "feb": time.February,
	"march": time.March, "mar": time.March,
	"april": time.April, "apr": time.April,
	"may":  time.May,
	"june": time.June, "jun": time.June,
	"july": time.July, "jul": time.July,
	"august": time.August, "aug": time.August,
	"september": time.September, "sep": time.September, "sept": time.September,
	"october": time.October, "oct": time.October,
	"november": time.November, "nov": time.November,
	"december": time.December, "dec": time.December,
}

// monthAbbrevs are the month abbreviations, which may take a full stop.
var monthAbbrevs = map[string]bool{
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true,
	"aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
}

// weekdayWord is a weekday name; abbreviations are weak on their own in
// Extract ("sun", "sat", "wed" are ordinary words too).
type weekdayWord struct {
	day    time.Weekday
	abbrev bool
}

var weekdays = map[string]weekdayWord{
	"monday": {time.Monday, false}, "mon": {time.Monday, true},
	"tuesday": {time.Tuesday, false}, "tue": {time.Tuesday, true}, "tues": {time.Tuesday, true},
	"wednesday": {time.Wednesday, false}, "wed": {time.Wednesday, true},
	"thursday": {time.Thursday, false}, "thu": {time.Thursday, true},
	"thur": {time.Thursday, true}, "thurs": {time.Thursday, true},
	"friday": {time.Friday, false}, "fri": {time.Friday, true},
	"saturday": {time.Saturday, false}, "sat": {time.Saturday, true},
	"sunday": {time.Sunday, false}, "sun": {time.Sunday, true},
}

// unit is a calendar or clock unit, ordered from shortest to longest.
type unit uint8

const (
	uSecond unit = iota
	uMinute
	uHour
	uDay
	uWeek
	uMonth
	uQuarter
	uYear
)

// unitWord is a unit as written: mult is 2 for "fortnight".
type unitWord struct {
	u      unit
	mult   int
	plural bool
}

var units = map[string]unitWord{
	"second": {uSecond, 1, false}, "seconds": {uSecond, 1, true},
	"sec": {uSecond, 1, false}, "secs": {uSecond, 1, true}, "s": {uSecond, 1, true},
	"minute": {uMinute, 1, false}, "minutes": {uMinute, 1, true},
	"min": {uMinute, 1, false}, "mins": {uMinute, 1, true}, "m": {uMinute, 1, true},
	"hour": {uHour, 1, false}, "hours": {uHour, 1, true},
	"hr": {uHour, 1, false}, "hrs": {uHour, 1, true}, "h": {uHour, 1, true},
	"day": {uDay, 1, false}, "days": {uDay, 1, true}, "d": {uDay, 1, true},
	"week": {uWeek, 1, false}, "weeks": {uWeek, 1, true},
	"wk": {uWeek, 1, false}, "wks": {uWeek, 1, true}, "w": {uWeek, 1, true},
	"fortnight": {uWeek, 2, false}, "fortnights": {uWeek, 2, true},
	"month": {uMonth, 1, false}, "months": {uMonth, 1, true},
	"mo": {uMonth, 1, false}, "mos": {uMonth, 1, true},
	"quarter": {uQuarter, 1, false}, "quarters": {uQuarter, 1, true},
	"year": {uYear, 1, false}, "years": {uYear, 1, true},
	"yr": {uYear, 1, false}, "yrs": {uYear, 1, true}, "y": {uYear, 1, true},
}

// numberWords are the counts that may be spelled out.
var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
	"fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100,
}

// ordinalWords are spelled-out ordinals, used for days of the month,
// quarters and halves.
var ordinalWords = map[string]int{
	"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
	"sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}

// qty is a count, exact (lo == hi) or vague ("a few": 2 to 5).
type qty struct{ lo, hi int }

// Vague quantities: "a couple" is 1 to 3, "a few" 2 to 5, "several" 3 to 7.
var (
	qCouple  = qty{1, 3}
	qFew     = qty{2, 5}
	qSeveral = qty{3, 7}
)

// maxCount is the largest count accepted in "N units ago" and friends.
const maxCount = 100000

// season is a meteorological season of the northern hemisphere.
type season uint8

const (
	spring season = iota
	summer
	autumn
	winter
)

var seasons = map[string]season{
	"spring": spring, "summer": summer, "autumn": autumn, "fall": autumn, "winter": winter,
}

// pod is a part of the day.
type pod uint8

const (
	podMorning pod = iota
	podAfternoon
	podEvening
	podNight
	podNoon
	podMidnight
)

var pods = map[string]pod{
	"morning": podMorning, "afternoon": podAfternoon, "evening": podEvening,
	"night": podNight, "noon": podNoon, "midday": podNoon, "midnight": podMidnight,
}

// holiday is a named day of the year.
type holiday uint8

const (
	hChristmas holiday = iota
	hChristmasEve
	hNewYearsDay
	hNewYearsEve
	hValentines
	hHalloween
	hThanksgiving
)

// class says what kind of thing a match denotes; Extract uses it to decide
// which prepositions may be cut out with it ("on friday" but not "on
// yesterday", where "on" more likely belongs to a verb: "work on").
type class uint16

const (
	cDeictic class = 1 << iota // today, last week, 3 days ago, recently
	cDay                       // a named or dated day: friday, March 3, christmas
	cPeriod                    // a month, year, season, quarter or half
	cRolling                   // last 3 days, the past week
	cPOD                       // morning, noon, night
	cInstant                   // 2025-03-01T10:00Z
	cWeekend                   // the weekend
	cRange                     // since X, between X and Y
)

const cAll = cDeictic | cDay | cPeriod | cRolling | cPOD | cInstant | cWeekend | cRange

// preps are the prepositions a point expression may start with, and the
// classes with which Extract cuts them out together.
var preps = map[string]class{
	"in":         cPeriod | cRolling | cPOD,
	"during":     cAll,
	"on":         cDay | cWeekend,
	"at":         cPOD | cDay | cInstant | cWeekend,
	"over":       cRolling | cPeriod | cDay | cWeekend,
	"within":     cRolling | cPeriod | cDeictic,
	"for":        cRolling,
	"from":       cAll,
	"around":     cAll,
	"throughout": cPeriod | cRolling | cDeictic | cWeekend | cDay,
}

// danglingPreps are removed from the end of the text left before an
// extracted expression when nothing but punctuation follows it.
var danglingPreps = map[string]bool{
	"from": true, "in": true, "during": true, "within": true, "throughout": true,
}
