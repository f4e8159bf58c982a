package document

import (
	"context"
	"strings"
	"unicode"
)

// builder collects the sections of a document while a parser reads it:
// it cleans their text, enforces Limits.MaxTextBytes and checks the
// context every few calls of tick.
type builder struct {
	ctx    context.Context
	format string
	max    int64 // MaxTextBytes
	size   int64 // bytes of text so far, separators included
	ticks  int
	doc    Document
}

func newBuilder(ctx context.Context, format string, lim Limits) *builder {
	return &builder{ctx: ctx, format: format, max: lim.MaxTextBytes, doc: Document{Format: format}}
}

// tick returns an error once the context has ended; it looks every 64 calls,
// so parsers may call it for every element they read.
func (b *builder) tick() error {
	b.ticks++
	if b.ticks%64 != 0 {
		return nil
	}
	if err := b.ctx.Err(); err != nil {
		return stopped(b.format, err)
	}
	return nil
}

// room returns ErrTooLarge if n more bytes of text would exceed the limit,
// for parsers that build a long section piece by piece.
func (b *builder) room(n int) error {
	if b.size+int64(n) > b.max {
		return fail(b.format, ErrTooLarge, "extracted text exceeds %s", size(b.max))
	}
	return nil
}

// add appends a section with the cleaned text, unless it is blank.
func (b *builder) add(text string, page int) error {
	if err := b.room(len(text)); err != nil {
		return err
	}
	text = clean(text)
	if text == "" {
		return nil
	}
	b.size += int64(len(text)) + int64(len(sectionSep))
	b.doc.Sections = append(b.doc.Sections, Section{Text: text, Page: page})
	return nil
}

// lineBreaks turns every kind of line break into \n.
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\f", "\n", "\v", "\n", "\u2028", "\n", "\u2029", "\n")

// clean normalises extracted text: line breaks become \n (CRLF, CR, form
// feed and vertical tab included), other control characters and stray byte
// order marks go, so does white space at line ends, several blank lines
// become one, and the text is trimmed (as strings.TrimSpace trims).
func clean(s string) string {
	s = lineBreaks.Replace(s)
	var out strings.Builder
	out.Grow(len(s))
	blank := false
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRightFunc(strings.Map(dropControl, line), unicode.IsSpace)
		if line == "" {
			blank = out.Len() > 0
			continue
		}
		if out.Len() == 0 {
			line = strings.TrimLeftFunc(line, unicode.IsSpace)
		} else if blank {
			out.WriteString("\n\n")
		} else {
			out.WriteByte('\n')
		}
		blank = false
		out.WriteString(line)
	}
	return out.String()
}

// dropControl maps control characters other than tab, and U+FEFF, to
// nothing, for strings.Map.
func dropControl(r rune) rune {
	if r < 0x20 && r != '\t' || r >= 0x7f && r < 0xa0 || r == '\ufeff' {
		return -1
	}
	return r
}
