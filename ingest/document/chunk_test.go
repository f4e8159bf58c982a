package document_test

import (
	"cmp"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mcp-memory-go/memory/ingest/document"
)

// checkChunks fails unless chunks are consistent with doc and o: offsets
// map back to the text, indexes count, sizes stay within Size+MinSize,
// chunks are in order and nothing of the text is lost.
func checkChunks(t testing.TB, doc *document.Document, chunks []document.Chunk, o document.ChunkOptions) {
	t.Helper()
	text := []rune(doc.Text())
	covered := 0 // text[:covered] is in some chunk
	size, minSize := cmp.Or(o.Size, document.DefaultChunkSize), cmp.Or(max(o.MinSize, 0), document.DefaultMinChunkSize)
	if o.MinSize < 0 {
		minSize = 1
	}
	for i, c := range chunks {
		if c.Index != i {
			t.Fatalf("chunk %d has Index %d", i, c.Index)
		}
		if c.Start < 0 || c.End > len(text) || c.Start >= c.End {
			t.Fatalf("chunk %d: bad offsets [%d,%d) in %d runes", i, c.Start, c.End, len(text))
		}
		if got := string(text[c.Start:c.End]); got != c.Text {
			t.Fatalf("chunk %d: text[%d:%d] = %q, want %q", i, c.Start, c.End, got, c.Text)
		}
		if c.Text != strings.TrimSpace(c.Text) {
			t.Errorf("chunk %d not trimmed: %q", i, c.Text)
		}
		if n := utf8.RuneCountInString(c.Text); n >= size+minSize {
			t.Errorf("chunk %d has %d runes, Size %d", i, n, o.Size)
		}
		if i > 0 && (c.Start < chunks[i-1].Start || c.End <= chunks[i-1].End) {
			t.Errorf("chunk %d [%d,%d) out of order after [%d,%d)", i, c.Start, c.End, chunks[i-1].Start, chunks[i-1].End)
		}
		if gap := string(text[min(covered, c.Start):c.Start]); strings.TrimSpace(gap) != "" {
			t.Errorf("text lost before chunk %d: %q", i, gap)
		}
		covered = max(covered, c.End)
		if c.Page > c.LastPage {
			t.Errorf("chunk %d: Page %d > LastPage %d", i, c.Page, c.LastPage)
		}
	}
	if rest := string(text[min(covered, len(text)):]); strings.TrimSpace(rest) != "" {
		t.Errorf("text lost after the last chunk: %q", rest)
	}
}

func TestChunksFixtures(t *testing.T) {
	for _, name := range fixtures {
		doc := MustExtract(t, name)
		for _, o := range []document.ChunkOptions{{}, {Size: 120, Overlap: 30}, {Size: 50, Overlap: -1, MinSize: -1}, {Size: 300, Overlap: 100, MinSize: 50}} {
			checkChunks(t, doc, doc.Chunks(o), o)
		}
	}
}

func TestChunksPages(t *testing.T) {
	doc := MustExtract(t, "report.pdf")
	chunks := doc.Chunks(document.ChunkOptions{Size: 150, Overlap: 40})
	seen := map[int]bool{}
	for _, c := range chunks {
		// The page of each end is the page whose section holds it.
		for _, at := range []struct{ page, off int }{{c.Page, c.Start}, {c.LastPage, c.End - 1}} {
			s := doc.Sections[at.page-1]
			if !strings.Contains(s.Text, string([]rune(doc.Text())[at.off])) {
				t.Errorf("chunk %d: rune %d is not on page %d", c.Index, at.off, at.page)
			}
		}
		if strings.Contains(c.Text, "The second page") && (c.Page > 2 || c.LastPage < 2) {
			t.Errorf("chunk %d with page 2 text spans pages %d-%d", c.Index, c.Page, c.LastPage)
		}
		for p := c.Page; p <= c.LastPage; p++ {
			seen[p] = true
		}
	}
	if len(seen) != 3 {
		t.Errorf("chunks cover pages %v, want 1-3", seen)
	}
	// Without overlap, chunks that fit a page are cut between pages.
	for _, c := range doc.Chunks(document.ChunkOptions{Size: 300, Overlap: -1}) {
		if c.Page != c.LastPage || c.Text != doc.Sections[c.Page-1].Text {
			t.Errorf("chunk %d spans pages %d-%d although each page fits: %q", c.Index, c.Page, c.LastPage, c.Text)
		}
	}
}

