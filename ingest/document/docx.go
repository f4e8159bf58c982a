package document

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// docxMain is the part of a DOCX archive that holds the document body.
const docxMain = "word/document.xml"

// readDOCX reads the body of a Word document (word/document.xml, and no
// other part: headers, footers, footnotes and comments are left out) as one
// section: paragraphs separated by blank lines, headings as plain
// paragraphs, list items as "- " lines, table rows as lines with cells
// separated by " | ", tabs and line breaks kept. The archive is checked
// before any byte is decompressed (entry count, declared size and
// compression ratio) and while it is (actual size and ratio), against zip
// bombs.
func readDOCX(b *builder, data []byte, lim Limits) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return corrupt(b.format, err)
	}
	if len(zr.File) > maxZipEntries {
		return fail(b.format, ErrTooLarge, "archive has %d entries, more than %d", len(zr.File), maxZipEntries)
	}
	var part *zip.File
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, docxMain) {
			part = f
			break
		}
	}
	if part == nil {
		return fail(b.format, ErrMismatch, "not a Word document (no %s in the archive)", docxMain)
	}
	if part.UncompressedSize64 > uint64(lim.MaxUnpacked) {
		return fail(b.format, ErrTooLarge, "decompressed size exceeds %s (zip bomb?)", size(lim.MaxUnpacked))
	}
	if part.UncompressedSize64 > ratioFloor && part.UncompressedSize64 > maxRatio*part.CompressedSize64 {
		return fail(b.format, ErrTooLarge, "compression ratio above %d:1 (zip bomb?)", maxRatio)
	}
	rc, err := part.Open()
	if err != nil {
		return corrupt(b.format, err)
	}
	defer rc.Close()
	g := &unzipGuard{r: rc, format: b.format, max: lim.MaxUnpacked, packed: part.CompressedSize64}
	return readWordXML(b, g)
}

// unzipGuard reads a decompressing reader and fails once it has given more
// than max bytes, or more than maxRatio times its compressed size (past
// ratioFloor), whatever sizes the archive declared.
type unzipGuard struct {
	r      io.Reader
	format string
	max    int64
	packed uint64
	n      int64
	err    error // the limit error, kept for readWordXML to report
}

func (g *unzipGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	switch {
	case g.n > g.max:
		g.err = fail(g.format, ErrTooLarge, "decompressed size exceeds %s (zip bomb?)", size(g.max))
	case g.n > ratioFloor && uint64(g.n) > maxRatio*g.packed:
		g.err = fail(g.format, ErrTooLarge, "compression ratio above %d:1 (zip bomb?)", maxRatio)
	}
	if g.err != nil {
		return 0, g.err
	}
	return n, err
}

// wordState is what readWordXML tracks of WordprocessingML.
type wordState struct {
	w        textWriter
	para     strings.Builder // text of the current paragraph
	inRun    bool            // inside w:r: w:tab and w:br are text
	inText   bool            // inside w:t (or m:t)
	listItem bool            // the current paragraph has numbering
	tables   int             // table nesting
	cells    int             // cells so far in the current row
	skip     int             // depth inside an element left out
}

// readWordXML streams the XML of word/document.xml into one section.
func readWordXML(b *builder, r *unzipGuard) error {
	d := xml.NewDecoder(r)
	d.CharsetReader = charset.NewReaderLabel
	var s wordState
	for {
		if err := b.tick(); err != nil {
			return err
		}
		tok, err := d.Token()
		if err == io.EOF {
			return b.add(s.w.sb.String(), 0)
		}
		if err != nil {
			if r.err != nil {
				return r.err
			}
			return corrupt(b.format, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			s.start(t.Name.Local)
		case xml.EndElement:
			s.end(t.Name.Local)
			if t.Name.Local == "p" {
				if err := b.room(s.w.sb.Len()); err != nil {
					return err
				}
			}
		case xml.CharData:
			if s.inText && s.skip == 0 {
				s.para.Write(t)
			}
		}
	}
}

// skipped are elements whose content is left out: the fallback copy of
// a text box (its content is also in the preferred choice), field codes,
// deleted text.
var skipped = map[string]bool{"Fallback": true, "instrText": true, "delText": true}

func (s *wordState) start(local string) {
	if s.skip > 0 || skipped[local] {
		s.skip++
		return
	}
	switch local {
	case "p":
		s.para.Reset()
		s.listItem = false
	case "numPr":
		s.listItem = true
	case "r":
		s.inRun = true
	case "t":
		s.inText = true
	case "tab", "ptab":
		if s.inRun {
			s.para.WriteByte('\t')
		}
	case "br", "cr":
		if s.inRun {
			s.para.WriteByte('\n')
		}
	case "noBreakHyphen":
		s.para.WriteByte('-')
	case "tbl":
		s.tables++
		s.w.brk(paraBreak)
	case "tr":
		s.w.brk(lineBreak)
		s.cells = 0
	case "tc":
		if s.cells > 0 {
			s.w.brk(cellBreak)
		}
		s.cells++
	}
}

func (s *wordState) end(local string) {
	if s.skip > 0 {
		s.skip--
		return
	}
	switch local {
	case "r":
		s.inRun = false
	case "t":
		s.inText = false
	case "tbl":
		s.tables = max(s.tables-1, 0)
		s.w.brk(paraBreak)
	case "p":
		s.endParagraph()
	}
}

// endParagraph writes the paragraph just read.
func (s *wordState) endParagraph() {
	text := strings.TrimSpace(s.para.String())
	s.para.Reset()
	switch {
	case text == "":
	case s.tables > 0:
		s.w.write(text)
		s.w.brk(spaceBreak)
	case s.listItem:
		s.w.brk(lineBreak)
		s.w.write("- " + text)
		s.w.brk(lineBreak)
	default:
		s.w.brk(paraBreak)
		s.w.write(text)
		s.w.brk(paraBreak)
	}
}
