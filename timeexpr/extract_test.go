package timeexpr_test

import (
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/timeexpr"
)

type extractCase struct {
	in   string
	want timeexpr.Range
	rest string
}

// extractCases are found at nowA.
var extractCases = []extractCase{
	{"what did I decide about postgres last week?", days(2026, 11, 16, 7), "what did I decide about postgres?"},
	{"What did I decide about the database LAST WEEK", days(2026, 11, 16, 7), "What did I decide about the database"},
	{"last week", days(2026, 11, 16, 7), ""},
	{"yesterday?", days(2026, 11, 24, 1), ""},
	{"Yesterday, we talked about Go generics", days(2026, 11, 24, 1), "we talked about Go generics"},
	{"notes from yesterday", days(2026, 11, 24, 1), "notes"},
	{"what did I work on yesterday?", days(2026, 11, 24, 1), "what did I work on?"},
	{"what did I work on last friday?", days(2026, 11, 20, 1), "what did I work on?"},
	{"what happened on friday", days(2026, 11, 20, 1), "what happened"},
	{"what happened on sun", days(2026, 11, 22, 1), "what happened"},
	{"I want to march in May", month(2026, 5), "I want to march"},
	{"what did we discuss in march about hiring", month(2026, 3), "what did we discuss about hiring"},
	{"anything from 2025?", year(2025), "anything?"},
	{"decisions in last week's meeting", days(2026, 11, 16, 7), "decisions in meeting"},
	{"notes in yesterday?", days(2026, 11, 24, 1), "notes?"},
	{"during the fall we migrated", rg(day(2026, 9, 1), day(2026, 12, 1)), "we migrated"},
	{"did the build fall over last week", days(2026, 11, 16, 7), "did the build fall over"},
	{"what did we decide in the last 3 days about auth", rg(at(2026, 11, 22, 14, 30), nowA), "what did we decide about auth"},
	{"recall everything from the past 24 hours", rg(at(2026, 11, 24, 14, 30), nowA), "recall everything"},
	{"what did I say a couple of days ago about testing", rg(day(2026, 11, 22), day(2026, 11, 25)), "what did I say about testing"},
	{"meeting notes between May 1 and May 5 about hiring", days(2026, 5, 1, 5), "meeting notes about hiring"},
	{"since monday, what changed?", rg(day(2026, 11, 23), time.Time{}), "what changed?"},
	{"what did we talk about (last week)", days(2026, 11, 16, 7), "what did we talk about"},
	{"what happened over christmas", days(2025, 12, 25, 1), "what happened"},
	{"what did I note over the weekend", days(2026, 11, 21, 2), "what did I note"},
	{"what happened in Q3", rg(day(2026, 7, 1), day(2026, 10, 1)), "what happened"},
	{"meeting on 3/4 notes", days(2026, 3, 4, 1), "meeting notes"},
	{"any ideas from 2025-03-01", days(2025, 3, 1, 1), "any ideas"},
	{"status  update   this morning  please", rg(at(2026, 11, 25, 5, 0), at(2026, 11, 25, 12, 0)), "status update please"},
	{"what did we do the day before yesterday", days(2026, 11, 23, 1), "what did we do"},
	{"may 2025 planning notes", month(2025, 5), "planning notes"},
	{"yesterday and last week", days(2026, 11, 24, 1), "and last week"},
	{"what did we do in March.", month(2026, 3), "what did we do."},
	{"what did we do this Dec. about backups", month(2026, 12), "what did we do about backups"},
}

func TestExtract(t *testing.T) {
	for _, c := range extractCases {
		got, rest, ok := timeexpr.Extract(c.in, nowA)
		if !ok {
			t.Errorf("Extract(%q) found nothing, want %v", c.in, c.want)
			continue
		}
		if !sameRange(got, c.want) || rest != c.rest {
			t.Errorf("Extract(%q)=%v, %q, want %v, %q", c.in, got, rest, c.want, c.rest)
		}
	}
}

// TestExtractNothing checks queries with no time expression, including
// words that look like dates in other senses.
func TestExtractNothing(t *testing.T) {
	for _, in := range []string{
		"",
		"how do I configure postgres",
		"may I ask about the march of progress",
		"the 2025 roadmap",
		"what's the status now",
		"the most recent decision about caching",
		"spring cleaning tasks",
		"christmas party ideas",
		"sun is shining",
		"Q3 plan",
		"what about 3/4 of users",
		"the last thing we decided",
		"I sat down with the team",
		"next steps for the migration",
		"a second opinion on the schema",
		"good morning team",
	} {
		r, rest, ok := timeexpr.Extract(in, nowA)
		if ok || rest != in || r != (timeexpr.Range{}) {
			t.Errorf("Extract(%q)=%v, %q, %v, want nothing and the query unchanged", in, r, rest, ok)
		}
	}
}

func TestExtractTooLong(t *testing.T) {
	q := "yesterday " + string(make([]byte, timeexpr.MaxQueryLength))
	if _, rest, ok := timeexpr.Extract(q, nowA); ok || rest != q {
		t.Errorf("Extract(long query) ok=%v, want false and the query unchanged", ok)
	}
}
