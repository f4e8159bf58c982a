package timeexpr_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/timeexpr"
)

// TestParseYearBoundary uses Friday 2026-01-02 10:00, just after New Year.
func TestParseYearBoundary(t *testing.T) {
	now := at(2026, 1, 2, 10, 0)
	runParse(t, now, []parseCase{
		{"yesterday", days(2026, 1, 1, 1)},
		{"this week", rg(day(2025, 12, 29), day(2026, 1, 5))},
		{"last week", rg(day(2025, 12, 22), day(2025, 12, 29))},
		{"last month", month(2025, 12)},
		{"a month ago", month(2025, 12)},
		{"last year", year(2025)},
		{"this quarter", rg(day(2026, 1, 1), day(2026, 4, 1))},
		{"last quarter", rg(day(2025, 10, 1), day(2026, 1, 1))},
		{"Q4", rg(day(2025, 10, 1), day(2026, 1, 1))},
		{"H2", rg(day(2025, 7, 1), day(2026, 1, 1))},
		{"december", month(2025, 12)},
		{"3 days ago", days(2025, 12, 30, 1)},
		{"last 3 days", rg(at(2025, 12, 30, 10, 0), now)},
		{"friday", days(2026, 1, 2, 1)},
		{"last friday", days(2025, 12, 26, 1)},
		{"monday", days(2025, 12, 29, 1)},
		{"last weekend", days(2025, 12, 27, 2)},
		{"this weekend", days(2026, 1, 3, 2)},
		{"christmas", days(2025, 12, 25, 1)},
		{"new year's eve", days(2025, 12, 31, 1)},
		{"new year's day", days(2026, 1, 1, 1)},
		{"12/31", days(2025, 12, 31, 1)},
		{"winter", rg(day(2025, 12, 1), day(2026, 3, 1))},
		{"this winter", rg(day(2025, 12, 1), day(2026, 3, 1))},
		{"last winter", rg(day(2024, 12, 1), day(2025, 3, 1))},
		{"earlier this year", rg(day(2026, 1, 1), now)},
		{"between christmas and new year's day", rg(day(2025, 12, 25), day(2026, 1, 2))},
	})
}

// TestParseFebruary uses Tuesday 2026-02-10 09:00, before March and
// Valentine's day, so that bare names reach back into 2025.
func TestParseFebruary(t *testing.T) {
	now := at(2026, 2, 10, 9, 0)
	runParse(t, now, []parseCase{
		{"in March", month(2025, 3)},
		{"march", month(2025, 3)},
		{"last march", month(2025, 3)},
		{"this march", month(2026, 3)},
		{"next march", month(2026, 3)},
		{"March 3", days(2025, 3, 3, 1)},
		{"after march 3", rg(day(2025, 3, 4), time.Time{})},
		{"valentine's day", days(2025, 2, 14, 1)},
		{"this valentine's day", days(2026, 2, 14, 1)},
		{"next valentine's day", days(2026, 2, 14, 1)},
		{"summer", rg(day(2025, 6, 1), day(2025, 9, 1))},
		{"last summer", rg(day(2025, 6, 1), day(2025, 9, 1))},
		{"this summer", rg(day(2026, 6, 1), day(2026, 9, 1))},
		{"spring", rg(day(2025, 3, 1), day(2025, 6, 1))},
		{"this spring", rg(day(2026, 3, 1), day(2026, 6, 1))},
		{"winter", rg(day(2025, 12, 1), day(2026, 3, 1))},
		{"last winter", rg(day(2024, 12, 1), day(2025, 3, 1))},
		{"the 15th", days(2026, 1, 15, 1)},
		{"morning", rg(at(2026, 2, 10, 5, 0), at(2026, 2, 10, 12, 0))},
		{"evening", rg(at(2026, 2, 9, 17, 0), at(2026, 2, 9, 21, 0))},
		{"a month ago", month(2026, 1)},
		{"last 1 month", rg(at(2026, 1, 10, 9, 0), now)},
	})
}

// TestParseMonday uses Monday 2026-11-23 08:00 for weekday edge cases.
func TestParseMonday(t *testing.T) {
	now := at(2026, 11, 23, 8, 0)
	runParse(t, now, []parseCase{
		{"monday", days(2026, 11, 23, 1)},
		{"last monday", days(2026, 11, 16, 1)},
		{"this monday", days(2026, 11, 23, 1)},
		{"next monday", days(2026, 11, 30, 1)},
		{"sunday", days(2026, 11, 22, 1)},
		{"last sunday", days(2026, 11, 22, 1)},
		{"this sunday", days(2026, 11, 29, 1)},
		{"weekend", days(2026, 11, 21, 2)},
		{"last weekend", days(2026, 11, 21, 2)},
		{"monday to friday", days(2026, 11, 16, 5)},
		{"night", rg(at(2026, 11, 22, 21, 0), at(2026, 11, 23, 5, 0))},
		{"a week ago", days(2026, 11, 16, 7)},
	})
}

