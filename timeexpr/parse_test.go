package timeexpr_test

import (
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/timeexpr"
)

// est stands in for America/New_York in November, kept hermetic.
var est = time.FixedZone("EST", -5*3600)

// nowA is the main test clock: Wednesday 2026-11-25 14:30 EST.
var nowA = at(2026, 11, 25, 14, 30)

func at(y, m, d, h, min int) time.Time {
	return time.Date(y, time.Month(m), d, h, min, 0, 0, est)
}

func day(y, m, d int) time.Time { return at(y, m, d, 0, 0) }

func rg(start, end time.Time) timeexpr.Range { return timeexpr.Range{Start: start, End: end} }

// days is the range of whole days from y-m-d for n days.
func days(y, m, d, n int) timeexpr.Range { return rg(day(y, m, d), day(y, m, d+n)) }

func month(y, m int) timeexpr.Range { return rg(day(y, m, 1), day(y, m+1, 1)) }

func year(y int) timeexpr.Range { return rg(day(y, 1, 1), day(y+1, 1, 1)) }

func sameRange(a, b timeexpr.Range) bool { return a.Start.Equal(b.Start) && a.End.Equal(b.End) }

type parseCase struct {
	in   string
	want timeexpr.Range
}

// runParse checks every case against clock now, and that set bounds are in
// now's location.
func runParse(t *testing.T, now time.Time, cases []parseCase) {
	t.Helper()
	for _, c := range cases {
		got, err := timeexpr.Parse(c.in, now)
		if err != nil {
			t.Errorf("Parse(%q) error %v, want %v", c.in, err, c.want)
			continue
		}
		if !sameRange(got, c.want) {
			t.Errorf("Parse(%q)=%v, want %v", c.in, got, c.want)
		}
		for _, b := range []time.Time{got.Start, got.End} {
			if !b.IsZero() && b.Location() != now.Location() {
				t.Errorf("Parse(%q) bound %v not in %v", c.in, b, now.Location())
			}
		}
	}
}

