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