// TestParseSaturday checks weekends from inside one.
func TestParseSaturday(t *testing.T) {
	now := at(2026, 11, 28, 10, 0)
	runParse(t, now, []parseCase{
		{"weekend", days(2026, 11, 28, 2)},
		{"this weekend", days(2026, 11, 28, 2)},
		{"last weekend", days(2026, 11, 21, 2)},
		{"thanksgiving", days(2026, 11, 26, 1)},
		{"last thanksgiving", days(2026, 11, 26, 1)},
	})
}

// TestParseJuly checks seasons and halves while summer is under way.
func TestParseJuly(t *testing.T) {
	now := at(2026, 7, 15, 12, 0)
	runParse(t, now, []parseCase{
		{"summer", rg(day(2026, 6, 1), day(2026, 9, 1))},
		{"this summer", rg(day(2026, 6, 1), day(2026, 9, 1))},
		{"last summer", rg(day(2025, 6, 1), day(2025, 9, 1))},
		{"next summer", rg(day(2027, 6, 1), day(2027, 9, 1))},
		{"Q3", rg(day(2026, 7, 1), day(2026, 10, 1))},
		{"Q4", rg(day(2025, 10, 1), day(2026, 1, 1))},
		{"H2", rg(day(2026, 7, 1), day(2027, 1, 1))},
		{"noon", rg(at(2026, 7, 15, 11, 30), at(2026, 7, 15, 12, 30))},
		{"afternoon", rg(at(2026, 7, 15, 12, 0), at(2026, 7, 15, 17, 0))},
		{"evening", rg(at(2026, 7, 14, 17, 0), at(2026, 7, 14, 21, 0))},
	})
}

// TestParseDST checks that days are calendar days across a DST change, using
// the real America/New_York rules when the zone database is available.
func TestParseDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no zone database: %v", err)
	}
	now := time.Date(2026, 3, 8, 12, 0, 0, 0, ny) // clocks went forward at 02:00
	cases := []struct {
		in         string
		start, end time.Time
		length     time.Duration
	}{
		{"today", time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 0, 0, 0, 0, ny), 23 * time.Hour},
		{"past 24 hours", now.Add(-24 * time.Hour), now, 24 * time.Hour},
		{"last 1 day", time.Date(2026, 3, 7, 12, 0, 0, 0, ny), now, 23 * time.Hour},
		{"this week", time.Date(2026, 3, 2, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 0, 0, 0, 0, ny), 7*24*time.Hour - time.Hour},
		{"this morning", time.Date(2026, 3, 8, 5, 0, 0, 0, ny), time.Date(2026, 3, 8, 12, 0, 0, 0, ny), 7 * time.Hour},
		{"3 hours ago", time.Date(2026, 3, 8, 9, 0, 0, 0, ny), time.Date(2026, 3, 8, 10, 0, 0, 0, ny), time.Hour},
	}
	for _, c := range cases {
		got, err := timeexpr.Parse(c.in, now)
		want := rg(c.start, c.end)
		if err != nil || !sameRange(got, want) || got.End.Sub(got.Start) != c.length {
			t.Errorf("Parse(%q)=%v, %v, want %v (%v long)", c.in, got, err, want, c.length)
		}
	}
}

// TestParseRejects checks that non-expressions fail with ErrUnrecognized.
func TestParseRejects(t *testing.T) {
	for _, in := range []string{
		"", "   ", "?!", "fortnight-ish", "banana", "last", "the last", "week", "days ago",
		"next", "ago", "between", "between May 1", "between May 1 and", "since", "from to",
		"2025-02-30", "2025-13", "2025-03-01T25:00", "02/30/2025", "13/45", "march 32",
		"february 30, 2025", "Q5", "q", "2025 q", "H3 2025", "new york", "last 0 days",
		"last week foo", "yesterday yesterday", "by monday", "3pm", "24h", "2026 years ago",
		"next 8000 years", "1/1/0001", "0999-01-01", "last 999999999999 days",
		"\xff\xfe", "yes\xffterday", "may I ask", "first half", "3/4/5", "3", "second", "since 3",
	} {
		r, err := timeexpr.Parse(in, nowA)
		if err == nil {
			t.Errorf("Parse(%q)=%v, want an error", in, r)
			continue
		}
		if !errors.Is(err, timeexpr.ErrUnrecognized) {
			t.Errorf("Parse(%q) error %v does not wrap ErrUnrecognized", in, err)
		}
		if r != (timeexpr.Range{}) {
			t.Errorf("Parse(%q) returned %v with its error", in, r)
		}
	}
}

