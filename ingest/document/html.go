package document

import (
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// readHTML reads the visible text of an HTML page as one section: the
// title, then the body. Scripts, styles, templates and the like are left
// out; block elements end paragraphs, <br> and table rows end lines, table
// cells are separated by " | ", list items start with "- ", entities are
// decoded and white space is collapsed (except in <pre>). It streams
// tokens, so deep nesting costs nothing.
func readHTML(b *builder, data []byte, _ Limits) error {
	s, err := htmlSource(b.format, data)
	if err != nil {
		return err
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var w textWriter
	var skip int          // depth inside an element whose content is hidden
	var skipTag atom.Atom // that element
	var pre, cells int
	for {
		if err := b.tick(); err != nil {
			return err
		}
		if err := b.room(w.sb.Len()); err != nil {
			return err
		}
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				return corrupt(b.format, z.Err())
			}
			return b.add(w.sb.String(), 0)
		}
		name, _ := z.TagName()
		tag := atom.Lookup(name)
		if skip > 0 {
			switch {
			case tag != skipTag:
			case tt == html.StartTagToken:
				skip++
			case tt == html.EndTagToken:
				skip--
			}
			continue
		}
		switch tt {
		case html.TextToken:
			if pre > 0 {
				w.write(string(z.Text()))
			} else {
				w.words(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			switch {
			case hidden[tag]:
				if tt == html.StartTagToken {
					skip, skipTag = 1, tag
				}
			case tag == atom.Br:
				w.brk(lineBreak)
			case tag == atom.Tr:
				w.brk(lineBreak)
				cells = 0
			case tag == atom.Td || tag == atom.Th:
				if cells > 0 {
					w.brk(cellBreak)
				}
				cells++
			case tag == atom.Li:
				w.brk(lineBreak)
				w.write("-")
				w.brk(spaceBreak)
			case tag == atom.Pre:
				pre++
				w.brk(paraBreak)
			case blocks[tag] || tag == atom.Title:
				w.brk(paraBreak)
			}
		case html.EndTagToken:
			switch {
			case tag == atom.Pre:
				pre = max(pre-1, 0)
				w.brk(paraBreak)
			case tag == atom.Tr || tag == atom.Li:
				w.brk(lineBreak)
			case blocks[tag] || tag == atom.Title:
				w.brk(paraBreak)
			}
		}
	}
}

// htmlSource decodes an HTML file as decodeText does, except that bytes
// that are not UTF-8 are read in the charset that a <meta> declares, if any.
func htmlSource(format string, data []byte) (string, error) {
	if bom(data) != "" || utf8.Valid(data) {
		return decodeText(format, data)
	}
	e, name, _ := charset.DetermineEncoding(data, "")
	if name == "utf-8" || name == "windows-1252" || e == nil {
		return decodeText(format, data)
	}
	out, err := e.NewDecoder().Bytes(data)
	if err != nil {
		return "", corrupt(format, err)
	}
	if binaryText(string(out)) {
		return "", fail(format, ErrMismatch, "not text (binary content)")
	}
	return string(out), nil
}

// hidden are the elements whose content is not shown.
var hidden = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Object: true, atom.Canvas: true, atom.Svg: true, atom.Math: true,
	atom.Select: true, atom.Datalist: true, atom.Noembed: true, atom.Noframes: true,
}

// blocks are the elements that start and end a paragraph.
var blocks = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Caption: true, atom.Dd: true, atom.Details: true, atom.Dialog: true, atom.Div: true,
	atom.Dl: true, atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true,
	atom.Footer: true, atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true,
	atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true, atom.Hgroup: true,
	atom.Hr: true, atom.Legend: true, atom.Main: true, atom.Nav: true, atom.Ol: true,
	atom.P: true, atom.Section: true, atom.Summary: true, atom.Table: true, atom.Ul: true,
	atom.Body: true, atom.Head: true, atom.Html: true,
}

// Breaks between pieces of text, weakest first: the strongest pending
// one is written before the next text.
const (
	noBreak = iota
	spaceBreak
	cellBreak
	lineBreak
	paraBreak
)

// textWriter joins pieces of text with the breaks asked for between them.
type textWriter struct {
	sb      strings.Builder
	pending int
}

func (w *textWriter) brk(level int) { w.pending = max(w.pending, level) }

// write writes s after the pending break (none at the start).
func (w *textWriter) write(s string) {
	if s == "" {
		return
	}
	if w.sb.Len() > 0 {
		w.sb.WriteString([]string{"", " ", " | ", "\n", "\n\n"}[w.pending])
	}
	w.pending = noBreak
	w.sb.WriteString(s)
}

// words writes s with its runs of white space collapsed to single spaces.
func (w *textWriter) words(s string) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		if s != "" {
			w.brk(spaceBreak)
		}
		return
	}
	if s[0] == ' ' || s[0] == '\n' || s[0] == '\t' || s[0] == '\r' || s[0] == '\f' {
		w.brk(spaceBreak)
	}
	w.write(strings.Join(fields, " "))
	if last := s[len(s)-1]; last == ' ' || last == '\n' || last == '\t' || last == '\r' || last == '\f' {
		w.brk(spaceBreak)
	}
}
