package document

import (
	"sort"
	"unicode"

	memory "github.com/mcp-memory-go/memory"
)

// Chunking defaults, upstream's.
const (
	DefaultChunkSize     = 1000
	DefaultChunkOverlap  = 200
	DefaultMinChunkSize  = 100
	DefaultMinRecordSize = 10 // MinSize default for documents of records (CSV)
)

// ChunkOptions say how to cut a document into chunks, in characters
// (runes).
type ChunkOptions struct {
	// Size bounds the length of a chunk; 0 means DefaultChunkSize.
	Size int
	// Overlap is how much of the end of a chunk the next one repeats, at
	// most: 0 means DefaultChunkOverlap, a negative value none, and a value
	// of Size/2 or more Size/4.
	Overlap int
	// MinSize is the length below which a chunk is merged into its
	// neighbour, if the result is shorter than Size+MinSize (so a chunk may
	// exceed Size by less than MinSize); 0 means
	// DefaultMinChunkSize, or DefaultMinRecordSize for records; a negative
	// value never merges. No text is ever dropped: a document shorter than
	// MinSize is one chunk.
	MinSize int
}

// Chunk is a piece of a document's text with its location.
type Chunk struct {
	Text  string
	Index int // 0-based position among the chunks
	// Start and End are rune offsets into the document's Text():
	// []rune(d.Text())[Start:End] == []rune(Text).
	Start, End int
	// Page and LastPage are the first and last PDF pages the chunk covers,
	// 0 when the document is not paged.
	Page, LastPage int
}

// Chunks cuts the document's Text() into chunks of at most o.Size
// characters with memory.SplitSpans: cutting preferably between sections
// (PDF pages, CSV rows), then between paragraphs, sentences and words;
// consecutive chunks overlap by up to o.Overlap characters starting at a
// word boundary. In a document of Records, a chunk after the first starts
// at a record when its overlap reaches one, so chunks hold whole records
// whenever records are at most Size/2 long. Chunks are trimmed of white
// space; a blank document has none.
func (d *Document) Chunks(o ChunkOptions) []Chunk {
	o = o.withDefaults(d.Records)
	text := d.Text()
	runes := []rune(text)
	starts, pages := d.layout()
	spans := memory.SplitSpans(text, o.Size, o.Overlap)
	if d.Records {
		spans = snapToRecords(spans, starts, runes)
	}
	spans = mergeSmall(spans, o.Size, o.MinSize)
	chunks := make([]Chunk, len(spans))
	for i, s := range spans {
		chunks[i] = Chunk{
			Text: string(runes[s.Start:s.End]), Index: i, Start: s.Start, End: s.End,
			Page: pages[sectionAt(starts, s.Start)], LastPage: pages[sectionAt(starts, s.End-1)],
		}
	}
	return chunks
}

func (o ChunkOptions) withDefaults(records bool) ChunkOptions {
	if o.Size <= 0 {
		o.Size = DefaultChunkSize
	}
	switch {
	case o.Overlap == 0:
		o.Overlap = DefaultChunkOverlap
	case o.Overlap < 0:
		o.Overlap = 0
	}
	switch {
	case o.MinSize == 0 && records:
		o.MinSize = DefaultMinRecordSize
	case o.MinSize == 0:
		o.MinSize = DefaultMinChunkSize
	case o.MinSize < 0:
		o.MinSize = 0
	}
	return o
}

// layout returns the rune offset in Text() where each section starts, and
// each section's page.
func (d *Document) layout() (starts, pages []int) {
	starts = make([]int, len(d.Sections))
	pages = make([]int, len(d.Sections))
	at := 0
	for i, s := range d.Sections {
		starts[i], pages[i] = at, s.Page
		at += len([]rune(s.Text)) + len(sectionSep)
	}
	return starts, pages
}

// sectionAt returns the index of the section holding rune offset at.
func sectionAt(starts []int, at int) int {
	return max(sort.SearchInts(starts, at+1)-1, 0)
}

// snapToRecords moves the start of each span after the first forward to
// the next record start when nothing but white space is lost (the text
// skipped is in the previous span), and drops spans that then add nothing.
func snapToRecords(spans []memory.Span, starts []int, r []rune) []memory.Span {
	out := spans[:0:0]
	for _, s := range spans {
		if len(out) == 0 {
			out = append(out, s)
			continue
		}
		prev := out[len(out)-1]
		if i := sort.SearchInts(starts, s.Start); i < len(starts) && starts[i] != s.Start && starts[i] < s.End {
			if skipped := r[min(max(s.Start, prev.End), starts[i]):starts[i]]; blank(skipped) {
				s.Start = starts[i]
				for s.Start < s.End && unicode.IsSpace(r[s.Start]) {
					s.Start++
				}
			}
		}
		if s.End > prev.End {
			out = append(out, s)
		}
	}
	return out
}

// mergeSmall merges each span shorter than min into the previous one (the
// first into the next) when the result is shorter than size+min, and drops
// spans within the previous one.
func mergeSmall(spans []memory.Span, size, min int) []memory.Span {
	var out []memory.Span
	for _, s := range spans {
		if n := len(out); n > 0 && s.End <= out[n-1].End {
			continue // nothing new: within the previous span
		}
		if n := len(out); n > 0 && s.End-s.Start < min && s.End-out[n-1].Start < size+min {
			out[n-1].End = max(out[n-1].End, s.End)
			continue
		}
		out = append(out, s)
	}
	if len(out) > 1 && out[0].End-out[0].Start < min && out[1].End-out[0].Start < size+min {
		out[1].Start = out[0].Start
		out = out[1:]
	}
	return out
}

func blank(r []rune) bool {
	for _, c := range r {
		if !unicode.IsSpace(c) {
			return false
		}
	}
	return true
}