func TestParseErrorMessages(t *testing.T) {
	tryList := `(try "yesterday", "last week", "3 days ago", "in March", "2025-03-01", "between May 1 and May 5")`
	cases := []struct{ in, want string }{
		{"fortnight-ish", `timeexpr: "fortnight-ish" is not a time expression I understand ` + tryList},
		{" what? ", `timeexpr: "what" is not a time expression I understand ` + tryList},
		{"", `timeexpr: the time expression is empty ` + tryList},
		{"2025-02-30", `timeexpr: "2025-02-30" is not a valid date ` + tryList},
		{"last week foo", `timeexpr: "last week foo" is not a time expression I understand: "last week" is, but "foo" is not ` + tryList},
		{"last 99999999 days", `timeexpr: the number 99999999 is too large ` + tryList},
	}
	for _, c := range cases {
		_, err := timeexpr.Parse(c.in, nowA)
		if err == nil || err.Error() != c.want {
			t.Errorf("Parse(%q) error\n got %v\nwant %s", c.in, err, c.want)
		}
	}
}

func TestParseTooLong(t *testing.T) {
	long := strings.Repeat("a", timeexpr.MaxLength+1)
	_, err := timeexpr.Parse(long, nowA)
	if !errors.Is(err, timeexpr.ErrTooLong) || errors.Is(err, timeexpr.ErrUnrecognized) {
		t.Errorf("Parse(501 chars) error %v, want ErrTooLong", err)
	}
	padded := strings.Repeat(" ", 1000) + "yesterday" + strings.Repeat(" ", 1000)
	if r, err := timeexpr.Parse(padded, nowA); err != nil || !sameRange(r, days(2026, 11, 24, 1)) {
		t.Errorf("Parse(padded yesterday)=%v, %v, want yesterday", r, err)
	}
	// 500 multi-byte characters are within the limit.
	if _, err := timeexpr.Parse(strings.Repeat("é", timeexpr.MaxLength), nowA); errors.Is(err, timeexpr.ErrTooLong) {
		t.Errorf("Parse(500 runes) error %v, want ErrUnrecognized", err)
	}
}

func TestRangeContains(t *testing.T) {
	r := days(2026, 11, 24, 1)
	cases := []struct {
		r    timeexpr.Range
		t    time.Time
		want bool
	}{
		{r, day(2026, 11, 24), true},
		{r, at(2026, 11, 24, 23, 59), true},
		{r, day(2026, 11, 25), false},
		{r, day(2026, 11, 23), false},
		{rg(time.Time{}, day(2025, 1, 1)), day(1900, 1, 1), true},
		{rg(time.Time{}, day(2025, 1, 1)), day(2025, 1, 1), false},
		{rg(day(2025, 1, 1), time.Time{}), day(3000, 1, 1), true},
		{timeexpr.Range{}, nowA, true},
	}
	for _, c := range cases {
		if got := c.r.Contains(c.t); got != c.want {
			t.Errorf("%v.Contains(%v)=%v, want %v", c.r, c.t, got, c.want)
		}
	}
	if s := rg(time.Time{}, day(2025, 1, 1)).String(); s != "[-inf, 2025-01-01T00:00:00-05:00)" {
		t.Errorf("String()=%q", s)
	}
}

// TestParseExtremeClocks runs every main case against clocks at the edges of
// what time.Time and the package allow; results may be errors but must never
// panic, run backwards or leave the clock's location.
func TestParseExtremeClocks(t *testing.T) {
	clocks := []time.Time{
		{},
		time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 2, 28, 23, 59, 0, 0, time.FixedZone("NPT", 5*3600+45*60)),
		time.Date(2028, 2, 29, 0, 0, 0, 0, time.FixedZone("odd", -(3*3600+17))),
	}
	for _, now := range clocks {
		for _, c := range mainCases {
			r, err := timeexpr.Parse(c.in, now)
			if err != nil {
				continue
			}
			if !r.Start.IsZero() && !r.End.IsZero() && !r.Start.Before(r.End) {
				t.Errorf("at %v Parse(%q)=%v runs backwards", now, c.in, r)
			}
			for _, b := range []time.Time{r.Start, r.End} {
				if !b.IsZero() && b.Location() != now.Location() {
					t.Errorf("at %v Parse(%q) bound %v not in the clock's location", now, c.in, b)
				}
			}
		}
	}
}
