// Package document turns the bytes of a file into text and into located
// chunks of that text, ready to be stored as memories.
//
// Extract reads PDF, plain text, Markdown, JSON, CSV, HTML and DOCX files
// (see Formats and FormatOf) within Limits and a context, in pure Go, and
// returns a Document: sections of text, one per PDF page or CSV row.
// Document.Chunks cuts its text into overlapping chunks located by rune
// offsets and PDF pages. Errors are *Error values with a message a user can
// act on and a kind (ErrCorrupt, ErrEncrypted, ...) to branch on.
package document

import (
	"context"
	"fmt"
	"strings"
)

// Document is the text of one file.
type Document struct {
	Format string // one of Formats()
	// Pages is the page count of a PDF, 0 for other formats.
	Pages int
	// Sections hold the text in reading order: one per PDF page that has
	// text, one per CSV row or JSON record, else one for the whole file.
	// Their text is cleaned (\n line breaks, no control characters, at
	// most one blank line in a row, trimmed) and never empty.
	Sections []Section
	// Records is true when sections are records (CSV rows, items of a
	// top-level JSON array, JSON Lines): chunks then start and end between
	// records whenever the records fit, and overlap by whole records.
	Records bool
	// Warnings tell what was skipped without failing the whole file, such
	// as "page 3: unreadable text, skipped (...)".
	Warnings []string
}

// Section is a piece of a document's text with its location.
type Section struct {
	Text string
	// Page is the 1-based PDF page the text is on, 0 when not paged.
	Page int
}

// sectionSep joins sections in Text: a blank line, which the splitter
// prefers to cut at.
const sectionSep = "\n\n"

// Text returns the text of the document: its sections joined by a blank
// line. Chunk offsets are rune offsets into this text.
func (d *Document) Text() string {
	parts := make([]string, len(d.Sections))
	for i, s := range d.Sections {
		parts[i] = s.Text
	}
	return strings.Join(parts, sectionSep)
}

// Extract returns the text of data read as the given format (one of
// Formats(); see FormatOf). Zero fields of lim take their defaults.
//
// It checks first that the content matches the format (a PDF starts with
// %PDF-, a DOCX is a zip archive with word/document.xml, text formats hold
// text) and honours ctx between pages, rows and elements, so a deadline
// bounds the time spent on one file. It never panics. Errors are *Error
// values, of kind ErrUnsupported, ErrEmpty (no bytes, or no text found),
// ErrTooLarge, ErrCorrupt, ErrEncrypted, ErrMismatch, or ctx.Err().
func Extract(ctx context.Context, format string, data []byte, lim Limits) (doc *Document, err error) {
	lim = lim.withDefaults()
	parse, ok := parsers[format]
	switch {
	case !ok:
		return nil, fail("", ErrUnsupported, "unsupported format %q (supported: %s)", format, strings.Join(Formats(), ", "))
	case len(data) == 0:
		return nil, fail("", ErrEmpty, "empty file")
	case int64(len(data)) > lim.MaxBytes:
		return nil, fail(format, ErrTooLarge, "file is %s, more than the limit of %s", size(int64(len(data))), size(lim.MaxBytes))
	}
	if err := ctx.Err(); err != nil {
		return nil, stopped(format, err)
	}
	if err := matches(format, Sniff(data)); err != nil {
		return nil, err
	}
	defer func() {
		// The PDF reader reports malformed input by panicking; in any other
		// parser a panic is a bug, still reported rather than crashing.
		if p := recover(); p != nil {
			if format == PDF {
				doc, err = nil, corrupt(format, fmt.Errorf("%v", p))
			} else {
				doc, err = nil, corrupt(format, fmt.Errorf("internal error: %v", p))
			}
		}
	}()
	b := newBuilder(ctx, format, lim)
	if err := parse(b, data, lim); err != nil {
		return nil, err
	}
	if len(b.doc.Sections) == 0 {
		if format == PDF {
			return nil, fail(format, ErrEmpty, "no text found (a scanned PDF holds images and needs OCR)")
		}
		return nil, fail(format, ErrEmpty, "no text found")
	}
	return &b.doc, nil
}

// parsers reads each format into a builder.
var parsers = map[string]func(b *builder, data []byte, lim Limits) error{
	PDF:  readPDF,
	TXT:  readText,
	MD:   readText,
	JSON: readJSON,
	CSV:  readCSV,
	HTML: readHTML,
	DOCX: readDOCX,
}

// matches returns ErrMismatch if content sniffed as sniffed cannot be read
// as format.
func matches(format, sniffed string) error {
	what := map[string]string{PDF: "a PDF file", DOCX: "a DOCX document", SniffZip: "a zip archive"}
	switch format {
	case PDF:
		if sniffed != PDF {
			return fail(format, ErrMismatch, "not a PDF file (no %%PDF- header)")
		}
	case DOCX:
		if sniffed != DOCX && sniffed != SniffZip {
			return fail(format, ErrMismatch, "not a Word document (not a zip archive)")
		}
	default:
		if sniffed == SniffBinary {
			return fail(format, ErrMismatch, "not text (binary content)")
		}
		if w, ok := what[sniffed]; ok {
			return fail(format, ErrMismatch, "not text (content is %s)", w)
		}
	}
	return nil
}
