package memory_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	memory "github.com/mcp-memory-go/memory"
)

func TestSplitContent(t *testing.T) {
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 40) + "\n\nA second paragraph follows here."
	for _, max := range []int{50, 120, 500} {
		chunks := memory.SplitContent(text, max, 20)
		if len(chunks) < 2 {
			t.Fatalf("SplitContent(max=%d) gave %d chunks", max, len(chunks))
		}
		for i, c := range chunks {
			if n := utf8.RuneCountInString(c); n > max || n == 0 {
				t.Errorf("max=%d chunk %d has %d characters", max, i, n)
			}
			if c != strings.TrimSpace(c) {
				t.Errorf("max=%d chunk %d not trimmed: %q", max, i, c)
			}
		}
		joined := strings.Join(chunks, " ")
		for _, w := range []string{"quick", "paragraph", "follows"} {
			if !strings.Contains(joined, w) {
				t.Errorf("max=%d lost %q", max, w)
			}
		}
	}
	if got := memory.SplitContent("short", 100, 10); len(got) != 1 || got[0] != "short" {
		t.Errorf("short text: %q", got)
	}
	// No spaces at all still splits at the limit.
	long := strings.Repeat("é", 250)
	for _, c := range memory.SplitContent(long, 100, 10) {
		if utf8.RuneCountInString(c) > 100 {
			t.Errorf("unbroken text chunk of %d", utf8.RuneCountInString(c))
		}
	}
}

func TestSplitSpans(t *testing.T) {
	text := "  " + strings.Repeat("Überall ist die Zeit. Ελληνικά γράμματα! ", 30) + "\n\nA last paragraph.\n"
	r := []rune(text)
	for _, tc := range []struct{ max, overlap int }{{50, 10}, {120, 30}, {500, 0}, {7, 100}} {
		spans := memory.SplitSpans(text, tc.max, tc.overlap)
		chunks := memory.SplitContent(text, tc.max, tc.overlap)
		if len(spans) != len(chunks) {
			t.Fatalf("max=%d: %d spans, %d chunks", tc.max, len(spans), len(chunks))
		}
		for i, sp := range spans {
			if got := string(r[sp.Start:sp.End]); got != chunks[i] {
				t.Errorf("max=%d span %d = %q, chunk %q", tc.max, i, got, chunks[i])
			}
		}
		checkSpans(t, r, spans, tc.max, tc.overlap)
	}
	// Short text is one trimmed span; blank text none.
	if got := memory.SplitSpans("  short \n", 100, 10); len(got) != 1 || got[0] != (memory.Span{Start: 2, End: 7}) {
		t.Errorf("short text: %v", got)
	}
	for _, blank := range []string{"", " \n\t\u00a0"} {
		if got := memory.SplitSpans(blank, 100, 10); len(got) != 0 {
			t.Errorf("SplitSpans(%q) = %v, want none", blank, got)
		}
	}
	// A cut prefers the paragraph break.
	para := strings.Repeat("a", 60) + "\n\n" + strings.Repeat("b", 60)
	if got := memory.SplitSpans(para, 100, -1); got[0] != (memory.Span{Start: 0, End: 60}) {
		t.Errorf("paragraph cut: %v", got)
	}
}

// checkSpans fails unless spans are trimmed, non-empty, at most max long,
// in order, overlapping by at most overlap (or max/4 when out of range) and
// cover every non-space character of r.
func checkSpans(t *testing.T, r []rune, spans []memory.Span, max, overlap int) {
	t.Helper()
	if overlap < 0 || overlap >= max/2 {
		overlap = max / 4
	}
	covered := 0
	for i, sp := range spans {
		if sp.Start < 0 || sp.End > len(r) || sp.Start >= sp.End {
			t.Fatalf("span %d = %v in %d runes", i, sp, len(r))
		}
		if s := string(r[sp.Start:sp.End]); s != strings.TrimSpace(s) {
			t.Errorf("span %d not trimmed: %q", i, s)
		}
		if max > 0 && sp.End-sp.Start > max {
			t.Errorf("span %d has %d runes, max %d", i, sp.End-sp.Start, max)
		}
		if i > 0 {
			prev := spans[i-1]
			if sp.Start < prev.Start || sp.End < prev.End || prev.End-sp.Start > overlap {
				t.Errorf("span %d %v after %v: out of order or overlap above %d", i, sp, prev, overlap)
			}
		}
		if gap := string(r[min(covered, sp.Start):sp.Start]); strings.TrimSpace(gap) != "" {
			t.Errorf("text lost before span %d: %q", i, gap)
		}
		covered = sp.End
	}
	if rest := string(r[min(covered, len(r)):]); strings.TrimSpace(rest) != "" {
		t.Errorf("text lost at the end: %q", rest)
	}
}

func FuzzSplitSpans(f *testing.F) {
	f.Add("The quick brown fox. Jumps over\n\nthe lazy dog!  ", 10, 3)
	f.Add("  a  b  \u00a0 c\u3000d\n\n\n", 3, 1)
	f.Add(strings.Repeat("Überall. ", 40), 25, 12)
	f.Fuzz(func(t *testing.T, text string, max, overlap int) {
		if len(text) > 4096 || max > 500 || max < -1 {
			return
		}
		r := []rune(text)
		spans := memory.SplitSpans(text, max, overlap)
		checkSpans(t, r, spans, max, overlap)
		if max > 0 && len(r) > max {
			chunks := memory.SplitContent(text, max, overlap)
			if len(chunks) != len(spans) {
				t.Fatalf("%d spans, %d chunks", len(spans), len(chunks))
			}
			for i, sp := range spans {
				if string(r[sp.Start:sp.End]) != chunks[i] {
					t.Fatalf("span %d differs from chunk", i)
				}
			}
		}
	})
}

func TestQueryTerms(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"What did Caroline say about the LGBTQ support group?", "caroline say lgbtq support group"},
		{"who am I", "who am i"},
		{"Café, café; CAFÉ!", "café"},
		{"", ""},
	} {
		if got := strings.Join(memory.QueryTerms(tc.in), " "); got != tc.want {
			t.Errorf("QueryTerms(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeType(t *testing.T) {
	for _, tc := range []struct{ in, want string }{{"", "note"}, {"Decision", "decision"}, {"best practice", "best_practice"}, {"bug", "bug"}, {"zzz", "observation"}} {
		if got, _ := memory.NormalizeType(tc.in); got != tc.want {
			t.Errorf("NormalizeType(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
