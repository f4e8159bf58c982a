package document

// Default limits, used for the zero fields of Limits.
const (
	DefaultMaxBytes     = 50 << 20  // 50 MiB of file
	DefaultMaxPages     = 2000      // PDF pages
	DefaultMaxUnpacked  = 100 << 20 // 100 MiB decompressed
	DefaultMaxTextBytes = 20 << 20  // 20 MiB of extracted text
)

// Fixed bounds, not configurable.
const (
	// MaxDepth is the deepest nesting of JSON values and of PDF page trees
	// (and chains of parent pages) that is read.
	MaxDepth = 100
	// maxZipEntries bounds the entries of a DOCX archive (Word writes ~20).
	maxZipEntries = 10000
	// maxRatio bounds the compression ratio of a DOCX part once it has
	// decompressed to more than ratioFloor bytes (XML compresses ~10:1,
	// a zip bomb ~1000:1).
	maxRatio   = 200
	ratioFloor = 1 << 20
)

// Limits bound the resources that reading one file may take. A zero field
// takes its default (DefaultMaxBytes, ...). Exceeding one is an error of
// kind ErrTooLarge; the time spent is bounded by the context of Extract.
type Limits struct {
	// MaxBytes bounds the size of the file.
	MaxBytes int64
	// MaxPages bounds the pages of a PDF, refused before any is read.
	MaxPages int
	// MaxUnpacked bounds the decompressed bytes of the part of a DOCX
	// archive that is read (word/document.xml), and of the content and
	// font streams of each PDF page: the defence against zip bombs.
	MaxUnpacked int64
	// MaxTextBytes bounds the text extracted from the file, in bytes of
	// UTF-8.
	MaxTextBytes int64
}

// withDefaults returns l with each zero or negative field set to its default.
func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPages <= 0 {
		l.MaxPages = DefaultMaxPages
	}
	if l.MaxUnpacked <= 0 {
		l.MaxUnpacked = DefaultMaxUnpacked
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = DefaultMaxTextBytes
	}
	return l
}