// mainCases cover every supported form at nowA.
var mainCases = []parseCase{
	// days around now
	{"today", days(2026, 11, 25, 1)},
	{"Yesterday", days(2026, 11, 24, 1)},
	{"tomorrow", days(2026, 11, 26, 1)},
	{"the day before yesterday", days(2026, 11, 23, 1)},
	{"day after tomorrow", days(2026, 11, 27, 1)},
	{"  yesterday?! ", days(2026, 11, 24, 1)},
	{"yesterday's", days(2026, 11, 24, 1)},
	{"now", rg(at(2026, 11, 18, 14, 30), nowA)},
	{"recently", rg(at(2026, 11, 18, 14, 30), nowA)},
	{"lately", rg(at(2026, 11, 18, 14, 30), nowA)},
	{"recent", rg(at(2026, 11, 18, 14, 30), nowA)},
	{"earlier today", rg(day(2026, 11, 25), nowA)},
	{"later today", rg(nowA, day(2026, 11, 26))},
	{"earlier this week", rg(day(2026, 11, 23), nowA)},
	{"earlier this month", rg(day(2026, 11, 1), nowA)},

	// calendar periods
	{"this week", days(2026, 11, 23, 7)},
	{"last week", days(2026, 11, 16, 7)},
	{"LAST WEEK", days(2026, 11, 16, 7)},
	{"previous week", days(2026, 11, 16, 7)},
	{"next week", days(2026, 11, 30, 7)},
	{"the week before last", days(2026, 11, 9, 7)},
	{"this month", month(2026, 11)},
	{"last month", month(2026, 10)},
	{"next month", month(2026, 12)},
	{"the month before last", month(2026, 9)},
	{"this year", year(2026)},
	{"last year", year(2025)},
	{"next year", year(2027)},
	{"this quarter", rg(day(2026, 10, 1), day(2027, 1, 1))},
	{"last quarter", rg(day(2026, 7, 1), day(2026, 10, 1))},
	{"next quarter", rg(day(2027, 1, 1), day(2027, 4, 1))},
	{"Q1", rg(day(2026, 1, 1), day(2026, 4, 1))},
	{"q4", rg(day(2026, 10, 1), day(2027, 1, 1))},
	{"Q3 2025", rg(day(2025, 7, 1), day(2025, 10, 1))},
	{"2025 Q2", rg(day(2025, 4, 1), day(2025, 7, 1))},
	{"Q1 of last year", rg(day(2025, 1, 1), day(2025, 4, 1))},
	{"the third quarter of 2024", rg(day(2024, 7, 1), day(2024, 10, 1))},
	{"first half of 2025", rg(day(2025, 1, 1), day(2025, 7, 1))},
	{"second half of 2025", rg(day(2025, 7, 1), day(2026, 1, 1))},
	{"the second half of last year", rg(day(2025, 7, 1), day(2026, 1, 1))},
	{"first half of the year", rg(day(2026, 1, 1), day(2026, 7, 1))},
	{"H1 2024", rg(day(2024, 1, 1), day(2024, 7, 1))},
	{"H2", rg(day(2026, 7, 1), day(2027, 1, 1))},

	// N units ago: the calendar unit N back
	{"3 days ago", days(2026, 11, 22, 1)},
	{"three days ago", days(2026, 11, 22, 1)},
	{"a day ago", days(2026, 11, 24, 1)},
	{"0 days ago", days(2026, 11, 25, 1)},
	{"a week ago", days(2026, 11, 16, 7)},
	{"2 weeks ago", days(2026, 11, 9, 7)},
	{"a fortnight ago", days(2026, 11, 9, 7)},
	{"a month ago", month(2026, 10)},
	{"13 months ago", month(2025, 10)},
	{"2 years ago", year(2024)},
	{"a year ago", year(2025)},
	{"5 minutes ago", rg(at(2026, 11, 25, 14, 25), at(2026, 11, 25, 14, 26))},
	{"20 mins ago", rg(at(2026, 11, 25, 14, 10), at(2026, 11, 25, 14, 11))},
	{"3 hours ago", rg(at(2026, 11, 25, 11, 0), at(2026, 11, 25, 12, 0))},
	{"an hour ago", rg(at(2026, 11, 25, 13, 0), at(2026, 11, 25, 14, 0))},
	{"half an hour ago", rg(at(2026, 11, 25, 14, 0), at(2026, 11, 25, 14, 1))},
	{"a couple of days ago", rg(day(2026, 11, 22), day(2026, 11, 25))},
	{"couple days ago", rg(day(2026, 11, 22), day(2026, 11, 25))},
	{"a few days ago", rg(day(2026, 11, 20), day(2026, 11, 24))},
	{"few days ago", rg(day(2026, 11, 20), day(2026, 11, 24))},
	{"several weeks ago", rg(day(2026, 10, 5), day(2026, 11, 9))},
	{"2 days back", days(2026, 11, 23, 1)},
	{"in 3 days", days(2026, 11, 28, 1)},
	{"3 days from now", days(2026, 11, 28, 1)},
	{"in 2 weeks", days(2026, 12, 7, 7)},

	// rolling windows
	{"last 3 days", rg(at(2026, 11, 22, 14, 30), nowA)},
	{"past 2 weeks", rg(at(2026, 11, 11, 14, 30), nowA)},
	{"last 6 months", rg(at(2026, 5, 25, 14, 30), nowA)},
	{"the last 2 years", rg(at(2024, 11, 25, 14, 30), nowA)},
	{"past 24 hours", rg(at(2026, 11, 24, 14, 30), nowA)},
	{"last 24h", rg(at(2026, 11, 24, 14, 30), nowA)},
	{"last 90 minutes", rg(at(2026, 11, 25, 13, 0), nowA)},
	{"past week", rg(at(2026, 11, 18, 14, 30), nowA)},
	{"the past week", rg(at(2026, 11, 18, 14, 30), nowA)},
	{"the last week", rg(at(2026, 11, 18, 14, 30), nowA)},
	{"the last month", rg(at(2026, 10, 25, 14, 30), nowA)},
	{"in the last 3 days", rg(at(2026, 11, 22, 14, 30), nowA)},
	{"within the past 24 hours", rg(at(2026, 11, 24, 14, 30), nowA)},
	{"over the last couple of weeks", rg(at(2026, 11, 4, 14, 30), nowA)},
	{"the past few days", rg(at(2026, 11, 20, 14, 30), nowA)},
	{"last hour", rg(at(2026, 11, 25, 13, 30), nowA)},
	{"past half hour", rg(at(2026, 11, 25, 14, 0), nowA)},
	{"last fortnight", rg(at(2026, 11, 11, 14, 30), nowA)},
	{"next 3 days", rg(nowA, at(2026, 11, 28, 14, 30))},

	// weekdays (today is Wednesday)
	{"monday", days(2026, 11, 23, 1)},
	{"on Monday", days(2026, 11, 23, 1)},
	{"wednesday", days(2026, 11, 25, 1)},
	{"on friday", days(2026, 11, 20, 1)},
	{"fri", days(2026, 11, 20, 1)},
	{"last tuesday", days(2026, 11, 24, 1)},
	{"last wednesday", days(2026, 11, 18, 1)},
	{"last wed", days(2026, 11, 18, 1)},
	{"this friday", days(2026, 11, 27, 1)},
	{"this monday", days(2026, 11, 23, 1)},
	{"next friday", days(2026, 12, 4, 1)},
	{"Monday, March 3 2025", days(2025, 3, 3, 1)},

	// months
	{"march", month(2026, 3)},
	{"in March", month(2026, 3)},
	{"during december", month(2025, 12)},
	{"November", month(2026, 11)},
	{"March 2025", month(2025, 3)},
	{"sept 2025", month(2025, 9)},
	{"march of last year", month(2025, 3)},
	{"last March", month(2026, 3)},
	{"last november", month(2025, 11)},
	{"this March", month(2026, 3)},
	{"next march", month(2027, 3)},
	{"next december", month(2026, 12)},

	// seasons
	{"summer", rg(day(2026, 6, 1), day(2026, 9, 1))},
	{"last summer", rg(day(2026, 6, 1), day(2026, 9, 1))},
	{"this summer", rg(day(2026, 6, 1), day(2026, 9, 1))},
	{"next summer", rg(day(2027, 6, 1), day(2027, 9, 1))},
	{"summer 2024", rg(day(2024, 6, 1), day(2024, 9, 1))},
	{"the summer of 2024", rg(day(2024, 6, 1), day(2024, 9, 1))},
	{"fall", rg(day(2026, 9, 1), day(2026, 12, 1))},
	{"this autumn", rg(day(2026, 9, 1), day(2026, 12, 1))},
	{"last fall", rg(day(2025, 9, 1), day(2025, 12, 1))},
	{"spring", rg(day(2026, 3, 1), day(2026, 6, 1))},
	{"winter", rg(day(2025, 12, 1), day(2026, 3, 1))},
	{"last winter", rg(day(2025, 12, 1), day(2026, 3, 1))},
	{"this winter", rg(day(2026, 12, 1), day(2027, 3, 1))},
	{"winter 2025", rg(day(2024, 12, 1), day(2025, 3, 1))},

	// parts of the day
	{"this morning", rg(at(2026, 11, 25, 5, 0), at(2026, 11, 25, 12, 0))},
	{"this afternoon", rg(at(2026, 11, 25, 12, 0), at(2026, 11, 25, 17, 0))},
	{"this evening", rg(at(2026, 11, 25, 17, 0), at(2026, 11, 25, 21, 0))},
	{"tonight", rg(at(2026, 11, 25, 21, 0), at(2026, 11, 26, 5, 0))},
	{"last night", rg(at(2026, 11, 24, 21, 0), at(2026, 11, 25, 5, 0))},
	{"yesterday morning", rg(at(2026, 11, 24, 5, 0), at(2026, 11, 24, 12, 0))},
	{"yesterday afternoon", rg(at(2026, 11, 24, 12, 0), at(2026, 11, 24, 17, 0))},
	{"yesterday evening", rg(at(2026, 11, 24, 17, 0), at(2026, 11, 24, 21, 0))},
	{"yesterday in the evening", rg(at(2026, 11, 24, 17, 0), at(2026, 11, 24, 21, 0))},
	{"monday night", rg(at(2026, 11, 23, 21, 0), at(2026, 11, 24, 5, 0))},
	{"tomorrow night", rg(at(2026, 11, 26, 21, 0), at(2026, 11, 27, 5, 0))},
	{"friday at noon", rg(at(2026, 11, 20, 11, 30), at(2026, 11, 20, 12, 30))},
	{"noon", rg(at(2026, 11, 25, 11, 30), at(2026, 11, 25, 12, 30))},
	{"noon yesterday", rg(at(2026, 11, 24, 11, 30), at(2026, 11, 24, 12, 30))},
	{"midnight", rg(at(2026, 11, 24, 23, 30), at(2026, 11, 25, 0, 30))},
	{"yesterday at midnight", rg(at(2026, 11, 24, 23, 30), at(2026, 11, 25, 0, 30))},
	{"morning", rg(at(2026, 11, 25, 5, 0), at(2026, 11, 25, 12, 0))},
	{"in the evening", rg(at(2026, 11, 24, 17, 0), at(2026, 11, 24, 21, 0))},
	{"the morning of march 3", rg(at(2026, 3, 3, 5, 0), at(2026, 3, 3, 12, 0))},
	{"2025-03-01 afternoon", rg(at(2025, 3, 1, 12, 0), at(2025, 3, 1, 17, 0))},

	// holidays
	{"christmas", days(2025, 12, 25, 1)},
	{"Christmas 2024", days(2024, 12, 25, 1)},
	{"christmas eve", days(2025, 12, 24, 1)},
	{"xmas", days(2025, 12, 25, 1)},
	{"last christmas", days(2025, 12, 25, 1)},
	{"this christmas", days(2026, 12, 25, 1)},
	{"next christmas", days(2026, 12, 25, 1)},
	{"new year", days(2026, 1, 1, 1)},
	{"new year's day", days(2026, 1, 1, 1)},
	{"New Year’s Eve", days(2025, 12, 31, 1)},
	{"new years eve 2024", days(2024, 12, 31, 1)},
	{"valentine's day", days(2026, 2, 14, 1)},
	{"valentines", days(2026, 2, 14, 1)},
	{"halloween", days(2026, 10, 31, 1)},
	{"thanksgiving", days(2025, 11, 27, 1)},
	{"thanksgiving 2026", days(2026, 11, 26, 1)},
	{"next thanksgiving", days(2026, 11, 26, 1)},
	{"thanksgiving day 2024", days(2024, 11, 28, 1)},

	// weekends
	{"weekend", days(2026, 11, 21, 2)},
	{"the weekend", days(2026, 11, 21, 2)},
	{"last weekend", days(2026, 11, 21, 2)},
	{"this weekend", days(2026, 11, 28, 2)},
	{"next weekend", days(2026, 12, 5, 2)},
	{"over the weekend", days(2026, 11, 21, 2)},

	// ISO and numeric dates
	{"2025-03-01", days(2025, 3, 1, 1)},
	{"2025-3-1", days(2025, 3, 1, 1)},
	{"2025/03/01", days(2025, 3, 1, 1)},
	{"2025-03", month(2025, 3)},
	{"2025", year(2025)},
	{"in 2025", year(2025)},
	{"the year 2024", year(2024)},
	{"2025-03-01T10:00:00Z", rg(at(2025, 3, 1, 5, 0), at(2025, 3, 1, 5, 0).Add(time.Second))},
	{"2025-03-01t10:00:00.123+02:00", rg(at(2025, 3, 1, 3, 0), at(2025, 3, 1, 3, 0).Add(time.Second))},
	{"2025-03-01T10:00:30-0500", rg(at(2025, 3, 1, 10, 0).Add(30*time.Second), at(2025, 3, 1, 10, 0).Add(31*time.Second))},
	{"2025-03-01 10:00", rg(at(2025, 3, 1, 10, 0), at(2025, 3, 1, 10, 1))},
	{"03/01", days(2026, 3, 1, 1)},
	{"12/25", days(2025, 12, 25, 1)},
	{"3/1/2025", days(2025, 3, 1, 1)},
	{"12/25/24", days(2024, 12, 25, 1)},
	{"25/12", days(2025, 12, 25, 1)},
	{"March 3", days(2026, 3, 3, 1)},
	{"December 3", days(2025, 12, 3, 1)},
	{"November 25", days(2026, 11, 25, 1)},
	{"3 March", days(2026, 3, 3, 1)},
	{"dec. 25", days(2025, 12, 25, 1)},
	{"Mar. 2025", month(2025, 3)},
	{"the 3rd of Dec.", days(2025, 12, 3, 1)},
	{"March 3rd, 2025", days(2025, 3, 3, 1)},
	{"march the 3rd", days(2026, 3, 3, 1)},
	{"3rd of March 2025", days(2025, 3, 3, 1)},
	{"the first of may", days(2026, 5, 1, 1)},
	{"the 3rd", days(2026, 11, 3, 1)},
	{"on the 31st", days(2026, 10, 31, 1)},
	{"February 29", days(2024, 2, 29, 1)},

	// ranges
	{"between May 1 and May 5", days(2026, 5, 1, 5)},
	{"between may 1 and 5", days(2026, 5, 1, 5)},
	{"May 1-5", days(2026, 5, 1, 5)},
	{"may 1 - may 5", days(2026, 5, 1, 5)},
	{"between the 1st and the 5th", days(2026, 11, 1, 5)},
	{"from 2025-01-01 to 2025-02-01", rg(day(2025, 1, 1), day(2025, 2, 2))},
	{"2025-03-01 – 2025-03-05", days(2025, 3, 1, 5)},
	{"from yesterday to today", days(2026, 11, 24, 2)},
	{"from last week until now", rg(day(2026, 11, 16), nowA)},
	{"2024-2025", rg(day(2024, 1, 1), day(2026, 1, 1))},
	{"between 2025 and 2024", rg(day(2024, 1, 1), day(2026, 1, 1))},
	{"monday to friday", days(2026, 11, 16, 5)},
	{"from november to january", rg(day(2025, 11, 1), day(2026, 2, 1))},
	{"between christmas and new year's day", rg(day(2025, 12, 25), day(2026, 1, 2))},
	{"since monday", rg(day(2026, 11, 23), time.Time{})},
	{"since 2025-01-01", rg(day(2025, 1, 1), time.Time{})},
	{"since last summer", rg(day(2026, 6, 1), time.Time{})},
	{"starting from june", rg(day(2026, 6, 1), time.Time{})},
	{"before 2025-01-01", rg(time.Time{}, day(2025, 1, 1))},
	{"prior to march", rg(time.Time{}, day(2026, 3, 1))},
	{"after March 3", rg(day(2026, 3, 4), time.Time{})},
	{"later than last week", rg(day(2026, 11, 23), time.Time{})},
	{"until yesterday", rg(time.Time{}, day(2026, 11, 25))},
	{"up to last month", rg(time.Time{}, day(2026, 11, 1))},
	{"through friday", rg(time.Time{}, day(2026, 11, 21))},
}

func TestParseMainClock(t *testing.T) {
	runParse(t, nowA, mainCases)
}
