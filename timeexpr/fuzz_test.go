package timeexpr_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory/timeexpr"
)

// flipCase swaps the case of ASCII letters only, so that the check does not
// depend on Unicode case mappings that change a word's letters.
func flipCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c|0x20 >= 'a' && c|0x20 <= 'z' {
			b[i] = c ^ 0x20
		}
	}
	return string(b)
}

// checkRange fails when a returned range is empty or backwards.
func checkRange(t *testing.T, what string, r timeexpr.Range) {
	t.Helper()
	if !r.Start.IsZero() && !r.End.IsZero() && !r.Start.Before(r.End) {
		t.Fatalf("%s=%v: Start not before End", what, r)
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range mainCases {
		f.Add(c.in)
	}
	for _, s := range []string{"fortnight-ish", "2025-02-30", "\xff\xfe", "between may 1 and", "9999-12-31T23:59:59-23:59",
		"last last last week", "the the the", "morning morning morning", "monday monday", "q4 2025 q1", "1/1/0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := timeexpr.Parse(s, nowA)
		if err != nil {
			if !errors.Is(err, timeexpr.ErrUnrecognized) && !errors.Is(err, timeexpr.ErrTooLong) {
				t.Fatalf("Parse(%q) error %v wraps neither sentinel", s, err)
			}
			if r != (timeexpr.Range{}) {
				t.Fatalf("Parse(%q)=%v with error %v", s, r, err)
			}
		} else {
			checkRange(t, "Parse("+s+")", r)
			if r.Start.IsZero() && r.End.IsZero() {
				t.Fatalf("Parse(%q) returned an unbounded range", s)
			}
		}
		s2 := " \t" + flipCase(s) + "\n "
		r2, err2 := timeexpr.Parse(s2, nowA)
		if (err == nil) != (err2 == nil) || !sameRange(r, r2) {
			t.Fatalf("Parse(%q)=%v, %v but Parse(%q)=%v, %v", s, r, err, s2, r2, err2)
		}
	})
}

func FuzzExtract(f *testing.F) {
	for _, c := range extractCases {
		f.Add(c.in)
	}
	for _, s := range []string{"may I ask about the march of progress", "(last week)", "yesterday\xff?", "in in in may",
		"from from from yesterday", "between between may 1 and and 5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if len(q) > timeexpr.MaxQueryLength-8 {
			return
		}
		r, rest, ok := timeexpr.Extract(q, nowA)
		if !ok {
			if rest != q || r != (timeexpr.Range{}) {
				t.Fatalf("Extract(%q)=%v, %q, false: want the query unchanged", q, r, rest)
			}
		} else {
			checkRange(t, "Extract("+q+")", r)
			if len(rest) >= len(q) {
				t.Fatalf("Extract(%q) rest %q is not shorter", q, rest)
			}
			if rest != strings.TrimSpace(rest) || strings.Contains(rest, "  ") {
				t.Fatalf("Extract(%q) rest %q is untidy", q, rest)
			}
		}
		q2 := "  " + flipCase(q) + " \t"
		r2, _, ok2 := timeexpr.Extract(q2, nowA)
		if ok != ok2 || !sameRange(r, r2) {
			t.Fatalf("Extract(%q)=%v, %v but Extract(%q)=%v, %v", q, r, ok, q2, r2, ok2)
		}
	})
}

// saladWords are words and tokens the grammar knows, so that random phrases
// built from them reach far deeper into it than random bytes do.
var saladWords = strings.Fields(`today yesterday tomorrow tonight now recently the day before after
	last this next past previous earlier later in on at from to since until between and of a an few couple
	several 3 12 31 2025 1999 0 100000 3rd 1st week weeks month months year years day days hour hours
	minutes quarter fortnight ago back monday fri sunday march may dec. feb summer winter fall christmas
	new year's eve valentine's halloween thanksgiving morning evening night noon midnight weekend q 4 h 2
	first second half 2025-03-01 2025-02 2025-03-01T10:00Z 3/4 3/4/2025 / - , ? than prior up through`)

// TestWordSalad checks the Parse and Extract invariants on random phrases of
// grammar words.
func TestWordSalad(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		words := make([]string, 1+rnd.IntN(6))
		for i := range words {
			words[i] = saladWords[rnd.IntN(len(saladWords))]
		}
		s := strings.Join(words, " ")
		r, err := timeexpr.Parse(s, nowA)
		if err == nil {
			checkRange(t, "Parse("+s+")", r)
		}
		r2, err2 := timeexpr.Parse(" "+flipCase(s)+" ", nowA)
		if (err == nil) != (err2 == nil) || !sameRange(r, r2) {
			t.Fatalf("Parse(%q)=%v, %v but upper-cased %v, %v", s, r, err, r2, err2)
		}
		q := "notes " + s + " please"
		er, rest, ok := timeexpr.Extract(q, nowA)
		if ok {
			checkRange(t, "Extract("+q+")", er)
			if len(rest) >= len(q) || strings.Contains(rest, "  ") {
				t.Fatalf("Extract(%q) rest %q", q, rest)
			}
		}
	}
}
