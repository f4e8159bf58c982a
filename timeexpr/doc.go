// Package timeexpr turns natural-language time expressions ("yesterday",
// "last week", "3 days ago", "in March", "between May 1 and May 5") into
// time ranges relative to a given clock, so that memories can be recalled by
// when they were stored. Parse reads a whole expression; Extract finds one
// inside a free-text query and returns the query without it. The package uses
// the standard library only.
//
// A Range is half-open, [Start, End); a zero bound is unbounded. Ranges are
// computed in the location of the clock passed in, with calendar periods
// rather than rolling windows unless the words ask for a window ("last 3
// days", "past week"). Weeks start on Monday. Matching ignores case and
// surrounding space and punctuation; possessives are ignored too ("last
// week's" is "last week").
//
// # Examples
//
// With the clock at Wednesday 2026-11-25 14:30 (America/New_York), ranges
// written as [start, end):
//
//	today, yesterday, tomorrow     [11-25, 11-26), [11-24, 11-25), [11-26, 11-27)
//	the day before yesterday       [11-23, 11-24)
//	recently, lately, now, recent  [11-18 14:30, 11-25 14:30)   the last 7 days
//	earlier today, later today     [11-25 00:00, 14:30), [14:30, 11-26 00:00)
//	this / last / next week        [11-23, 11-30), [11-16, 11-23), [11-30, 12-07)
//	the week before last           [11-09, 11-16)
//	this / last / next month       [11-01, 12-01), [10-01, 11-01), [12-01, 2027-01-01)
//	this / last / next year        2026, 2025, 2027
//	this / last quarter            [10-01, 2027-01-01), [07-01, 10-01)
//	Q1, Q3 2025, 2025 Q3           2026 Q1 (the latest Q1 begun), 2025 Q3, 2025 Q3
//	first half of 2025, H2 2025    [2025-01-01, 07-01), [2025-07-01, 2026-01-01)
//	3 days ago                     [11-22, 11-23)                that calendar day
//	2 weeks ago, a week ago        [11-09, 11-16), [11-16, 11-23)  that calendar week
//	a month ago, 2 years ago       October 2026, 2024              that month, that year
//	3 hours ago, 5 minutes ago     [11:00, 12:00), [14:25, 14:26)  that clock hour, minute
//	a couple of / a few / several days ago   1–3, 2–5, 3–7 days ago: [11-22, 11-25), [11-20, 11-24), [11-18, 11-23)
//	in 3 days, 3 days from now     [11-28, 11-29)
//	last 3 days, past 24 hours     [11-22 14:30, 11-25 14:30), [11-24 14:30, 11-25 14:30)
//	past week, the last week, the past month   rolling: [11-18 14:30, now), [10-25 14:30, now)
//	last few days, last hour       rolling: 5 days, 1 hour
//	next 3 days                    [now, 11-28 14:30)
//	monday, on monday              [11-23, 11-24)   the latest Monday on or before today
//	wednesday                      [11-25, 11-26)   today
//	last tuesday, last wednesday   [11-24, 11-25), [11-18, 11-19)   strictly before today
//	this friday, next friday       [11-27, 11-28), [12-04, 12-05)   this week's, next week's
//	march, in March                March 2026       the latest March that has begun
//	                               (in February 2026 it is March 2025)
//	March 2025, March of last year March 2025
//	last March, this March         March 2026 (the latest that has ended), March 2026
//	next March                     March 2027
//	summer, last summer            2026-06-01 to 09-01 (in July 2026 "last summer" is 2025's)
//	this summer, this winter       2026's (the nearer of the last and next), [12-01, 2027-03-01)
//	summer 2024, winter 2025       [2024-06-01, 09-01), [2024-12-01, 2025-03-01)
//	this morning / afternoon / evening   11-25 05–12, 12–17, 17–21
//	tonight, last night            [11-25 21:00, 11-26 05:00), [11-24 21:00, 11-25 05:00)
//	yesterday morning, monday night, friday at noon, march 3 in the evening
//	noon, midnight                 [11:30, 12:30), [11-24 23:30, 11-25 00:30)
//	morning, evening               the latest one begun: today's 05–12, yesterday's 17–21
//	christmas, christmas eve       2025-12-25, 2025-12-24       the latest on or before today
//	new year's day, new year's eve, valentine's day, halloween    2026-01-01, 2025-12-31, 2026-02-14, 2026-10-31
//	thanksgiving, thanksgiving 2026   2025-11-27, 2026-11-26     4th Thursday of November
//	last / this / next christmas   2025-12-25, 2026-12-25, 2026-12-25
//	weekend, last weekend          [11-21, 11-23)   Saturday and Sunday
//	this / next weekend            [11-28, 11-30), [12-05, 12-07)
//	2025-03-01, 2025-03, 2025      that day, that month, that year
//	2025-03-01T10:00:00Z           [05:00:00, 05:00:01) EST      that second (a point)
//	2025-03-01 10:00               [10:00, 10:01)                that minute, in the clock's zone
//	03/01, 3/1/2025, 12/25/24      2026-03-01, 2025-03-01, 2024-12-25   US month/day
//	25/12                          2025-12-25   read day/month when it cannot be month/day
//	March 3, 3 March, the 3rd      2026-03-03, 2026-03-03, 2026-11-03   the latest on or before today
//	March 3rd, 2025; 3rd of March 2025; Monday, March 3 2025   2025-03-03
//	between May 1 and May 5        [05-01, 05-06)   both ends inclusive
//	between May 1 and 5, May 1-5   [05-01, 05-06)
//	from 2025-01-01 to 2025-02-01  [2025-01-01, 2025-02-02)
//	monday to friday               [11-16, 11-21)   monday moves back so the range ends at friday
//	since monday, since 2025-01-01 [11-23, +inf), [2025-01-01, +inf)
//	after March 3                  [2026-03-04, +inf)
//	before 2025-01-01              [-inf, 2025-01-01)
//	until yesterday, through friday [-inf, 11-25), [-inf, 11-21)
//
// # Ambiguity
//
// Expressions without a year or date (a weekday, a month, "March 3", a
// season, a holiday, "Q3", a part of the day) mean the most recent one that
// has begun, because memories lie in the past. "last X" is the most recent X
// that has ended (for weekdays and holidays: strictly before today), "next X"
// the first that begins after now, and "this X" the one in the current week
// (weekdays, weekend), year (months, holidays) or under way; "this summer"
// outside summer is whichever of the last and the next summer is nearer.
// "N days/weeks/months/years ago" is the calendar day, week, month or year N
// units back, not a window; "last N units" and "past N units" are rolling
// windows ending now, while "last week/month/year/quarter" without a number
// is the previous calendar period ("last hour", "last day" and anything after
// "past" or "the last" are windows). Vague counts are ranges: a couple is 1
// to 3, a few 2 to 5, several 3 to 7. Range ends are inclusive: "until X"
// ends where X ends, "before X" where X starts, "after X" starts where X ends.
// "since X" and "after X" are open above rather than ending now, which is the
// same for stored memories. Seasons are meteorological and northern (spring
// is March to May), and "winter 2025" is the winter whose January is in 2025.
// Numeric dates are US month/day. A date-time is a one-second (or, written
// to the minute, one-minute) range, read in its own offset if it has one.
// Parts of the day are morning 05–12, afternoon 12–17, evening 17–21, night
// 21–05; noon and midnight are the hour centred on them, and a day's midnight
// is the one at its end.
//
// In Extract, words that are ordinary English as often as dates (may, march,
// fall, sun, now, 2025, christmas, 3/4, ...) count only with a preposition,
// modifier, day or year: "the march of progress" is not a date, "in May" is.
// Extract takes the first expression in the query; the rest keeps its case.
// Years before 1000 and after 9999 are rejected, and so are clock times such
// as "3pm", which the package does not read.
package timeexpr
