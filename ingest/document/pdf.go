package document

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/ledongthuc/pdf"
)

// readPDF reads a PDF as one section per page that has text. It refuses
// more than lim.MaxPages pages before reading any, and encrypted files
// that need a password. A page whose text cannot be read is skipped with a
// warning; a file where no page can be read is corrupt.
func readPDF(b *builder, data []byte, lim Limits) error {
	r, err := openPDF(b.format, data)
	if err != nil {
		return err
	}
	if n := r.NumPage(); n > lim.MaxPages {
		return fail(b.format, ErrTooLarge, "%d pages, more than the limit of %d", n, lim.MaxPages)
	}
	pages, err := pageList(b.format, r, lim.MaxPages)
	if err != nil {
		return err
	}
	b.doc.Pages = len(pages)
	var firstErr error
	for i, p := range pages {
		if err := b.ctx.Err(); err != nil {
			return stopped(b.format, err)
		}
		text, err := pageText(b, p, lim.MaxUnpacked)
		var le *Error
		if errors.As(err, &le) {
			return le // a limit or the context: stop
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			b.doc.Warnings = append(b.doc.Warnings, fmt.Sprintf("page %d: unreadable text, skipped (%v)", i+1, err))
			continue
		}
		if err := b.add(ligatures.Replace(text), i+1); err != nil {
			return err
		}
	}
	if len(b.doc.Sections) == 0 && firstErr != nil {
		return corrupt(b.format, firstErr)
	}
	return nil
}

// openPDF opens a PDF, telling encrypted files from corrupt ones.
func openPDF(format string, data []byte) (*pdf.Reader, error) {
	data = fixHeader(data)
	if err := checkPDF(data); err != nil {
		return nil, corrupt(format, err)
	}
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, pdf.ErrInvalidPassword) || bytes.Contains(data, []byte("/Encrypt")):
		return nil, &Error{Format: format, Kind: ErrEncrypted, Err: err,
			Msg: "encrypted (password-protected) file: remove the password and try again"}
	}
	// Drop the reader's own prefixes: "pdf: corrupt file: missing %%EOF".
	msg := err.Error()
	for _, p := range []string{"not a PDF file: ", "malformed PDF file: ", "malformed PDF: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	if strings.HasSuffix(msg, "missing %%EOF") {
		msg += " (truncated file?)"
	}
	return nil, &Error{Format: format, Kind: ErrCorrupt, Msg: "corrupt file: " + msg, Err: err}
}

// fixHeader returns data with a header the reader accepts: it knows
// versions 1.0 to 1.7 only, and wants a line break right after.
func fixHeader(data []byte) []byte {
	if len(data) < 9 || bytes.HasPrefix(data, []byte("%PDF-1.")) && data[7] >= '0' && data[7] <= '7' && (data[8] == '\n' || data[8] == '\r') {
		return data
	}
	h := data[5:9]
	if h[0] < '1' || h[0] > '9' || h[1] != '.' || h[2] < '0' || h[2] > '9' || !strings.ContainsRune("\r\n \t%", rune(h[3])) {
		return data
	}
	fixed := bytes.Clone(data)
	copy(fixed[5:8], "1.7")
	if fixed[8] != '\r' {
		fixed[8] = '\n'
	}
	return fixed
}

// pageList returns the pages of the page tree in order. It bounds the
// tree's depth and the nodes it visits, so that a cyclic or huge tree ends
// in an error rather than a hang.
func pageList(format string, r *pdf.Reader, maxPages int) ([]pdf.Page, error) {
	var pages []pdf.Page
	budget := 4*maxPages + 64
	var walk func(node pdf.Value, depth int) error
	walk = func(node pdf.Value, depth int) error {
		if budget--; budget < 0 {
			return fail(format, ErrTooLarge, "page tree has too many nodes (more than %d pages?)", maxPages)
		}
		if depth > MaxDepth {
			return corrupt(format, errors.New("page tree nested too deep (cyclic?)"))
		}
		kids := node.Key("Kids")
		if node.Key("Type").Name() == "Page" || kids.Kind() != pdf.Array {
			if node.Kind() != pdf.Dict {
				return nil
			}
			if pages = append(pages, pdf.Page{V: node}); len(pages) > maxPages {
				return fail(format, ErrTooLarge, "more than %d pages", maxPages)
			}
			return nil
		}
		for i := 0; i < kids.Len(); i++ {
			if err := walk(kids.Index(i), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(r.Trailer().Key("Root").Key("Pages"), 0); err != nil {
		return nil, err
	}
	return pages, nil
}

// ligatures expands the Latin ligatures that PDF fonts often map text to.
var ligatures = strings.NewReplacer("\ufb00", "ff", "\ufb01", "fi", "\ufb02", "fl", "\ufb03", "ffi", "\ufb04", "ffl", "\ufb05", "st", "\ufb06", "st")