func TestChunksOverlap(t *testing.T) {
	doc := MustExtract(t, "notes.txt")
	chunks := doc.Chunks(document.ChunkOptions{Size: 200, Overlap: 60})
	if len(chunks) < 5 {
		t.Fatalf("%d chunks, want at least 5", len(chunks))
	}
	text := []rune(doc.Text())
	for i := 1; i < len(chunks); i++ {
		prev, c := chunks[i-1], chunks[i]
		over := prev.End - c.Start
		if over <= 0 || over > 60 {
			t.Errorf("chunks %d and %d overlap by %d, want 1..60", i-1, i, over)
		}
		if c.Start > 0 && text[c.Start-1] != ' ' && text[c.Start-1] != '\n' {
			t.Errorf("chunk %d starts inside a word: %q", i, c.Text[:20])
		}
	}
	none := doc.Chunks(document.ChunkOptions{Size: 200, Overlap: -1})
	for i := 1; i < len(none); i++ {
		if none[i].Start < none[i-1].End {
			t.Errorf("Overlap -1: chunks %d and %d overlap", i-1, i)
		}
	}
}

func TestChunksCSVRows(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("id,name,city\n")
	for i := range 300 {
		fmt.Fprintf(&csv, "%d,person number %d,%s\n", i, i, strings.Repeat("x", i%40))
	}
	doc, err := document.Extract(t.Context(), document.CSV, []byte(csv.String()), document.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, s := range doc.Sections {
		rows[s.Text] = true
	}
	for _, o := range []document.ChunkOptions{{}, {Size: 300, Overlap: 120}, {Size: 200, Overlap: -1}} {
		chunks := doc.Chunks(o)
		checkChunks(t, doc, chunks, o)
		overlapped := false
		for i, c := range chunks {
			for r := range strings.SplitSeq(c.Text, "\n\n") {
				if !rows[r] {
					t.Fatalf("%+v: chunk %d cuts a row: %q", o, i, r)
				}
			}
			overlapped = overlapped || i > 0 && c.Start < chunks[i-1].End
		}
		if want := o.Overlap >= 0; overlapped != want {
			t.Errorf("%+v: overlapped=%v, want %v", o, overlapped, want)
		}
	}
}

func TestChunksMinSize(t *testing.T) {
	doc := &document.Document{Sections: []document.Section{{Text: strings.Repeat("word ", 19) + "end."}, {Text: "Tail."}}}
	o := document.ChunkOptions{Size: 100, Overlap: -1, MinSize: 20}
	chunks := doc.Chunks(o)
	checkChunks(t, doc, chunks, o)
	if len(chunks) != 1 || !strings.HasSuffix(chunks[0].Text, "end.\n\nTail.") {
		t.Errorf("tail not merged into the previous chunk: %+v", chunks)
	}
	// Without merging, the tail stands alone.
	chunks = doc.Chunks(document.ChunkOptions{Size: 100, Overlap: -1, MinSize: -1})
	if len(chunks) != 2 || chunks[1].Text != "Tail." {
		t.Errorf("MinSize -1: chunks %+v, want the tail alone", chunks)
	}
	short := &document.Document{Sections: []document.Section{{Text: "Just a line."}}}
	if got := short.Chunks(document.ChunkOptions{}); len(got) != 1 || got[0].Text != "Just a line." {
		t.Errorf("short document: %+v", got)
	}
	if got := (&document.Document{}).Chunks(document.ChunkOptions{}); len(got) != 0 {
		t.Errorf("empty document: %+v", got)
	}
	// MinSize above Size/2 does not chain merges past Size+MinSize.
	o = document.ChunkOptions{Size: 120, Overlap: 30, MinSize: 100}
	notes := MustExtract(t, "notes.txt")
	checkChunks(t, notes, notes.Chunks(o), o)
}
